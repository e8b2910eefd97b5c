import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "../../core/policy-documents";

export interface RegionalKeyArgs {
  region: string;
  /** Used in the alias: `alias/<name>`. */
  keyName: string;
  accountId: pulumi.Input<string>;
}

/**
 * The customer-managed key of one region, used by every data store of that region (tables,
 * buckets, queues, topics, log groups, backups). Each region has its own key so that no data
 * path in one region depends on KMS in the other (static stability).
 */
export class RegionalKey extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly keyId: pulumi.Output<string>;
  readonly aliasName: string;

  constructor(name: string, args: RegionalKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:security:RegionalKey", name, {}, opts);
    const { region, accountId } = args;
    const account = { StringEquals: { "aws:SourceAccount": accountId } };
    const dataKeyActions = ["kms:Decrypt", "kms:GenerateDataKey*"];

    const policy = pulumi.jsonStringify(
      policyDocument([
        {
          // AWS's default key policy statement: lets IAM policies in this account grant use of the
          // key. Without it the key is unmanageable (lockout). Key policy, not an IAM policy.
          // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
          Sid: "EnableIamPolicies",
          Effect: "Allow",
          Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        {
          // CloudWatch Logs encrypts log groups of this region only.
          // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
          Sid: "CloudWatchLogs",
          Effect: "Allow",
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          Resource: "*",
          Condition: {
            ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:*` },
          },
        },
        {
          // Services that publish into our encrypted topics and queues: alarm actions
          // (CloudWatch), S3 replication event notifications, EventBridge dead-letter queues.
          Sid: "ServicePublishers",
          Effect: "Allow",
          Principal: { Service: ["cloudwatch.amazonaws.com", "s3.amazonaws.com", "events.amazonaws.com"] },
          Action: dataKeyActions,
          Resource: "*",
          Condition: account,
        },
      ]),
    );

    const key = new aws.kms.Key(
      name,
      {
        region,
        description: `payments-dr data key for ${region} (${args.keyName})`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        policy,
      },
      { parent: this },
    );
    this.aliasName = `alias/${args.keyName}`;
    new aws.kms.Alias(`${name}-alias`, { region, name: this.aliasName, targetKeyId: key.keyId }, { parent: this });

    this.arn = key.arn;
    this.keyId = key.keyId;
    this.registerOutputs({ arn: this.arn });
  }
}
