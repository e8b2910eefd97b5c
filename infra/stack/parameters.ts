/**
 * Phase 4: each region's SSM parameters — identical names, that region's values — where the
 * functions and `drctl` find everything (docs/architecture.md has the table).
 */
import * as pulumi from "@pulumi/pulumi";
import { parameterPrefix, resourceName } from "../core/naming";
import { witnessName } from "../core/stack-environment";
import { RegionalParameters } from "../components/parameters/regional-parameters";
import { perRegion, type PerRegion, type StackContext } from "./context";
import type { DisasterRecovery } from "./disaster-recovery";
import type { Foundation } from "./foundation";
import type { PaymentPath } from "./payment-path";

export function buildParameters(ctx: StackContext, f: Foundation, p: PaymentPath, d: DisasterRecovery): PerRegion<string[]> {
  const { config, environment: env, specs, parent } = ctx;
  return perRegion(specs, (spec) => {
    const role = spec.role;
    const messaging = f.messaging[role];
    const params = new RegionalParameters(
      resourceName("parameters", spec.region, env),
      {
        region: spec.region,
        prefix: parameterPrefix(env),
        values: {
          region: spec.region,
          "peer-region": spec.peer,
          role,
          "tables/payments": f.tables.names.payments,
          "tables/idempotency": f.tables.names.idempotency,
          "tables/control": f.tables.names.control,
          // How the tables replicate, and strong mode's witness region (docs/architecture.md, Data layer).
          "tables/consistency": config.dataConsistency,
          ...(config.dataConsistency === "strong" ? { "tables/witness-region": config.witnessRegion } : {}),
          "buckets/transaction-log": f.transactionLogs.buckets[role].bucket,
          "topics/alerts": messaging.alertTopicArn,
          "queues/processing": messaging.queueUrl,
          "queues/processing-dlq": messaging.dlqUrl,
          "queues/transaction-log": messaging.transactionLogQueueUrl,
          objectives: JSON.stringify({ rpoSeconds: config.rpoSeconds, rtoSeconds: config.rtoSeconds }),
          "api/endpoint": role === "primary" ? p.apiEndpoints.primary : p.apiEndpoints.secondary,
          "api/peer-endpoint": role === "primary" ? p.apiEndpoints.secondary : p.apiEndpoints.primary,
          "api/failover-endpoint": p.apiEndpoints.failover,
          "dns/zone-name": config.hostedZoneName,
          "dns/zone-id": p.zone.zoneId,
          "dns/name-servers": p.zone.nameServers.apply((ns) => ns.join(",")),
          "dns/witness-name": witnessName(config.hostedZoneName),
          "dns/health-check-ids": pulumi.jsonStringify(p.dns.healthCheckIds),
          "dr/state-machine-arn": d.orchestration[role].stateMachineArn,
          "dr/canary-ticker-arn": d.orchestration[role].tickerArn,
          "dr/evidence-bucket": f.evidence[role].bucket,
          "dr/dashboard-url": d.dashboardUrls[role],
          "dr/alarm-names": JSON.stringify(Object.values(p.alarms[role].names).sort()),
        },
      },
      parent,
    );
    return params.names;
  });
}
