import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountInStackPartition } from "../core/aws-facts";
import { type DrConfig, type RegionRole, type RegionSpec, regionSpecs } from "../core/config";
import type { RegionalResources } from "../core/lambda-permissions";
import { tagTransformation } from "../core/tags";
import { perRegion, type StackContext } from "./context";
import { buildDisasterRecovery } from "./disaster-recovery";
import { buildFoundation } from "./foundation";
import { buildParameters } from "./parameters";
import { buildPaymentPath } from "./payment-path";
import type { DrOperationsRole } from "../components/security/dr-operations-role";
import type { DnsFailover } from "../components/dns/failover-dns";
import type { HostedZone } from "../components/dns/hosted-zone";
import type { GlobalTables } from "../components/data/global-tables";
import type { RegionalKey } from "../components/security/regional-key";
import type { RegionalMessaging } from "../components/messaging/regional-messaging";
import type { RegionalAlarms } from "../components/monitoring/regional-monitoring";
import type { RegionalNetwork } from "../components/network/regional-network";
import type { DrOrchestration } from "../components/orchestration/dr-orchestration";
import type { PaymentService } from "../components/compute/payment-service";
import type { SecureBucket } from "../components/storage/secure-bucket";
import type { TransactionLogStorage } from "../components/storage/transaction-log-storage";

/** Everything of one region, for the stack outputs. */
export interface RegionalBase {
  spec: RegionSpec;
  key: RegionalKey;
  messaging: RegionalMessaging;
  network: RegionalNetwork;
  transactionBucketName: pulumi.Output<string>;
  resources: RegionalResources;
  payments: PaymentService;
  alarms: RegionalAlarms;
  orchestration: DrOrchestration;
  evidenceBucket: SecureBucket;
  dashboardUrl: string;
}

/**
 * The whole program as one component: the root every other resource descends from, so the tag
 * transformation installed here reaches all of them. It runs the phases in order — foundation,
 * payment path, disaster recovery, parameters (infra/stack/) — each of which composes components.
 */
export class PaymentsDr extends pulumi.ComponentResource {
  readonly regions: Record<RegionRole, RegionalBase>;
  readonly tables: GlobalTables;
  readonly transactionLogs: TransactionLogStorage;
  readonly parameterNames: Record<RegionRole, string[]>;
  readonly zone: HostedZone;
  readonly dns: DnsFailover;
  readonly apiEndpoints: { primary: string; secondary: string; failover: string };
  readonly drOperationsRole: DrOperationsRole;

  constructor(config: DrConfig, opts?: pulumi.ComponentResourceOptions) {
    super(
      "payments-dr:stack:PaymentsDr",
      `payments-dr-${config.environment}`,
      {},
      {
        ...opts,
        transformations: [tagTransformation(config), ...(opts?.transformations ?? [])],
      },
    );
    // The account every ARN names, and only once the credentials are known to be in the partition
    // the ARNs are written for: every resource that names the account waits for this check.
    const caller = aws.getCallerIdentityOutput({}, { parent: this });
    const ctx: StackContext = {
      config,
      environment: config.environment,
      specs: regionSpecs(config),
      accountId: pulumi.all([caller.arn, caller.accountId]).apply(([arn, id]) => accountInStackPartition(arn, id)),
      parent: { parent: this },
    };

    const foundation = buildFoundation(ctx);
    const paymentPath = buildPaymentPath(ctx, foundation);
    const dr = buildDisasterRecovery(ctx, foundation, paymentPath);
    this.parameterNames = buildParameters(ctx, foundation, paymentPath, dr);

    this.tables = foundation.tables;
    this.transactionLogs = foundation.transactionLogs;
    this.zone = paymentPath.zone;
    this.dns = paymentPath.dns;
    this.apiEndpoints = paymentPath.apiEndpoints;
    this.drOperationsRole = dr.drOperationsRole;
    this.regions = perRegion(ctx.specs, (spec) => ({
      spec,
      key: foundation.keys[spec.role],
      messaging: foundation.messaging[spec.role],
      network: foundation.networks[spec.role],
      transactionBucketName: foundation.transactionLogs.buckets[spec.role].bucket,
      resources: paymentPath.resources[spec.role],
      payments: paymentPath.payments[spec.role],
      alarms: paymentPath.alarms[spec.role],
      orchestration: dr.orchestration[spec.role],
      evidenceBucket: foundation.evidence[spec.role],
      dashboardUrl: dr.dashboardUrls[spec.role],
    }));
    this.registerOutputs({});
  }
}
