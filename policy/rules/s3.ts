/** S3 buckets: public access, transport, versioning, encryption, lifecycle, logging (S1–S6, S10–S12). */
import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";
import type * as pulumi from "@pulumi/pulumi";
import type { Resource } from "@pulumi/pulumi";
import { isKmsKeyArn, regionOfArn } from "../lib/arn";
import { actionsOf, conditionValues, openStatements, principalsOf, resourcesOf, statementsOf } from "../lib/documents";
import { forType, resourceRule, stackRule } from "../lib/rule";
import type { ResourceClass, StackIndex, Typed } from "../lib/stack";
import { isAccessLogBucket } from "../exceptions";

type Bucket = Typed<aws.s3.Bucket>;

/** Each bucket with the sub-resources of one type that configure it (matched by bucket name). */
function perBucket<T extends Resource & { bucket: pulumi.Output<string> }>(
  stack: StackIndex,
  cls: ResourceClass<T>,
): { bucket: Bucket; configs: Typed<T>["props"][] }[] {
  const configs = stack.all(cls).map((c) => c.props);
  return stack.all(aws.s3.Bucket).map((bucket) => ({ bucket, configs: configs.filter((c) => c.bucket === bucket.props.bucket) }));
}

/** Buckets that receive another bucket's server access logs. */
function loggingTargets(stack: StackIndex): Set<string> {
  return new Set(stack.all(aws.s3.BucketLogging).map(({ props }) => props.targetBucket));
}

const accessLogBucket = (stack: StackIndex, b: Bucket) =>
  isAccessLogBucket(b.props.bucket, b.props.region, loggingTargets(stack).has(b.props.bucket));

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3BucketPublicAccessBlock = stackRule(
  {
    id: "S1",
    name: "s3-bucket-public-access-block",
    title: "Every bucket has exactly one public access block with all four settings on.",
    sources: "Security Hub S3.8; Checkov CKV_AWS_53-56 and CKV2_AWS_6; Trivy AVD-AWS-0086/0087/0091/0093/0094",
  },
  (stack, report) => {
    for (const { bucket, configs } of perBucket(stack, aws.s3.BucketPublicAccessBlock)) {
      if (configs.length !== 1)
        report(`bucket ${bucket.props.bucket} has ${configs.length} public access blocks, not 1`, bucket.resource.urn);
      for (const c of configs)
        for (const f of FLAGS) if (c[f] !== true) report(`bucket ${bucket.props.bucket}: ${f} is not true`, bucket.resource.urn);
    }
  },
);

export const s3AccountPublicAccessBlock = stackRule(
  {
    id: "S2",
    name: "s3-account-public-access-block",
    title:
      "The account-level S3 public access block is managed by the stack with all four settings on (config accountPublicAccessBlock; disable this policy where the account setting is managed elsewhere).",
    sources: "Security Hub S3.1; CIS AWS Foundations 2.1.4; PCI DSS v4.0.1 1.4.4",
  },
  (stack, report) => {
    const blocks = stack.all(aws.s3.AccountPublicAccessBlock);
    if (blocks.length === 0) report("the stack does not manage the account-level S3 public access block");
    for (const { resource, props } of blocks)
      for (const f of FLAGS) if (props[f] !== true) report(`account public access block: ${f} is not true`, resource.urn);
  },
);

/** S3.5: `Deny * s3:* on the bucket and its objects unless aws:SecureTransport`. */
function hasTlsOnlyStatement(policy: unknown, bucketArn: string): boolean {
  return statementsOf(policy).some((s) => {
    const resources = resourcesOf(s);
    return (
      s.Effect === "Deny" &&
      principalsOf(s).anyone &&
      actionsOf(s).some((a) => a === "s3:*" || a === "*") &&
      resources.includes(bucketArn) &&
      resources.includes(`${bucketArn}/*`) &&
      conditionValues(s, "aws:SecureTransport", ["Bool"]).includes("false")
    );
  });
}

export const s3TlsOnly = stackRule(
  {
    id: "S3",
    name: "s3-tls-only-policy",
    title: "Every bucket's policy denies any request without TLS, for the bucket and its objects.",
    sources: "Security Hub S3.5; Checkov CKV_AWS_379; AWS Config s3-bucket-ssl-requests-only; PCI DSS v4.0.1 4.2.1",
  },
  (stack, report) => {
    for (const { bucket, configs } of perBucket(stack, aws.s3.BucketPolicy)) {
      if (!configs.some((c) => hasTlsOnlyStatement(c.policy, bucket.props.arn)))
        report(`bucket ${bucket.props.bucket} does not deny requests without TLS`, bucket.resource.urn);
    }
  },
);

export const s3NoPublicPolicy = resourceRule(
  {
    id: "S4",
    name: "s3-no-public-bucket-policy",
    title: "No bucket policy allows a public principal (`*`), uses NotPrincipal, or allows a whole service (`s3:*`).",
    sources: "Security Hub S3.2/S3.3/S3.6; Checkov CKV_AWS_70; cfn-nag F16/F15/F9",
  },
  forType(aws.s3.BucketPolicy, (p, report) =>
    openStatements(p.policy, "the bucket policy").forEach((m) => {
      report(m);
    }),
  ),
);

export const s3Versioning = stackRule(
  {
    id: "S5",
    name: "s3-versioning",
    title: "Versioning is Enabled on every bucket (replication sources and destinations need it).",
    sources: "Security Hub S3.14; Checkov CKV_AWS_21; Trivy AVD-AWS-0090",
  },
  (stack, report) => {
    for (const { bucket, configs } of perBucket(stack, aws.s3.BucketVersioning)) {
      if (!configs.some((c) => c.versioningConfiguration?.status === "Enabled"))
        report(`bucket ${bucket.props.bucket} has no Enabled versioning`, bucket.resource.urn);
    }
  },
);

