import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DrConfig, RegionRole, RegionSpec, regionSpecs } from "../config";
import { bucketName, parameterPrefix, resourceName } from "../naming";
import { tagTransformation } from "../tags";
import { TableBackups } from "./backup";
import { GlobalTables } from "./data";
import { RegionalKey } from "./kms";
import { LogArchive, LogShipping } from "./logging";
import { RegionalMessaging } from "./messaging";
import { RegionalNetwork } from "./network";
import { RegionalParameters } from "./parameters";
import { SecureBucket } from "./secure-bucket";
import { TransactionLogStorage } from "./transaction-log";

/** Distinct /16 per region so the VPCs could be peered. */
const VPC_CIDRS: Record<RegionRole, string> = { primary: "10.20.0.0/16", secondary: "10.21.0.0/16" };
/** The processing function's timeout; the queue's visibility timeout is derived from it. */
export const PROCESSOR_TIMEOUT_SECONDS = 30;

export interface RegionalBase {
  spec: RegionSpec;
  key: RegionalKey;
  accessLogs: SecureBucket;
  logShipping: LogShipping;
  messaging: RegionalMessaging;
  network: RegionalNetwork;
  transactionBucketName: pulumi.Output<string>;
}

/**
 * The whole program as one component: the root every other resource descends from, so the tag
 * transformation installed here reaches all of them. It wires the components together; each
 * component owns its resources.
 */
export class PaymentsDr extends pulumi.ComponentResource {
  readonly regions: Record<RegionRole, RegionalBase>;
  readonly tables: GlobalTables;
  readonly transactionLogs: TransactionLogStorage;
  readonly parameterNames: Record<RegionRole, string[]>;

