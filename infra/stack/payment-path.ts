/**
 * Phase 2: the path a payment takes — the hosted zone, the payment service of each region
 * (functions, triggers, API), the alarms, and Route 53 failover in front of it all.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { StackEnvironmentName } from "../../lib/handlers/spec";
import { paymentFunctions } from "../../lib/handlers";
import { regionalAlarmCatalog } from "../core/alarm-catalog";
import type { RegionSpec } from "../core/config";
import type { RegionalResources } from "../core/lambda-permissions";
import { failoverApiDomain, GLOBAL, regionalApiDomain, resourceName } from "../core/naming";
import { regionalEnvironment, witnessName } from "../core/stack-environment";
import { functionsFor, replicaStreamArn } from "../core/tables";
import { drOperationsRoleArn } from "../components/security/dr-operations-role";
import { DnsFailover } from "../components/dns/failover-dns";
import { HostedZone } from "../components/dns/hosted-zone";
import { QUERY_LOG_REGION } from "../core/aws-facts";
import { RegionalAlarms } from "../components/monitoring/regional-monitoring";
import { PaymentService } from "../components/compute/payment-service";
import { ApiCertificates } from "../components/api/api-certificates";
import { peerRole, perRegion, type PerRegion, type StackContext } from "./context";
import type { Foundation } from "./foundation";

export interface PaymentPath {
  zone: HostedZone;
  /** The environment values each region offers its functions (payment path and runbooks alike). */
  environments: PerRegion<Partial<Record<StackEnvironmentName, pulumi.Input<string>>>>;
  resources: PerRegion<RegionalResources>;
  payments: PerRegion<PaymentService>;
  dns: DnsFailover;
  alarms: PerRegion<RegionalAlarms>;
  apiEndpoints: { primary: string; secondary: string; failover: string };
}

/** What the canary publishes and alarms on: one probe period per canary probe. */
export function probePeriodSeconds(probesPerMinute: number): 10 | 30 | 60 {
  const period = 60 / probesPerMinute;
  return period <= 10 ? 10 : period <= 30 ? 30 : 60;
}

