/** Cross-region replication of S3 buckets (S7, S8, S13). */
import * as aws from "@pulumi/aws";
import { isKmsKeyArn, regionOfArn } from "../lib/arn";
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

export const s3ReplicationRules = [s3ReplicationRtc, s3ReplicationEncrypted, s3ReplicationNotifications];
