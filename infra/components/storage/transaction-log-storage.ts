import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GLOBAL, resourceName } from "../../core/naming";
import { policyDocument, serviceTrustPolicy } from "../../core/policy-documents";
import { SecureBucket } from "./secure-bucket";

export interface RegionalBucketRef {
  region: string;
  bucketName: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  accessLogBucket: pulumi.Input<string>;
  /**
   * Topic that receives replication failure / missed-threshold events, as an output of its topic
   * policy (RegionalMessaging.alertTopicNotificationArn): S3 tests the destination when the
   * notification is configured, so the configuration must wait for the policy that lets S3 publish.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
   */
  alertTopicArn: pulumi.Input<string>;
}

export interface TransactionLogStorageArgs {
  environment: string;
  accountId: pulumi.Input<string>;
  primary: RegionalBucketRef;
  secondary: RegionalBucketRef;
}

/** S3 Replication Time Control: 15 minutes is the only value S3 accepts, for RTC and its metrics. */
export const RTC_MINUTES = 15;

/**
 * The transaction-log buckets of both regions and replication between them: primary ->
 * secondary with Replication Time Control and metrics, and the reverse rule already in place so
 * that whatever the secondary writes while it serves flows back for failback.
 *
 * Delete markers are deliberately NOT replicated: the log is append-only, so a delete is an
 * anomaly (mistake or attack) that must not erase the other region's copy.
 */
export class TransactionLogStorage extends pulumi.ComponentResource {
  readonly buckets: Record<"primary" | "secondary", SecureBucket>;
  readonly replicationRoleArn: pulumi.Output<string>;

  constructor(name: string, args: TransactionLogStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:storage:TransactionLogStorage", name, {}, opts);
    const parent = { parent: this };
    const make = (role: "primary" | "secondary", ref: RegionalBucketRef) =>
      new SecureBucket(
        `${name}-${role}`,
        {
          region: ref.region,
          bucketName: ref.bucketName,
          kmsKeyArn: ref.kmsKeyArn,
          accessLogBucket: ref.accessLogBucket,
          noncurrentVersionExpirationDays: 90,
          infrequentAccessAfterDays: 30,
        },
        parent,
      );
    this.buckets = { primary: make("primary", args.primary), secondary: make("secondary", args.secondary) };
    const { primary, secondary } = this.buckets;

    const role = new aws.iam.Role(
      `${name}-replication-role`,
      {
        name: resourceName("txlog-replication", GLOBAL, args.environment),
        assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("s3.amazonaws.com", args.accountId, [primary.arn, secondary.arn])),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-replication-policy`,
      {
        role: role.name,
        policy: pulumi.jsonStringify(
          policyDocument([
            {
              Sid: "ReadSourceConfiguration",
              Effect: "Allow",
              Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
              Resource: [primary.arn, secondary.arn],
            },
            {
              Sid: "ReadSourceVersions",
              Effect: "Allow",
              Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
              Resource: [pulumi.interpolate`${primary.arn}/*`, pulumi.interpolate`${secondary.arn}/*`],
            },
            {
              Sid: "WriteReplicas",
              Effect: "Allow",
              Action: ["s3:ReplicateObject", "s3:ReplicateTags"],
              Resource: [pulumi.interpolate`${primary.arn}/*`, pulumi.interpolate`${secondary.arn}/*`],
            },
            {
              Sid: "DecryptSource",
              Effect: "Allow",
              Action: "kms:Decrypt",
              Resource: [args.primary.kmsKeyArn, args.secondary.kmsKeyArn],
            },
            {
              Sid: "EncryptDestination",
              Effect: "Allow",
              Action: ["kms:Encrypt", "kms:GenerateDataKey"],
              Resource: [args.primary.kmsKeyArn, args.secondary.kmsKeyArn],
            },
          ]),
        ),
      },
      parent,
    );

    const replicate = (from: "primary" | "secondary", to: "primary" | "secondary", ruleId: string) =>
      new aws.s3.BucketReplicationConfig(
        `${name}-${from}-to-${to}`,
        {
          region: args[from].region,
          bucket: this.buckets[from].bucket,
          role: role.arn,
          rules: [
            {
              id: ruleId,
              status: "Enabled",
              priority: 1,
              filter: { prefix: "" },
              deleteMarkerReplication: { status: "Disabled" },
              sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
              destination: {
                bucket: this.buckets[to].arn,
                storageClass: "STANDARD",
                encryptionConfiguration: { replicaKmsKeyId: args[to].kmsKeyArn },
                replicationTime: { status: "Enabled", time: { minutes: RTC_MINUTES } },
                metrics: { status: "Enabled", eventThreshold: { minutes: RTC_MINUTES } },
              },
            },
          ],
        },
        { parent: this, dependsOn: [this.buckets.primary.versioning, this.buckets.secondary.versioning] },
      );
    replicate("primary", "secondary", "primary-to-secondary");
    replicate("secondary", "primary", "secondary-to-primary-failback");

    // S3.11 / replication events: failures and missed RTC thresholds reach the alert topic.
    for (const role of ["primary", "secondary"] as const) {
      new aws.s3.BucketNotification(
        `${name}-${role}-replication-events`,
        {
          region: args[role].region,
          bucket: this.buckets[role].bucket,
          topics: [
            {
              topicArn: args[role].alertTopicArn,
              events: ["s3:Replication:OperationFailedReplication", "s3:Replication:OperationMissedThreshold"],
            },
          ],
        },
        parent,
      );
    }

    this.replicationRoleArn = role.arn;
    this.registerOutputs({ replicationRoleArn: this.replicationRoleArn });
  }
}
