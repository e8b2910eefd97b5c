import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { resourceName } from "../../core/naming";
import { policyDocument } from "../../core/policy-documents";

export interface RegionalMessagingArgs {
  region: string;
  environment: string;
  accountId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  alertEmails: string[];
  /** Buckets whose S3 event notifications may publish to the alert topic. */
  notifyingBucketArns: pulumi.Input<string>[];
  /** Timeout of the function consuming the processing queue (visibility = 6x, per AWS guidance). */
  processorTimeoutSeconds: number;
  /** Timeout of the function consuming the transaction-log queue (visibility = 6x). */
  logWriterTimeoutSeconds: number;
  /** Receives before a message moves to the DLQ. Default behaviour: 5. */
  maxReceiveCount?: number;
  /** EventBridge rules whose undeliverable events go to the async-failures queue. */
  eventRuleArns: pulumi.Input<string>[];
}

/** The `{service}` slots of the alert topic and the async-failures queue (keys name them before they exist). */
export const ALERT_TOPIC_SERVICE = "dr-alerts";
export const ASYNC_FAILURES_SERVICE = "async-failures";

/** Source-queue retention (4 days) and DLQ retention (14 days, the maximum; must exceed the source). */
export const QUEUE_RETENTION_SECONDS = 4 * 24 * 3600;
export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * One region's alert topic, its payment-processing queue and transaction-log queue, each with its
 * dead-letter queue, and the async-failures queue, all encrypted with the region's key.
 */
export class RegionalMessaging extends pulumi.ComponentResource {
  readonly alertTopicArn: pulumi.Output<string>;
  /**
   * The alert topic's ARN, resolved only once the topic policy lets AWS services (CloudWatch, S3)
   * publish. Event-notification configurations must take this one: S3 sends a test event to the
   * destination when a notification is configured and refuses the configuration if it cannot
   * publish, so a notification created before the policy fails the deployment, intermittently.
   */
  readonly alertTopicNotificationArn: pulumi.Output<string>;
  readonly queueArn: pulumi.Output<string>;
  readonly queueUrl: pulumi.Output<string>;
  readonly dlqArn: pulumi.Output<string>;
  readonly dlqUrl: pulumi.Output<string>;
  readonly queueName: string;
  readonly dlqName: string;
  /** payment-events → record-transactions: each state a payment reaches, for the transaction log. */
  readonly transactionLogQueueArn: pulumi.Output<string>;
  readonly transactionLogQueueUrl: pulumi.Output<string>;
  readonly transactionLogDlqArn: pulumi.Output<string>;
  readonly transactionLogDlqName: string;
  /** Failed asynchronous invocations, stream batches and EventBridge deliveries of this region. */
  readonly asyncFailuresArn: pulumi.Output<string>;
  readonly asyncFailuresName: string;