export function buildPaymentPath(ctx: StackContext, f: Foundation): PaymentPath {
  const { config, environment: env, specs, accountId, parent } = ctx;

  // The hosted zone (its query logs must live in us-east-1, so only when that is one of ours).
  const queryLogRole = specs.find((s) => s.region === QUERY_LOG_REGION)?.role;
  const zone = new HostedZone(
    resourceName("zone", GLOBAL, env),
    {
      environment: env,
      zoneName: config.hostedZoneName,
      existingZoneId: config.hostedZoneId,
      delegationSetId: config.delegationSetId,
      accountId,
      queryLogging: queryLogRole
        ? {
            kmsKeyArn: f.keys[queryLogRole].arn,
            logRetentionDays: config.logRetentionDays,
            logDestinationArn: f.shipping[queryLogRole].destinationArn,
          }
        : undefined,
    },
    parent,
  );

  // One set of values per region for every function; the DR operations role's ARN is derived
  // from its name, which breaks the cycle with the runbook roles it trusts.
  const environments = perRegion(specs, (spec) =>
    regionalEnvironment({
      config,
      spec,
      accountId,
      tableNames: f.tables.names,
      transactionBucket: f.transactionLogs.buckets[spec.role].bucket,
      processingQueueUrl: f.messaging[spec.role].queueUrl,
      processingDlqUrl: f.messaging[spec.role].dlqUrl,
      transactionLogQueueUrl: f.messaging[spec.role].transactionLogQueueUrl,
      alertTopicArn: f.messaging[spec.role].alertTopicArn,
      zoneNameServers: zone.nameServers,
      drOperationsRoleArn: accountId.apply((id) => drOperationsRoleArn(id, env)),
      evidenceBucket: f.evidence[spec.role].bucket,
    }),
  );
  const resources = perRegion(
    specs,
    (spec): RegionalResources => ({
      region: spec.region,
      accountId,
      environment: env,
      tableNames: f.tables.names,
      kmsKeyArn: f.keys[spec.role].arn,
      transactionBucketArn: f.transactionLogs.buckets[spec.role].arn,
      processingQueueArn: f.messaging[spec.role].queueArn,
      processingDlqArn: f.messaging[spec.role].dlqArn,
      transactionLogQueueArn: f.messaging[spec.role].transactionLogQueueArn,
      alertTopicArn: f.messaging[spec.role].alertTopicArn,
    }),
  );

  // The API's certificates, for both regions at once: their DNS validation lives in the one zone.
  const domainsOf = (spec: RegionSpec) => [
    { label: "shared", domainName: failoverApiDomain(config.hostedZoneName) },
    { label: "pinned", domainName: regionalApiDomain(spec.region, config.hostedZoneName) },
  ];
  const certificates = new ApiCertificates(
    resourceName("api-certificates", GLOBAL, env),
    { zoneId: zone.zoneId, certificates: specs.flatMap((spec) => domainsOf(spec).map((d) => ({ region: spec.region, ...d }))) },
    parent,
  );

  const paymentsTable = f.tables.tables.payments;
  const payments = perRegion(specs, (spec) => {
    const role = spec.role;
    return new PaymentService(
      resourceName("payments", spec.region, env),
      {
        region: spec.region,
        environment: env,
        specs: functionsFor(config.dataConsistency, paymentFunctions),
        resources: resources[role],
        environmentValues: environments[role],
        vpc: { subnetIds: f.networks[role].privateSubnetIds, securityGroupIds: [f.networks[role].functionSecurityGroupId] },
        kmsKeyArn: f.keys[role].arn,
        logRetentionDays: config.logRetentionDays,
        logDestinationArn: f.shipping[role].destinationArn,
        // The table lives in the primary; the secondary reads its own replica's stream, which must exist
        // (strong mode: hashicorp/terraform-provider-aws#48213, infra/core/tables.ts).
        paymentsStreamArn:
          role === "primary"
            ? paymentsTable.streamArn
            : paymentsTable.replicas.apply((r) => replicaStreamArn(f.tables.names.payments, spec.region, r)),
        queueArns: { processing: f.messaging[role].queueArn, "transaction-log": f.messaging[role].transactionLogQueueArn },
        asyncFailuresArn: f.messaging[role].asyncFailuresArn,
        api: {
          domains: domainsOf(spec).map((d) => ({ ...d, certificateArn: certificates.validatedArns[spec.region][d.label] })),
          throttleRateLimit: config.apiThrottleRateLimit,
          throttleBurstLimit: config.apiThrottleBurstLimit,
          waf: config.wafEnabled ? { rateLimitPer5Minutes: config.wafRateLimitPer5Minutes } : undefined,
        },
      },
      parent,
    );
  });

  const catalog = (spec: RegionSpec, healthChecks?: { primaryEndpoint: pulumi.Input<string>; secondaryEndpoint: pulumi.Input<string> }) =>
    regionalAlarmCatalog({
      region: spec.region,
      peerRegion: spec.peer,
      role: spec.role,
      environment: env,
      tableNames: Object.values(f.tables.names),
      dataConsistency: config.dataConsistency,
      functionNames: Object.values(payments[spec.role].functions).map((fn) => fn.functionName),
      apiName: payments[spec.role].api.apiName,
      apiStage: payments[spec.role].api.stageName,
      dlqName: f.messaging[spec.role].dlqName,
      transactionLogDlqName: f.messaging[spec.role].transactionLogDlqName,
      asyncFailuresQueueName: f.messaging[spec.role].asyncFailuresName,
      replication: {
        sourceBucket: f.transactionLogs.buckets[spec.role].bucket,
        destinationBucket: f.transactionLogs.buckets[peerRole(spec.role)].bucket,
        ruleId: spec.role === "primary" ? "primary-to-secondary" : "secondary-to-primary-failback",
      },
      healthChecks,
      dr: {
        probePeriodSeconds: probePeriodSeconds(config.canaryProbesPerMinute),
        failureThreshold: config.healthCheckFailureThreshold,
        rpoSeconds: config.rpoSeconds,
      },
    });

  // The secondary's "primary fenced" alarm comes first: the primary's DNS guard watches it.
  const secondary = specs[1];
  const fenceAlarms = new RegionalAlarms(
    resourceName("dr-fence-alarm", secondary.region, env),
    {
      region: secondary.region,
      environment: env,
      alertTopicArn: f.messaging.secondary.alertTopicArn,
      alarms: catalog(secondary).filter((a) => a.key === "primary-fenced"),
    },
    parent,
  );
  const endpoint = (spec: RegionSpec) => ({
    region: spec.region,
    pinnedDomain: regionalApiDomain(spec.region, config.hostedZoneName),
    sharedTarget: payments[spec.role].domainTargets.shared,
    pinnedTarget: payments[spec.role].domainTargets.pinned,
  });
  const dns = new DnsFailover(
    resourceName("dns-failover", GLOBAL, env),
    {
      environment: env,
      zoneId: zone.zoneId,
      failoverName: failoverApiDomain(config.hostedZoneName),
      witnessName: witnessName(config.hostedZoneName),
      primary: endpoint(specs[0]),
      secondary: endpoint(specs[1]),
      healthCheckIntervalSeconds: config.healthCheckIntervalSeconds,
      healthCheckFailureThreshold: config.healthCheckFailureThreshold,
      ttlSeconds: config.dnsTtlSeconds,
      primaryFenceAlarm: { region: secondary.region, alarmName: fenceAlarms.names["primary-fenced"] },
    },
    { ...parent, dependsOn: [fenceAlarms] },
  );

  const alarms = perRegion(specs, (spec) => {
    const regional = new RegionalAlarms(
      resourceName("alarms", spec.region, env),
      {
        region: spec.region,
        environment: env,
        alertTopicArn: f.messaging[spec.role].alertTopicArn,
        alarms: catalog(spec, {
          primaryEndpoint: dns.healthCheckIds.primaryEndpoint,
          secondaryEndpoint: dns.healthCheckIds.secondaryEndpoint,
        }).filter((a) => a.key !== "primary-fenced"),
      },
      parent,
    );
    if (spec.role === "secondary") {
      Object.assign(regional.arns, fenceAlarms.arns);
      Object.assign(regional.names, fenceAlarms.names);
    }
    return regional;
  });

  const apiEndpoints = {
    primary: `https://${regionalApiDomain(config.primaryRegion, config.hostedZoneName)}`,
    secondary: `https://${regionalApiDomain(config.secondaryRegion, config.hostedZoneName)}`,
    failover: `https://${failoverApiDomain(config.hostedZoneName)}`,
  };
  return { zone, environments, resources, payments, dns, alarms, apiEndpoints };
}
