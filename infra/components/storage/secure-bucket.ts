import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type Statement, tlsOnlyStatement } from "../../core/policy-documents";

export interface SecureBucketArgs {
  region: string;
  bucketName: pulumi.Input<string>;
  /**
   * SSE-KMS with this key (and an S3 Bucket Key). Omitted: SSE-S3 — only for buckets that S3
   * server access logging writes to, because log delivery does not support SSE-KMS targets.
   */
  kmsKeyArn?: pulumi.Input<string>;
  /** Server access logs go to this bucket. Omitted only for the access-log bucket itself. */
  accessLogBucket?: pulumi.Input<string>;
  /** Noncurrent object versions are deleted after this many days. */
  noncurrentVersionExpirationDays: number;
  /** Current objects move to STANDARD_IA after this many days. Default behaviour: never. */
  infrequentAccessAfterDays?: number;
  /** Object Lock default retention in GOVERNANCE mode (evidence). Default behaviour: no lock. */
  objectLockGovernanceDays?: number;
  /** Extra bucket-policy statements (service principals that write here). */
  policyStatements?: pulumi.Input<Statement>[];
}

/**
 * A bucket with every baseline control: versioning, encryption, ACLs disabled, public access
 * blocked, TLS-only policy, lifecycle, access logging (and Object Lock when asked).
 */
export class SecureBucket extends pulumi.ComponentResource {
  readonly bucket: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  /** Resolves once versioning is on — replication configurations must wait for it. */
  readonly versioning: aws.s3.BucketVersioning;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:storage:SecureBucket", name, {}, opts);
    const { region } = args;
    const parent = { parent: this };

    const bucket = new aws.s3.Bucket(
      name,
      { region, bucket: args.bucketName, objectLockEnabled: args.objectLockGovernanceDays !== undefined, forceDestroy: false },
      parent,
    );
    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { region, bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { region, bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );
    this.versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { region, bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        region,
        bucket: bucket.id,
        rules: [
          args.kmsKeyArn
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        region,
        bucket: bucket.id,
        policy: pulumi.jsonStringify(policyDocument([tlsOnlyStatement(bucket.arn), ...((args.policyStatements ?? []) as Statement[])])),
      },
      { parent: this, dependsOn: [publicAccess, ownership] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        region,
        bucket: bucket.id,
        rules: [
          {
            id: "retention",
            status: "Enabled",
            filter: { prefix: "" },
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            ...(args.infrequentAccessAfterDays
              ? { transitions: [{ days: args.infrequentAccessAfterDays, storageClass: "STANDARD_IA" }] }
              : {}),
          },
        ],
      },
      { parent: this, dependsOn: [this.versioning] },
    );
    if (args.accessLogBucket !== undefined) {
      new aws.s3.BucketLogging(
        `${name}-access-logs`,
        { region, bucket: bucket.id, targetBucket: args.accessLogBucket, targetPrefix: pulumi.interpolate`${bucket.id}/` },
        parent,
      );
    }
    if (args.objectLockGovernanceDays !== undefined) {
      new aws.s3.BucketObjectLockConfiguration(
        `${name}-object-lock`,
        {
          region,
          bucket: bucket.id,
          objectLockEnabled: "Enabled",
          rule: { defaultRetention: { mode: "GOVERNANCE", days: args.objectLockGovernanceDays } },
        },
        { parent: this, dependsOn: [this.versioning] },
      );
    }

    this.bucket = bucket.bucket;
    this.arn = bucket.arn;
    this.registerOutputs({ bucket: this.bucket, arn: this.arn });
  }
}