  constructor(name: string, args: RegionalMessagingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:messaging:RegionalMessaging", name, {}, opts);
    const { region, environment, accountId } = args;
    const parent = { parent: this };

    const topic = new aws.sns.Topic(
      `${name}-alerts`,
      { region, name: resourceName(ALERT_TOPIC_SERVICE, region, environment), kmsMasterKeyId: args.kmsKeyArn },
      parent,
    );
    const topicPolicy = new aws.sns.TopicPolicy(
      `${name}-alerts-policy`,
      {
        region,
        arn: topic.arn,
        policy: pulumi.jsonStringify(
          policyDocument([
            {
              Sid: "CloudWatchAlarms",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "sns:Publish",
              Resource: topic.arn,
              Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
            {
              Sid: "S3ReplicationEvents",
              Effect: "Allow",
              Principal: { Service: "s3.amazonaws.com" },
              Action: "sns:Publish",
              Resource: topic.arn,
              Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": args.notifyingBucketArns } },
            },
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "sns:Publish",
              Resource: topic.arn,
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ]),
        ),
      },
      parent,
    );
    args.alertEmails.forEach((email, i) => {
      new aws.sns.TopicSubscription(`${name}-alerts-email-${i}`, { region, topic: topic.arn, protocol: "email", endpoint: email }, parent);
    });

    // A work queue and its DLQ. Messages that fail maxReceiveCount times wait in the DLQ (14 days)
    // for someone to look and redrive them; only the work queue may redrive into it.
    const workQueue = (suffix: string, service: string, consumerTimeoutSeconds: number) => {
      const dlqName = resourceName(`${service}-dlq`, region, environment);
      const dlq = new aws.sqs.Queue(
        `${name}-${suffix}-dlq`,
        {
          region,
          name: dlqName,
          kmsMasterKeyId: args.kmsKeyArn,
          kmsDataKeyReusePeriodSeconds: 300,
          messageRetentionSeconds: DLQ_RETENTION_SECONDS,
        },
        parent,
      );
      const queue = new aws.sqs.Queue(
        `${name}-${suffix}`,
        {
          region,
          name: resourceName(service, region, environment),
          kmsMasterKeyId: args.kmsKeyArn,
          kmsDataKeyReusePeriodSeconds: 300,
          messageRetentionSeconds: QUEUE_RETENTION_SECONDS,
          // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html: at least 6x the function timeout.
          visibilityTimeoutSeconds: 6 * consumerTimeoutSeconds,
          redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: args.maxReceiveCount ?? 5 }),
        },
        parent,
      );
      new aws.sqs.RedriveAllowPolicy(
        `${name}-${suffix}-dlq-allow`,
        {
          region,
          queueUrl: dlq.url,
          redriveAllowPolicy: pulumi.jsonStringify({ redrivePermission: "byQueue", sourceQueueArns: [queue.arn] }),
        },
        parent,
      );
      return { queue, dlq, dlqName };
    };
    const processing = workQueue("processing", "payments-processing", args.processorTimeoutSeconds);
    const { queue, dlq } = processing;
    this.queueName = resourceName("payments-processing", region, environment);
    this.dlqName = processing.dlqName;
    const transactionLog = workQueue("transaction-log", "transaction-log", args.logWriterTimeoutSeconds);
    this.transactionLogDlqName = transactionLog.dlqName;

    // Where failures that are not payments land: async Lambda invocations after retries, stream
    // batches that exhausted their retries (metadata records), EventBridge deliveries that could
    // not start a runbook. Kept apart from the payment DLQ, whose messages can be redriven.
    this.asyncFailuresName = resourceName(ASYNC_FAILURES_SERVICE, region, environment);
    const asyncFailures = new aws.sqs.Queue(
      `${name}-async-failures`,
      {
        region,
        name: this.asyncFailuresName,
        kmsMasterKeyId: args.kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      },
      parent,
    );
    for (const [suffix, q] of [
      ["processing", queue],
      ["processing-dlq", dlq],
      ["transaction-log", transactionLog.queue],
      ["transaction-log-dlq", transactionLog.dlq],
      ["async-failures", asyncFailures],
    ] as const) {
      const eventBridge =
        suffix === "async-failures"
          ? [
              {
                Sid: "EventBridgeRuleDeadLetters",
                Effect: "Allow" as const,
                Principal: { Service: "events.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: q.arn,
                Condition: { ArnEquals: { "aws:SourceArn": args.eventRuleArns } },
              },
            ]
          : [];
      new aws.sqs.QueuePolicy(
        `${name}-${suffix}-policy`,
        {
          region,
          queueUrl: q.url,
          policy: pulumi.jsonStringify(
            policyDocument([
              ...eventBridge,
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "sqs:*",
                Resource: q.arn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ]),
          ),
        },
        parent,
      );
    }

    this.alertTopicArn = topic.arn;
    // The policy's `arn` is the topic's; taking it from the policy makes every consumer wait for it.
    // S3 "first verifies that any Amazon Simple Notification Service (Amazon SNS) or Amazon Simple
    // Queue Service (Amazon SQS) destination exists, and that the bucket owner has permission to
    // publish to it by sending a test notification"
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
    this.alertTopicNotificationArn = topicPolicy.arn;
    this.queueArn = queue.arn;
    this.queueUrl = queue.url;
    this.dlqArn = dlq.arn;
    this.dlqUrl = dlq.url;
    this.asyncFailuresArn = asyncFailures.arn;
    this.transactionLogQueueArn = transactionLog.queue.arn;
    this.transactionLogQueueUrl = transactionLog.queue.url;
    this.transactionLogDlqArn = transactionLog.dlq.arn;
    this.registerOutputs({ alertTopicArn: this.alertTopicArn, queueUrl: this.queueUrl, dlqUrl: this.dlqUrl });
  }
}