  constructor(config: DrConfig, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:stack:PaymentsDr", `payments-dr-${config.environment}`, {}, {
      ...opts,
      transformations: [tagTransformation(config), ...(opts?.transformations ?? [])],
    });
    const env = config.environment;
    const parent = { parent: this };
    const specs = regionSpecs(config);
    const accountId = aws.getCallerIdentityOutput({}, parent).accountId;

    // Per region: key and the bucket S3 server access logs go to.
    const keys = {} as Record<RegionRole, RegionalKey>;
    const accessLogs = {} as Record<RegionRole, SecureBucket>;
    for (const spec of specs) {
      keys[spec.role] = new RegionalKey(resourceName("payments-key", spec.region, env), { region: spec.region, keyName: resourceName("payments-dr", spec.region, env), accountId }, parent);
      accessLogs[spec.role] = new SecureBucket(
        resourceName("s3-access-logs", spec.region, env),
        {
          region: spec.region,
          bucketName: accountId.apply((id) => bucketName("s3-access-logs", spec.region, env, id)),
          noncurrentVersionExpirationDays: 30,
          policyStatements: [
            {
              Sid: "S3ServerAccessLogDelivery",
              Effect: "Allow",
              Principal: { Service: "logging.s3.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: pulumi.interpolate`arn:aws:s3:::${accountId.apply((id) => bucketName("s3-access-logs", spec.region, env, id))}/*`,
              Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
          ],
        },
        parent,
      );
    }

    // Cross-region log shipping: each region's archive receives the *other* region's logs.
    const archives = {} as Record<RegionRole, LogArchive>;
    for (const spec of specs) {
      const source = specs.find((s) => s.region === spec.peer)!;
      archives[spec.role] = new LogArchive(
        resourceName("log-archive", spec.region, env),
        { region: spec.region, sourceRegion: source.region, environment: env, accountId, kmsKeyArn: keys[spec.role].arn, accessLogBucket: accessLogs[spec.role].bucket },
        parent,
      );
    }
    const shipping = {} as Record<RegionRole, LogShipping>;
    for (const spec of specs) {
      const peerRole: RegionRole = spec.role === "primary" ? "secondary" : "primary";
      shipping[spec.role] = new LogShipping(
        resourceName("log-shipping", spec.region, env),
        { region: spec.region, environment: env, accountId, peerFirehoseArn: archives[peerRole].firehoseArn },
        parent,
      );
    }

    // Global tables and their backups.
    this.tables = new GlobalTables(
      resourceName("tables", "global", env),
      { environment: env, primaryRegion: config.primaryRegion, secondaryRegion: config.secondaryRegion, primaryKmsKeyArn: keys.primary.arn, secondaryKmsKeyArn: keys.secondary.arn },
      parent,
    );
    new TableBackups(
      resourceName("table-backups", "global", env),
      {
        environment: env,
        accountId,
        primaryRegion: config.primaryRegion,
        secondaryRegion: config.secondaryRegion,
        primaryKmsKeyArn: keys.primary.arn,
        secondaryKmsKeyArn: keys.secondary.arn,
        tableArns: Object.values(this.tables.tables).map((t) => t.arn),
      },
      parent,
    );

    // Messaging, transaction-log storage, network.
    const txBucketNames = {} as Record<RegionRole, pulumi.Output<string>>;
    const messaging = {} as Record<RegionRole, RegionalMessaging>;
    for (const spec of specs) {
      txBucketNames[spec.role] = accountId.apply((id) => bucketName("txlog", spec.region, env, id));
      messaging[spec.role] = new RegionalMessaging(
        resourceName("messaging", spec.region, env),
        {
          region: spec.region,
          environment: env,
          accountId,
          kmsKeyArn: keys[spec.role].arn,
          alertEmails: config.alertEmails,
          notifyingBucketArns: [pulumi.interpolate`arn:aws:s3:::${txBucketNames[spec.role]}`],
          processorTimeoutSeconds: PROCESSOR_TIMEOUT_SECONDS,
        },
        parent,
      );
    }
    const bucketRef = (spec: RegionSpec) => ({
      region: spec.region,
      bucketName: txBucketNames[spec.role],
      kmsKeyArn: keys[spec.role].arn,
      accessLogBucket: accessLogs[spec.role].bucket,
      alertTopicArn: messaging[spec.role].alertTopicArn,
    });
    this.transactionLogs = new TransactionLogStorage(
      resourceName("txlog", "global", env),
      { environment: env, accountId, primary: bucketRef(specs[0]), secondary: bucketRef(specs[1]) },
      parent,
    );

    this.regions = {} as Record<RegionRole, RegionalBase>;
    for (const spec of specs) {
      const network = new RegionalNetwork(
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
      );
      this.regions[spec.role] = {
        spec,
        key: keys[spec.role],
        accessLogs: accessLogs[spec.role],
        logShipping: shipping[spec.role],
        messaging: messaging[spec.role],
        network,
        transactionBucketName: this.transactionLogs.buckets[spec.role].bucket,
      };
    }

    // Each region's parameters: identical names, that region's values.
    this.parameterNames = {} as Record<RegionRole, string[]>;
    for (const spec of specs) {
      const base = this.regions[spec.role];
      const params = new RegionalParameters(
        resourceName("parameters", spec.region, env),
        {
          region: spec.region,
          prefix: parameterPrefix(env),
          values: {
            region: spec.region,
            "peer-region": spec.peer,
            role: spec.role,
            "tables/payments": this.tables.names.payments,
            "tables/idempotency": this.tables.names.idempotency,
            "tables/control": this.tables.names.control,
            "buckets/transaction-log": base.transactionBucketName,
            "topics/alerts": base.messaging.alertTopicArn,
            "queues/processing": base.messaging.queueUrl,
            "queues/processing-dlq": base.messaging.dlqUrl,
            objectives: JSON.stringify({ rpoSeconds: config.rpoSeconds, rtoSeconds: config.rtoSeconds }),
          },
        },
        parent,
      );
      this.parameterNames[spec.role] = params.names;
    }

    this.registerOutputs({});
  }
}
