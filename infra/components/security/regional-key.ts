import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "../../core/policy-documents";

export interface RegionalKeyArgs {
  region: string;
  /** Used in the alias: `alias/<name>`. */
  keyName: string;
  accountId: pulumi.Input<string>;
  /** Topics encrypted with this key that CloudWatch alarm actions and S3 event notifications publish to. */
  serviceTopicArns: pulumi.Input<string>[];
  /** Queues encrypted with this key that EventBridge and EventBridge Scheduler deliver dead letters to. */
  serviceQueueArns: pulumi.Input<string>[];
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
    const dataKeyActions = ["kms:Decrypt", "kms:GenerateDataKey*"];
    // Services that publish into our encrypted topics and queues call KMS through SNS or SQS, which
    // always send their encryption context: the topic's ARN (aws:sns:topicArn) or the queue's
    // (aws:sqs:arn). That is what binds these statements. aws:SourceAccount is not used: it is in the
    // request context only when the calling service sends it, and a missing key fails the condition
    // (KMS AccessDenied: an alarm notification lost during the incident it reports).
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html (event sources and encrypted topics)
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-least-privilege-policy.html
    const toTopics = { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": args.serviceTopicArns } };
    const toQueues = { StringEquals: { "kms:EncryptionContext:aws:sqs:arn": args.serviceQueueArns } };

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
          // CloudWatch alarm actions publishing to an encrypted topic need the key (a customer-managed
          // one: alias/aws/sns does not admit CloudWatch).
          // https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
          Sid: "CloudWatchAlarmsToEncryptedTopics",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: dataKeyActions,
          Resource: "*",
          Condition: toTopics,
        },
        {
          // S3 event notifications (replication failures, missed RTC) publishing to the encrypted topic.
          Sid: "S3EventsToEncryptedTopics",
          Effect: "Allow",
          Principal: { Service: "s3.amazonaws.com" },
          Action: dataKeyActions,
          Resource: "*",
          Condition: toTopics,
        },
        {
          // EventBridge delivering undeliverable runbook starts to the encrypted dead-letter queue.
          Sid: "EventBridgeDeadLettersToEncryptedQueues",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: dataKeyActions,
          Resource: "*",
          Condition: toQueues,
        },
        {
          // EventBridge Scheduler dead-lettering a firing it could not deliver (the canary ticker's,
          // the sweeper's) into the encrypted async-failures queue. The schedule's execution role
          // sends it and is granted the key through SQS, but Scheduler's troubleshooting guide also
          // asks that an encrypted DLQ's key policy "allows EventBridge Scheduler to use it"
          // (scheduler.amazonaws.com: kms:Decrypt, kms:GenerateDataKey). Without this statement,
          // on that reading, the dead letter is lost (issue 12 audit, docs/aws-audit.md).
          // https://docs.aws.amazon.com/scheduler/latest/UserGuide/troubleshooting.html
          // https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
          Sid: "SchedulerDeadLettersToEncryptedQueues",
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: dataKeyActions,
          Resource: "*",
          Condition: toQueues,
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
