/**
 * Phase 1: what everything else stands on — per-region keys, buckets, log shipping, networks and
 * messaging, the global tables with their backups, and the replicated transaction logs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RegionRole } from "../core/config";
import { bucketName, GLOBAL, resourceName } from "../core/naming";
import { TableBackups } from "../components/data/table-backups";
import { GlobalTables } from "../components/data/global-tables";
import { RegionalKey } from "../components/security/regional-key";
import { LogArchive } from "../components/logging/log-archive";
import { LogShipping } from "../components/logging/log-shipping";
import { ALERT_TOPIC_SERVICE, ASYNC_FAILURES_SERVICE, RegionalMessaging } from "../components/messaging/regional-messaging";
import { RegionalNetwork } from "../components/network/regional-network";
import { AccountPublicAccessBlock } from "../components/storage/account-public-access-block";
import { SecureBucket } from "../components/storage/secure-bucket";
import { TransactionLogStorage } from "../components/storage/transaction-log-storage";
import { PAYMENT_FUNCTIONS } from "../../lib/handlers/payment-functions";
import { peerRole, perRegion, type PerRegion, type StackContext } from "./context";

/** Distinct /16 per region so the VPCs could be peered. */
const VPC_CIDRS: Record<RegionRole, string> = { primary: "10.20.0.0/16", secondary: "10.21.0.0/16" };
/** The queue consumers' timeouts; their queues' visibility timeouts are derived from them. */
export const PROCESSOR_TIMEOUT_SECONDS = PAYMENT_FUNCTIONS["process-payment"].timeoutSeconds;
const LOG_WRITER_TIMEOUT_SECONDS = PAYMENT_FUNCTIONS["record-transactions"].timeoutSeconds;

export interface Foundation {
  keys: PerRegion<RegionalKey>;
  accessLogs: PerRegion<SecureBucket>;
  shipping: PerRegion<LogShipping>;
  tables: GlobalTables;
  messaging: PerRegion<RegionalMessaging>;
  transactionLogs: TransactionLogStorage;
  networks: PerRegion<RegionalNetwork>;
  /** Drill and failover evidence, one bucket per region. */
  evidence: PerRegion<SecureBucket>;
}

