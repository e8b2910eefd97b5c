/** Cross-region replication of S3 buckets (S7, S8, S13). */
import * as aws from "@pulumi/aws";
import { isKmsKeyArn, regionOfArn } from "../lib/arn";
import { actionsOf, isAllow, principalsOf, statementsOf } from "../lib/documents";
import { stackRule } from "../lib/rule";
import { bucketByArn } from "./s3";

/** S3 RTC: 15 minutes is the only value S3 accepts, for the threshold and for its metrics. */
const RTC_MINUTES = 15;

export const s3ReplicationRtc = stackRule(
  {
    id: "S7",
    name: "s3-replication-rtc",
    title:
      "Every replication rule is Enabled, targets a bucket in another region, and uses Replication Time Control with metrics at 15 minutes.",
    sources: "Security Hub S3.7; Checkov CKV_AWS_144; S3 Replication Time Control documentation (ReplicationTime and Metrics, 15 minutes)",
  },
  (stack, report) => {
    for (const { resource, props } of stack.all(aws.s3.BucketReplicationConfig)) {
      for (const rule of props.rules ?? []) {
        const id = `replication rule ${rule.id ?? "(no id)"} of ${props.bucket}`;
        const d = rule.destination;
        if (rule.status !== "Enabled") report(`${id} is not Enabled`, resource.urn);
        if (d?.replicationTime?.status !== "Enabled" || d.replicationTime.time?.minutes !== RTC_MINUTES)
          report(`${id} has no Replication Time Control at ${RTC_MINUTES} minutes`, resource.urn);
        if (d?.metrics?.status !== "Enabled" || d.metrics.eventThreshold?.minutes !== RTC_MINUTES)
          report(`${id} has no replication metrics at ${RTC_MINUTES} minutes`, resource.urn);
        const target = bucketByArn(stack, d?.bucket);
        if (!target) report(`${id} replicates to ${d?.bucket}, which is not a bucket of this stack`, resource.urn);
        else if (target.props.region === props.region)
          report(`${id} replicates within ${props.region}, not to another region`, resource.urn);
      }
    }
  },
);

export const s3ReplicationEncrypted = stackRule(
  {
    id: "S8",
    name: "s3-replication-encrypted",
    title:
      "Replication copies KMS-encrypted objects, re-encrypts them with a key of the destination's region, and states delete-marker replication deliberately.",
    sources: "S3 replication documentation (replicating encrypted objects; delete markers)",
  },
  (stack, report) => {
    for (const { resource, props } of stack.all(aws.s3.BucketReplicationConfig)) {
      for (const rule of props.rules ?? []) {
        const id = `replication rule ${rule.id ?? "(no id)"} of ${props.bucket}`;
        if (rule.sourceSelectionCriteria?.sseKmsEncryptedObjects?.status !== "Enabled")
          report(`${id} does not replicate SSE-KMS objects`, resource.urn);
        if (!rule.deleteMarkerReplication?.status) report(`${id} does not state deleteMarkerReplication`, resource.urn);
        const key = rule.destination?.encryptionConfiguration?.replicaKmsKeyId;
        const target = bucketByArn(stack, rule.destination?.bucket);
        if (!isKmsKeyArn(key)) report(`${id} names no customer-managed key for the replicas`, resource.urn);
        else if (target && regionOfArn(key) !== target.props.region)
          report(`${id} encrypts replicas in ${target.props.region} with a key of ${regionOfArn(key)}`, resource.urn);
      }
    }
  },
);

const REPLICATION_EVENTS = ["s3:Replication:OperationFailedReplication", "s3:Replication:OperationMissedThreshold"];

export const s3ReplicationNotifications = stackRule(
  {
    id: "S13",
    name: "s3-replication-notifications",
    title: "Every replication source notifies failed replication and missed RTC thresholds.",
    sources: "Security Hub S3.11; S3 replication metrics and events documentation",
  },
  (stack, report) => {
    const notifications = stack.all(aws.s3.BucketNotification).map(({ props }) => props);
    for (const { resource, props } of stack.all(aws.s3.BucketReplicationConfig)) {
      const events = new Set(
        notifications
          .filter((n) => n.bucket === props.bucket)
          .flatMap((n) => [...(n.topics ?? []), ...(n.queues ?? []), ...(n.lambdaFunctions ?? [])])
          .flatMap((t) => t.events ?? []),
      );
      const missing = REPLICATION_EVENTS.filter((e) => !events.has(e));
      if (missing.length > 0) report(`replication source ${props.bucket} is not notified of ${missing.join(", ")}`, resource.urn);
    }
  },
);

/**
 * S3 verifies a notification's SNS/SQS destination when the configuration is put, by sending it a
 * test event: "it first verifies that any Amazon SNS or Amazon SQS destination exists, and that the
 * bucket owner has permission to publish to it by sending a test notification".
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
 */
export const s3NotificationDestinationReady = stackRule(
  {
    id: "S13",
    name: "s3-notification-destination-ready",
    title:
      "Every bucket notification to an SNS topic or SQS queue is configured after (depends on) the destination policy that lets S3 publish, because S3 sends a test event when the configuration is put.",
    sources:
      "S3 PutBucketNotificationConfiguration API (destination validated with a test notification); S3 event notification permissions",
  },
  (stack, report) => {
    const lets = (policy: unknown, action: string) =>
      statementsOf(policy)
        .filter(isAllow)
        .some(
          (s) =>
            principalsOf(s).service.includes("s3.amazonaws.com") &&
            actionsOf(s).some((a) => a === action || a === `${action.split(":")[0]}:*`),
        );
    const queueUrlOf = (arn: unknown) => stack.byArn(arn)?.props.url;
    for (const { resource, props } of stack.all(aws.s3.BucketNotification)) {
      const destinations = [
        ...(props.topics ?? []).map((t) => ({
          what: `topic ${t.topicArn}`,
          policies: stack.ofType("aws:sns/topicPolicy:TopicPolicy").filter((p) => p.props.arn === t.topicArn),
          action: "sns:Publish",
        })),
        ...(props.queues ?? []).map((q) => ({
          what: `queue ${q.queueArn}`,
          policies: stack.ofType("aws:sqs/queuePolicy:QueuePolicy").filter((p) => p.props.queueUrl === queueUrlOf(q.queueArn)),
          action: "sqs:SendMessage",
        })),
      ];
      for (const d of destinations) {
        const granting = d.policies.filter((p) => lets(p.props.policy, d.action));
        if (granting.length === 0) {
          report(`bucket ${props.bucket} notifies ${d.what}, whose policy does not let S3 ${d.action}`, resource.urn);
          continue;
        }
        const waited = new Set(resource.dependencies.map((dep) => dep.urn));
        if (!granting.some((p) => waited.has(p.urn)))
          report(
            `the notification of bucket ${props.bucket} does not depend on the policy of ${d.what}: S3 tests the destination when the configuration is put, and fails if the policy is not there yet`,
            resource.urn,
          );
      }
    }
  },
);

export const s3ReplicationRules = [s3ReplicationRtc, s3ReplicationEncrypted, s3ReplicationNotifications, s3NotificationDestinationReady];
