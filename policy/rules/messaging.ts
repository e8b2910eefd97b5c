/** SNS topics and SQS queues (N1, Q1–Q3). */
import * as aws from "@pulumi/aws";
import { isKmsKeyArn, regionOfArn } from "../lib/arn";
import { openStatements, parseJson } from "../lib/documents";
import { forType, resourceRule, stackRule } from "../lib/rule";
import type { StackIndex } from "../lib/stack";

export const snsEncryptedPrivate = resourceRule(
  {
    id: "N1",
    name: "sns-encrypted-private",
    title:
      "Topics are encrypted with a customer-managed key of their region (not alias/aws/sns, whose policy AWS services cannot use) and no topic policy allows anyone or a whole service.",
    sources: "Security Hub SNS.1 and SNS.4; Checkov CKV_AWS_26 and CKV_AWS_169; cfn-nag W47 and F18",
  },
  [
    forType(aws.sns.Topic, (t, report) => {
      if (!isKmsKeyArn(t.kmsMasterKeyId))
        report(`the topic is not encrypted with a customer-managed key (kmsMasterKeyId ${t.kmsMasterKeyId ?? "unset"})`);
      else if (regionOfArn(t.kmsMasterKeyId) !== t.region)
        report(`the topic in ${t.region} uses a key of ${regionOfArn(t.kmsMasterKeyId)}`);
    }),
    forType(aws.sns.TopicPolicy, (p, report) =>
      openStatements(p.policy, "the topic policy").forEach((m) => {
        report(m);
      }),
    ),
  ],
);

export const sqsEncryptedPrivate = resourceRule(
  {
    id: "Q1",
    name: "sqs-encrypted-private",
    title:
      "Queues (dead-letter queues too) are encrypted, with a customer-managed key of their region when one is named, and no queue policy allows anyone or a whole service.",
    sources: "Security Hub SQS.1 and SQS.3; Checkov CKV_AWS_27, CKV_AWS_168, CKV2_AWS_73; cfn-nag W48, F20, F21",
  },
  [
    forType(aws.sqs.Queue, (q, report) => {
      if (q.kmsMasterKeyId) {
        if (isKmsKeyArn(q.kmsMasterKeyId) && regionOfArn(q.kmsMasterKeyId) !== q.region)
          report(`the queue in ${q.region} uses a key of ${regionOfArn(q.kmsMasterKeyId)}`);
      } else if (q.sqsManagedSseEnabled !== true) report("the queue is not encrypted");
    }),
    forType(aws.sqs.QueuePolicy, (p, report) =>
      openStatements(p.policy, "the queue policy").forEach((m) => {
        report(m);
      }),
    ),
  ],
);

/** Each queue with a redrive policy and the dead-letter queue it names. */
function redrives(stack: StackIndex) {
  return stack.all(aws.sqs.Queue).flatMap(({ resource, props }) => {
    if (!props.redrivePolicy) return [];
    const policy = parseJson<{ deadLetterTargetArn?: string; maxReceiveCount?: number }>(
      props.redrivePolicy,
      `the redrive policy of ${props.name}`,
    );
    return [{ resource, queue: props, policy, dlq: stack.byArn(policy.deadLetterTargetArn) }];
  });
}

/** SQS keeps messages 4 days unless told otherwise. */
const DEFAULT_RETENTION_SECONDS = 345_600;
/** A message that failed this often is not going to succeed; more only delays the alarm. */
export const MAX_RECEIVE_COUNT = 10;

export const sqsDeadLetterQueues = stackRule(
  {
    id: "Q2",
    name: "sqs-dead-letter-queue",
    title: `Dead-letter queues are in the source queue's region and keep messages longer than it; maxReceiveCount is between 1 and ${MAX_RECEIVE_COUNT}.`,
    sources: "SQS dead-letter queue documentation (the enqueue timestamp is kept, so the DLQ must retain longer)",
  },
  (stack, report) => {
    for (const { resource, queue, policy, dlq } of redrives(stack)) {
      if (!dlq) {
        report(`queue ${queue.name} sends to ${policy.deadLetterTargetArn}, which is not a queue of this stack`, resource.urn);
        continue;
      }
      if (dlq.props.region !== queue.region)
        report(`queue ${queue.name} in ${queue.region} has its dead-letter queue in ${dlq.props.region}`, resource.urn);
      const mine = queue.messageRetentionSeconds ?? DEFAULT_RETENTION_SECONDS;
      const theirs = (dlq.props.messageRetentionSeconds as number | undefined) ?? DEFAULT_RETENTION_SECONDS;
      if (theirs <= mine)
        report(`dead-letter queue ${dlq.props.name} keeps messages ${theirs} s, not longer than ${queue.name} (${mine} s)`, resource.urn);
      const count = policy.maxReceiveCount ?? 0;
      if (count < 1 || count > MAX_RECEIVE_COUNT) report(`queue ${queue.name} has maxReceiveCount ${count}`, resource.urn);
    }
  },
);

/** Every queue that receives what failed elsewhere: redrive targets, Lambda/EventBridge/Scheduler failure destinations. */
function deadLetterQueues(stack: StackIndex) {
  const arns = new Set<string>(redrives(stack).flatMap((r) => (r.policy.deadLetterTargetArn ? [r.policy.deadLetterTargetArn] : [])));
  for (const { props } of stack.all(aws.lambda.FunctionEventInvokeConfig))
    if (props.destinationConfig?.onFailure?.destination) arns.add(props.destinationConfig.onFailure.destination);
  for (const { props } of stack.all(aws.lambda.EventSourceMapping))
    if (props.destinationConfig?.onFailure?.destinationArn) arns.add(props.destinationConfig.onFailure.destinationArn);
  for (const { props } of stack.all(aws.cloudwatch.EventTarget)) if (props.deadLetterConfig?.arn) arns.add(props.deadLetterConfig.arn);
  for (const { props } of stack.all(aws.scheduler.Schedule))
    if (props.target?.deadLetterConfig?.arn) arns.add(props.target.deadLetterConfig.arn);
  return stack.all(aws.sqs.Queue).filter(({ props }) => arns.has(props.arn));
}

export const sqsDeadLetterAlarms = stackRule(
  {
    id: "Q3",
    name: "sqs-dead-letter-alarm",
    title: "Every dead-letter queue or failure destination has an alarm on its visible messages that notifies someone.",
    sources: "Security Hub CloudWatch.15 and CloudWatch.17; SQS dead-letter queue documentation",
  },
  (stack, report) => {
    const alarms = stack.all(aws.cloudwatch.MetricAlarm).map(({ props }) => props);
    for (const { resource, props } of deadLetterQueues(stack)) {
      const watched = alarms.some(
        (a) =>
          a.region === props.region &&
          a.namespace === "AWS/SQS" &&
          a.metricName === "ApproximateNumberOfMessagesVisible" &&
          a.dimensions?.QueueName === props.name &&
          (a.alarmActions ?? []).length > 0 &&
          a.actionsEnabled !== false,
      );
      if (!watched)
        report(`dead-letter queue ${props.name} (${props.region}) has no alarm on ApproximateNumberOfMessagesVisible`, resource.urn);
    }
  },
);

export const messagingRules = [snsEncryptedPrivate, sqsEncryptedPrivate, sqsDeadLetterQueues, sqsDeadLetterAlarms];