export function buildFoundation(ctx: StackContext): Foundation {
  const { config, environment: env, specs, accountId, parent } = ctx;

  if (config.accountPublicAccessBlock) {
    new AccountPublicAccessBlock(resourceName("s3-account-public-access", GLOBAL, env), {}, parent);
  }

  const keys = perRegion(
    specs,
    (spec) =>
      new RegionalKey(
        resourceName("payments-key", spec.region, env),
        {
          region: spec.region,
          keyName: resourceName("payments-dr", spec.region, env),
          accountId,
          // Named, not referenced: the topic and queue are encrypted with this key.
          serviceTopicArns: [
            pulumi.interpolate`arn:aws:sns:${spec.region}:${accountId}:${resourceName(ALERT_TOPIC_SERVICE, spec.region, env)}`,
          ],
          serviceQueueArns: [
            pulumi.interpolate`arn:aws:sqs:${spec.region}:${accountId}:${resourceName(ASYNC_FAILURES_SERVICE, spec.region, env)}`,
          ],
        },
        parent,
      ),
  );
  const accessLogs = perRegion(specs, (spec) => {
    const name = accountId.apply((id) => bucketName("s3-access-logs", spec.region, env, id));
    return new SecureBucket(
      resourceName("s3-access-logs", spec.region, env),
      {
        region: spec.region,
        bucketName: name,
        noncurrentVersionExpirationDays: 30,
        policyStatements: [
          {
            Sid: "S3ServerAccessLogDelivery",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`arn:aws:s3:::${name}/*`,
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
          },
        ],
      },
      parent,
    );
  });

  // Cross-region log shipping: each region's archive receives the *other* region's logs.
  const archives = perRegion(
    specs,
    (spec) =>
      new LogArchive(
        resourceName("log-archive", spec.region, env),
        {
          region: spec.region,
          sourceRegion: spec.peer,
          environment: env,
          accountId,
          kmsKeyArn: keys[spec.role].arn,
          accessLogBucket: accessLogs[spec.role].bucket,
        },
        parent,
      ),
  );
  const shipping = perRegion(
    specs,
    (spec) =>
      new LogShipping(
        resourceName("log-shipping", spec.region, env),
        { region: spec.region, environment: env, accountId, peerFirehoseArn: archives[peerRole(spec.role)].firehoseArn },
        parent,
      ),
  );

  const tables = new GlobalTables(
    resourceName("tables", GLOBAL, env),
    {
      environment: env,
      primaryRegion: config.primaryRegion,
      secondaryRegion: config.secondaryRegion,
      primaryKmsKeyArn: keys.primary.arn,
      secondaryKmsKeyArn: keys.secondary.arn,
      consistency: config.dataConsistency,
      witnessRegion: config.witnessRegion,
    },
    parent,
  );
  new TableBackups(
    resourceName("table-backups", GLOBAL, env),
    {
      environment: env,
      accountId,
      primaryRegion: config.primaryRegion,
      secondaryRegion: config.secondaryRegion,
      primaryKmsKeyArn: keys.primary.arn,
      secondaryKmsKeyArn: keys.secondary.arn,
      tableArns: Object.values(tables.tables).map((t) => t.arn),
    },
    parent,
  );

  const txBucketNames = perRegion(specs, (spec) => accountId.apply((id) => bucketName("txlog", spec.region, env, id)));
  const messaging = perRegion(
    specs,
    (spec) =>
      new RegionalMessaging(
        resourceName("messaging", spec.region, env),
        {
          region: spec.region,
          environment: env,
          accountId,
          kmsKeyArn: keys[spec.role].arn,
          alertEmails: config.alertEmails,
          notifyingBucketArns: [pulumi.interpolate`arn:aws:s3:::${txBucketNames[spec.role]}`],
          processorTimeoutSeconds: PROCESSOR_TIMEOUT_SECONDS,
          logWriterTimeoutSeconds: LOG_WRITER_TIMEOUT_SECONDS,
          eventRuleArns: [
            pulumi.interpolate`arn:aws:events:${spec.region}:${accountId}:rule/${resourceName("dr-alarms", spec.region, env)}`,
          ],
        },
        parent,
      ),
  );
  const bucketRef = (role: RegionRole) => ({
    region: specs.filter((s) => s.role === role)[0].region,
    bucketName: txBucketNames[role],
    kmsKeyArn: keys[role].arn,
    accessLogBucket: accessLogs[role].bucket,
    alertTopicArn: messaging[role].alertTopicNotificationArn,
  });
  const transactionLogs = new TransactionLogStorage(
    resourceName("txlog", GLOBAL, env),
    { environment: env, accountId, primary: bucketRef("primary"), secondary: bucketRef("secondary") },
    parent,
  );

  const networks = perRegion(
    specs,
    (spec) =>
      new RegionalNetwork(
        resourceName("network", spec.region, env),
        {
          region: spec.region,
          environment: env,
          accountId,
          vpcCidr: VPC_CIDRS[spec.role],
          kmsKeyArn: keys[spec.role].arn,
          logRetentionDays: config.logRetentionDays,
          logDestinationArn: shipping[spec.role].destinationArn,
        },
        parent,
      ),
  );

  const evidence = perRegion(
    specs,
    (spec) =>
      new SecureBucket(
        resourceName("dr-evidence", spec.region, env),
        {
          region: spec.region,
          bucketName: accountId.apply((id) => bucketName("dr-evidence", spec.region, env, id)),
          kmsKeyArn: keys[spec.role].arn,
          accessLogBucket: accessLogs[spec.role].bucket,
          noncurrentVersionExpirationDays: 400,
          // Drill and failover reports are audit evidence: a year in GOVERNANCE mode (PCI DSS 10.5.1).
          objectLockGovernanceDays: 365,
        },
        parent,
      ),
  );

  return { keys, accessLogs, shipping, tables, messaging, transactionLogs, networks, evidence };
}