export const s3SseKms = stackRule(
  {
    id: "S6",
    name: "s3-sse-kms",
    title:
      "Every bucket encrypts with SSE-KMS under a customer-managed key of its region (full key ARN) with an S3 Bucket Key; access-log buckets use SSE-S3 (declared exception).",
    sources: "Security Hub S3.17; Checkov CKV_AWS_145; Trivy AVD-AWS-0132; S3 PutBucketEncryption API (full key ARN)",
  },
  (stack, report) => {
    for (const { bucket, configs } of perBucket(stack, aws.s3.BucketServerSideEncryptionConfiguration)) {
      const rules = configs.flatMap((c) => c.rules ?? []);
      const name = bucket.props.bucket;
      if (rules.length === 0) {
        report(`bucket ${name} has no default encryption configuration`, bucket.resource.urn);
        continue;
      }
      for (const rule of rules) {
        const sse = rule.applyServerSideEncryptionByDefault;
        if (accessLogBucket(stack, bucket)) {
          if (sse?.sseAlgorithm !== "AES256") report(`access-log bucket ${name} must use SSE-S3 (AES256)`, bucket.resource.urn);
        } else if (sse?.sseAlgorithm !== "aws:kms" || !isKmsKeyArn(sse.kmsMasterKeyId)) {
          report(`bucket ${name} is not encrypted with SSE-KMS under a full customer-managed key ARN`, bucket.resource.urn);
        } else if (regionOfArn(sse.kmsMasterKeyId) !== bucket.props.region) {
          report(
            `bucket ${name} in ${bucket.props.region} is encrypted with a key of ${regionOfArn(sse.kmsMasterKeyId)}`,
            bucket.resource.urn,
          );
        } else if (rule.bucketKeyEnabled !== true) {
          report(`bucket ${name} does not use an S3 Bucket Key`, bucket.resource.urn);
        }
      }
    }
  },
);

export const s3Lifecycle = stackRule(
  {
    id: "S10",
    name: "s3-lifecycle",
    title: "Every bucket has an Enabled lifecycle rule that expires noncurrent versions and aborts incomplete multipart uploads.",
    sources: "Security Hub S3.10/S3.13; Checkov CKV2_AWS_61 and CKV_AWS_300",
  },
  (stack, report) => {
    for (const { bucket, configs } of perBucket(stack, aws.s3.BucketLifecycleConfiguration)) {
      const ok = configs
        .flatMap((c) => c.rules ?? [])
        .some(
          (r) =>
            r.status === "Enabled" &&
            (r.noncurrentVersionExpiration?.noncurrentDays ?? 0) > 0 &&
            (r.abortIncompleteMultipartUpload?.daysAfterInitiation ?? 0) > 0,
        );
      if (!ok)
        report(
          `bucket ${bucket.props.bucket} has no Enabled rule expiring noncurrent versions and aborting multipart uploads`,
          bucket.resource.urn,
        );
    }
  },
);

export const s3AccessLogging = stackRule(
  {
    id: "S11",
    name: "s3-access-logging",
    title: "Every bucket except the access-log buckets (declared exception) logs server access to another bucket of its region.",
    sources: "Security Hub S3.9; Checkov CKV_AWS_18; cfn-nag W35; PCI DSS v4.0.1 10.2.1",
  },
  (stack, report) => {
    const regionOfBucket = new Map(stack.all(aws.s3.Bucket).map(({ props }) => [props.bucket, props.region]));
    for (const { bucket, configs } of perBucket(stack, aws.s3.BucketLogging)) {
      const name = bucket.props.bucket;
      if (accessLogBucket(stack, bucket)) continue;
      const targets = configs.map((c) => c.targetBucket);
      if (targets.length === 0) report(`bucket ${name} has no server access logging`, bucket.resource.urn);
      for (const target of targets) {
        if (target === name) report(`bucket ${name} logs into itself`, bucket.resource.urn);
        else if (regionOfBucket.get(target) !== bucket.props.region)
          report(`bucket ${name} logs to ${target}, which is not a bucket of ${bucket.props.region} in this stack`, bucket.resource.urn);
      }
    }
  },
);

export const s3OwnershipControls = stackRule(
  {
    id: "S12",
    name: "s3-ownership-controls",
    title: "ACLs are disabled on every bucket (BucketOwnerEnforced).",
    sources: "Security Hub S3.12; Checkov CKV2_AWS_65",
  },
  (stack, report) => {
    for (const { bucket, configs } of perBucket(stack, aws.s3.BucketOwnershipControls)) {
      if (!configs.some((c) => c.rule?.objectOwnership === "BucketOwnerEnforced"))
        report(`bucket ${bucket.props.bucket} does not enforce bucket-owner ownership (ACLs enabled)`, bucket.resource.urn);
    }
  },
);

/** For the replication rules: the bucket resource with this ARN, if the stack has it. */
export function bucketByArn(stack: StackIndex, arn: unknown): PolicyResource | undefined {
  const r = stack.byArn(arn);
  return r?.type === "aws:s3/bucket:Bucket" ? r : undefined;
}

export const s3Rules = [
  s3BucketPublicAccessBlock,
  s3AccountPublicAccessBlock,
  s3TlsOnly,
  s3NoPublicPolicy,
  s3Versioning,
  s3SseKms,
  s3Lifecycle,
  s3AccessLogging,
  s3OwnershipControls,
];
