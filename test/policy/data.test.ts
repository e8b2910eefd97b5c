/**
 * DynamoDB, backups and S3 rules (D1-D8, S1-S13) against the synthesized stack and broken
 * copies of it. Mocks prove what the program asks for, not that AWS accepts it.
 */
import type { CapturedResource } from "../../infra/offline/mocks";
import { dynamodbRules } from "../../policy/rules/dynamodb";
import * as d from "../../policy/rules/dynamodb";
import { s3Rules } from "../../policy/rules/s3";
import * as s3 from "../../policy/rules/s3";
import { s3ReplicationRules } from "../../policy/rules/s3-replication";
import * as rep from "../../policy/rules/s3-replication";
import { byType, editJson, find, fixture, withChange, without } from "./support/fixtures";
import { type FailingCase, ruleSuite } from "./support/suite";

const table = (name: string) => byType("aws:dynamodb/table:Table", (r) => r.inputs.name === name);
const payments = table("payments-global-dev");
const idempotency = table("payments-idempotency-global-dev");
const keyArn = (rs: readonly CapturedResource[], region: string) =>
  find(
    rs,
    byType("aws:kms/key:Key", (k) => k.region === region),
  ).state.arn;
const bucketName = (service: string, region: string) => `${service}-${region}-dev-123456789012`;
const forBucket = (type: string, bucket: string) => byType(type, (r) => r.inputs.bucket === bucket);
const txlogPrimary = bucketName("txlog", "us-east-1");
const primaryReplication = byType("aws:s3/bucketReplicationConfig:BucketReplicationConfig", (r) => r.region === "us-east-1");

const cases: FailingCase[] = [
  {
    rule: rep.s3NotificationDestinationReady,
    when: "the replication notification is configured without waiting for the topic policy (S3's test event fails intermittently)",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:s3/bucketNotification:BucketNotification", (r) => r.region === "us-east-1"),
        (_p, r) => {
          r.dependencies = (r.dependencies ?? []).filter((urn) => !urn.includes("aws:sns/topicPolicy:TopicPolicy"));
        },
      ),
    expect:
      /the notification of bucket txlog-us-east-1-dev-123456789012 does not depend on the policy of topic arn:aws:sns:us-east-1:123456789012:dr-alerts-us-east-1-dev/,
  },
  {
    rule: rep.s3NotificationDestinationReady,
    when: "the topic policy does not let S3 publish",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:sns/topicPolicy:TopicPolicy", (r) => r.region === "us-east-1"),
        (p) =>
          editJson(p, "policy", (doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Principal?.Service !== "s3.amazonaws.com"))),
      ),
    expect: /bucket txlog-us-east-1-dev-123456789012 notifies topic .*dr-alerts-us-east-1-dev, whose policy does not let S3 sns:Publish/,
  },
  {
    rule: d.dynamodbPitr,
    when: "the table has no PITR",
    change: (rs) => withChange(rs, payments, (p) => (p.pointInTimeRecovery = { enabled: false })),
    expect: /point-in-time recovery is not enabled on the table/,
  },
  {
    rule: d.dynamodbPitr,
    when: "a replica has no PITR (the provider default)",
    change: (rs) => withChange(rs, payments, (p) => delete p.replicas[0].pointInTimeRecovery),
    expect: /replica in us-east-2 has no point-in-time/,
  },
  {
    rule: d.dynamodbPitr,
    when: "a standalone TableReplica has no PITR",
    change: (rs) => [
      ...rs,
      fixture("aws:dynamodb/tableReplica:TableReplica", "extra-replica", {
        region: "us-east-2",
        globalTableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/x",
      }),
    ],
    expect: /not enabled on the replica/,
  },
  {
    rule: d.dynamodbDeletionProtection,
    when: "the table can be deleted",
    change: (rs) => withChange(rs, payments, (p) => (p.deletionProtectionEnabled = false)),
    expect: /not enabled on the table/,
  },
  {
    rule: d.dynamodbDeletionProtection,
    when: "a replica can be deleted",
    change: (rs) => withChange(rs, payments, (p) => (p.replicas[0].deletionProtectionEnabled = false)),
    expect: /replica in us-east-2 has no deletion protection/,
  },
  {
    rule: d.dynamodbKmsPerRegion,
    when: "the replica uses the primary's key",
    change: (rs) => withChange(rs, payments, (p) => (p.replicas[0].kmsKeyArn = keyArn(rs, "us-east-1"))),
    expect: /replica in us-east-2 uses a key of us-east-1/,
  },
  {
    rule: d.dynamodbKmsPerRegion,
    when: "the table uses the AWS-owned key",
    change: (rs) => withChange(rs, payments, (p) => (p.serverSideEncryption = { enabled: false })),
    expect: /not encrypted with a customer-managed KMS key/,
  },
  {
    rule: d.dynamodbKmsPerRegion,
    when: "the table names its key by alias",
    change: (rs) => withChange(rs, payments, (p) => (p.serverSideEncryption.kmsKeyArn = "alias/payments")),
    expect: /full key ARN/,
  },
  {
    rule: d.dynamodbOnDemand,
    when: "the table is provisioned",
    change: (rs) => withChange(rs, payments, (p) => (p.billingMode = "PROVISIONED")),
    expect: /PROVISIONED, not PAY_PER_REQUEST/,
  },
  {
    rule: d.dynamodbGlobalStreams,
    when: "the stream carries keys only",
    change: (rs) => withChange(rs, payments, (p) => (p.streamViewType = "KEYS_ONLY")),
    expect: /table payments-global-dev streams KEYS_ONLY; the stream must carry NEW_AND_OLD_IMAGES/,
  },
  {
    rule: d.dynamodbGlobalStreams,
    when: "the table has no replica",
    change: (rs) => withChange(rs, payments, (p) => (p.replicas = [])),
    expect: /table payments-global-dev has no replica in another region/,
  },
  {
    rule: d.dynamodbGlobalStreams,
    when: "an eventually consistent table has no stream to replicate through",
    change: (rs) =>
      withChange(rs, idempotency, (p) => {
        p.replicas[0].consistencyMode = "EVENTUAL";
        delete p.globalTableWitness;
      }),
    expect: /table payments-idempotency-global-dev is eventually consistent and must stream NEW_AND_OLD_IMAGES/,
  },
  {
    rule: d.dynamodbGlobalStreams,
    when: "the secondary's strongly consistent replica reports no stream (terraform-provider-aws#48213)",
    change: (rs) => withChange(rs, payments, (p) => delete p.replicas[0].streamArn),
    expect:
      /the mapping of .*payment-events-us-east-2-dev.* reads arn:aws:dynamodb:us-east-2:.*, but table payments-global-dev reports no stream in us-east-2 \(strongly consistent replicas have streams off unless enabled; .*terraform-provider-aws#48213\)/,
  },
  {
    rule: d.dynamodbGlobalStreams,
    when: "a region's stream consumer reads the other region's stream",
    change: (rs) =>
      withChange(
        rs,
        byType(
          "aws:lambda/eventSourceMapping:EventSourceMapping",
          (m) => m.region === "us-east-2" && String(m.inputs.eventSourceArn).includes(":dynamodb:"),
        ),
        (p) => (p.eventSourceArn = find(rs, payments).state.streamArn),
      ),
    expect: /in us-east-2 reads payments-global-dev's stream in us-east-1, not its own region's replica/,
  },
  {
    rule: d.dynamodbGlobalStreams,
    when: "a legacy GlobalTable is used",
    change: (rs) => [...rs, fixture("aws:dynamodb/globalTable:GlobalTable", "legacy", { region: "us-east-1", name: "x", replicas: [] })],
    expect: /legacy 2017/,
  },
  {
    rule: d.dynamodbConsistencyMode,
    when: "a replica leaves its consistency mode implicit",
    change: (rs) => withChange(rs, payments, (p) => delete p.replicas[0].consistencyMode),
    expect: /does not state consistencyMode/,
  },
  {
    rule: d.dynamodbConsistencyMode,
    when: "a STRONG table has neither a witness nor a third replica",
    change: (rs) => withChange(rs, payments, (p) => delete p.globalTableWitness),
    expect:
      /STRONG consistency needs exactly three distinct regions: two replicas and a witness, or three replicas \(here: us-east-1, us-east-2\)/,
  },
  {
    rule: d.dynamodbConsistencyMode,
    when: "the witness sits on a replica's region",
    change: (rs) => withChange(rs, payments, (p) => (p.globalTableWitness = { regionName: "us-east-2" })),
    expect: /exactly three distinct regions: .*\(here: us-east-1, us-east-2, us-east-2\)/,
  },
  {
    rule: d.dynamodbConsistencyMode,
    when: "the witness is in another region set",
    change: (rs) => withChange(rs, payments, (p) => (p.globalTableWitness = { regionName: "eu-west-1" })),
    expect: /needs its regions in one region set \(US: us-east-1, us-east-2, us-west-2; EU: .*\); us-east-1, us-east-2, eu-west-1 are not/,
  },
  {
    rule: d.dynamodbConsistencyMode,
    when: "the replicas mix consistency modes",
    change: (rs) =>
      withChange(rs, payments, (p) => {
        p.replicas.push({ ...p.replicas[0], regionName: "us-west-2", consistencyMode: "EVENTUAL" });
        delete p.globalTableWitness;
      }),
    expect: /the replicas mix consistency modes \(STRONG, EVENTUAL\)/,
  },
  {
    rule: d.dynamodbConsistencyMode,
    when: "a STRONG table has TTL (MRSC does not support it)",
    change: (rs) => withChange(rs, idempotency, (p) => (p.ttl = { enabled: true, attributeName: "expiration" })),
    expect: /a STRONG table cannot have TTL/,
  },
  {
    rule: d.dynamodbConsistencyMode,
    when: "a STRONG table has a local secondary index (MRSC does not support them)",
    change: (rs) =>
      withChange(
        rs,
        payments,
        (p) => (p.localSecondaryIndexes = [{ name: "by-time", rangeKey: "createdAt", projectionType: "KEYS_ONLY" }]),
      ),
    expect: /a STRONG table cannot have local secondary indexes/,
  },
  {
    rule: d.dynamodbConsistencyMode,
    when: "an eventually consistent table keeps a witness",
    change: (rs) => withChange(rs, payments, (p) => (p.replicas[0].consistencyMode = "EVENTUAL")),
    expect: /the table has a witness in us-west-2 but is not STRONG/,
  },
  {
    rule: d.dynamodbIdempotencyTtl,
    when: "nothing sweeps the strongly consistent tables in the secondary (no schedule there)",
    change: (rs) =>
      without(
        rs,
        byType("aws:scheduler/schedule:Schedule", (s) => s.inputs.name === "sweep-expired-schedule-us-east-2-dev"),
      ),
    expect:
      /table payments-idempotency-global-dev is strongly consistent \(no TTL\) and nothing sweeps its expired items in us-east-2: no function started by an EventBridge Scheduler schedule there names it and may Scan and DeleteItem on it/,
  },
  {
    rule: d.dynamodbIdempotencyTtl,
    when: "the sweeper's schedule is disabled",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:scheduler/schedule:Schedule", (s) => s.inputs.name === "sweep-expired-schedule-us-east-1-dev"),
        (p) => (p.state = "DISABLED"),
      ),
    expect: /table dr-control-global-dev is strongly consistent \(no TTL\) and nothing sweeps its expired items in us-east-1/,
  },
  {
    rule: d.dynamodbIdempotencyTtl,
    when: "the sweeper may not delete from the control table",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:iam/rolePolicy:RolePolicy", (r) => r.inputs.role === "sweep-expired-us-east-1-dev"),
        (p) =>
          editJson(p, "policy", (doc) => {
            for (const st of doc.Statement)
              if (String(st.Resource).endsWith(":table/dr-control-global-dev"))
                st.Action = st.Action.filter((a: string) => a !== "dynamodb:DeleteItem");
          }),
      ),
    expect: /table dr-control-global-dev is strongly consistent \(no TTL\) and nothing sweeps its expired items in us-east-1/,
  },
  {
    rule: d.dynamodbIdempotencyTtl,
    when: "an eventually consistent idempotency table has no TTL: records never expire",
    change: (rs) => withChange(rs, idempotency, (p) => (p.replicas[0].consistencyMode = "EVENTUAL")),
    expect: /table payments-idempotency-global-dev has no TTL on expiration; its records would never expire/,
  },
  {
    rule: d.dynamodbIdempotencyTtl,
    when: "the control table is not replicated",
    change: (rs) => withChange(rs, table("dr-control-global-dev"), (p) => (p.replicas = [])),
    expect: /table dr-control-global-dev is not replicated/,
  },
  {
    rule: d.dynamodbBackups,
    when: "a table is in no backup selection",
    change: (rs) =>
      withChange(
        rs,
        byType("aws:backup/selection:Selection"),
        (p) => (p.resources = p.resources.filter((arn: string) => !arn.endsWith("/payments-global-dev"))),
      ),
    expect: /table payments-global-dev is in no backup selection/,
  },
  {
    rule: d.dynamodbBackups,
    when: "recovery points are not copied to the other region",
    change: (rs) => withChange(rs, byType("aws:backup/plan:Plan"), (p) => (p.rules[0].copyActions = [])),
    expect: /copies to no vault in another region/,
  },
  {
    rule: d.dynamodbBackups,
    when: "a vault uses the AWS-managed key",
    change: (rs) => withChange(rs, byType("aws:backup/vault:Vault"), (p) => delete p.kmsKeyArn),
    expect: /has no customer-managed key/,
  },

  {
    rule: s3.s3BucketPublicAccessBlock,
    when: "a bucket allows public policies",
    change: (rs) =>
      withChange(
        rs,
        forBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", txlogPrimary),
        (p) => (p.blockPublicPolicy = false),
      ),
    expect: /blockPublicPolicy is not true/,
  },
  {
    rule: s3.s3BucketPublicAccessBlock,
    when: "a bucket has no public access block",
    change: (rs) => without(rs, forBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", txlogPrimary)),
    expect: /has 0 public access blocks/,
  },
  {
    rule: s3.s3AccountPublicAccessBlock,
    when: "the stack leaves the account-level block unmanaged",
    change: (rs) => without(rs, byType("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock")),
    expect: /does not manage the account-level/,
  },
  {
    rule: s3.s3AccountPublicAccessBlock,
    when: "the account-level block lets public ACLs through",
    change: (rs) => withChange(rs, byType("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"), (p) => (p.ignorePublicAcls = false)),
    expect: /ignorePublicAcls is not true/,
  },
  {
    rule: s3.s3TlsOnly,
    when: "a bucket policy no longer denies plain HTTP",
    change: (rs) =>
      withChange(rs, forBucket("aws:s3/bucketPolicy:BucketPolicy", txlogPrimary), (p) =>
        editJson(p, "policy", (doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Sid !== "DenyInsecureTransport"))),
      ),
    expect: /does not deny requests without TLS/,
  },
  {
    rule: s3.s3TlsOnly,
    when: "the deny covers the bucket but not its objects",
    change: (rs) =>
      withChange(rs, forBucket("aws:s3/bucketPolicy:BucketPolicy", txlogPrimary), (p) =>
        editJson(p, "policy", (doc) => (doc.Statement[0].Resource = doc.Statement[0].Resource.slice(0, 1))),
      ),
    expect: /does not deny requests without TLS/,
  },
  {
    rule: s3.s3NoPublicPolicy,
    when: "a bucket policy lets anyone read",
    change: (rs) =>
      withChange(rs, forBucket("aws:s3/bucketPolicy:BucketPolicy", txlogPrimary), (p) =>
        editJson(p, "policy", (doc) =>
          doc.Statement.push({
            Sid: "Public",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::x/*",
          }),
        ),
      ),
    expect: /allows any principal \(statement Public\)/,
  },
  {
    rule: s3.s3NoPublicPolicy,
    when: "a bucket policy grants a service s3:*",
    change: (rs) =>
      withChange(rs, forBucket("aws:s3/bucketPolicy:BucketPolicy", txlogPrimary), (p) =>
        editJson(p, "policy", (doc) =>
          doc.Statement.push({ Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:*", Resource: "*" }),
        ),
      ),
    expect: /allows s3:\*/,
  },
  {
    rule: s3.s3Versioning,
    when: "versioning is suspended",
    change: (rs) =>
      withChange(
        rs,
        forBucket("aws:s3/bucketVersioning:BucketVersioning", txlogPrimary),
        (p) => (p.versioningConfiguration.status = "Suspended"),
      ),
    expect: /no Enabled versioning/,
  },
  {
    rule: s3.s3SseKms,
    when: "a data bucket falls back to SSE-S3",
    change: (rs) =>
      withChange(
        rs,
        forBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", txlogPrimary),
        (p) => (p.rules = [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]),
      ),
    expect: /not encrypted with SSE-KMS/,
  },
  {
    rule: s3.s3SseKms,
    when: "a bucket key is off",
    change: (rs) =>
      withChange(
        rs,
        forBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", txlogPrimary),
        (p) => (p.rules[0].bucketKeyEnabled = false),
      ),
    expect: /does not use an S3 Bucket Key/,
  },
  {
    rule: s3.s3SseKms,
    when: "a bucket uses the other region's key",
    change: (rs) =>
      withChange(
        rs,
        forBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", txlogPrimary),
        (p) => (p.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId = keyArn(rs, "us-east-2")),
      ),
    expect: /in us-east-1 is encrypted with a key of us-east-2/,
  },
  {
    rule: s3.s3Lifecycle,
    when: "incomplete multipart uploads are kept forever",
    change: (rs) =>
      withChange(
        rs,
        forBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", txlogPrimary),
        (p) => delete p.rules[0].abortIncompleteMultipartUpload,
      ),
    expect: /no Enabled rule expiring noncurrent versions and aborting/,
  },
  {
    rule: s3.s3AccessLogging,
    when: "a data bucket logs nothing",
    change: (rs) => without(rs, forBucket("aws:s3/bucketLogging:BucketLogging", txlogPrimary)),
    expect: /has no server access logging/,
  },
  {
    rule: s3.s3AccessLogging,
    when: "a bucket logs into itself",
    change: (rs) => withChange(rs, forBucket("aws:s3/bucketLogging:BucketLogging", txlogPrimary), (p) => (p.targetBucket = txlogPrimary)),
    expect: /logs into itself/,
  },
  {
    rule: s3.s3AccessLogging,
    when: "a bucket logs to the other region",
    change: (rs) =>
      withChange(
        rs,
        forBucket("aws:s3/bucketLogging:BucketLogging", txlogPrimary),
        (p) => (p.targetBucket = bucketName("s3-access-logs", "us-east-2")),
      ),
    expect: /which is not a bucket of us-east-1/,
  },
  {
    rule: s3.s3OwnershipControls,
    when: "ACLs are enabled",
    change: (rs) =>
      withChange(
        rs,
        forBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls", txlogPrimary),
        (p) => (p.rule.objectOwnership = "ObjectWriter"),
      ),
    expect: /ACLs enabled/,
  },

  {
    rule: rep.s3ReplicationRtc,
    when: "replication runs without RTC",
    change: (rs) => withChange(rs, primaryReplication, (p) => (p.rules[0].destination.replicationTime.status = "Disabled")),
    expect: /no Replication Time Control at 15 minutes/,
  },
  {
    rule: rep.s3ReplicationRtc,
    when: "replication metrics are off",
    change: (rs) => withChange(rs, primaryReplication, (p) => delete p.rules[0].destination.metrics),
    expect: /no replication metrics/,
  },
  {
    rule: rep.s3ReplicationRtc,
    when: "the rule is disabled",
    change: (rs) => withChange(rs, primaryReplication, (p) => (p.rules[0].status = "Disabled")),
    expect: /is not Enabled/,
  },
  {
    rule: rep.s3ReplicationRtc,
    when: "replication stays in the same region",
    change: (rs) =>
      withChange(rs, primaryReplication, (p) => (p.rules[0].destination.bucket = `arn:aws:s3:::${bucketName("dr-evidence", "us-east-1")}`)),
    expect: /replicates within us-east-1/,
  },
  {
    rule: rep.s3ReplicationEncrypted,
    when: "KMS-encrypted objects are skipped",
    change: (rs) =>
      withChange(rs, primaryReplication, (p) => (p.rules[0].sourceSelectionCriteria.sseKmsEncryptedObjects.status = "Disabled")),
    expect: /does not replicate SSE-KMS objects/,
  },
  {
    rule: rep.s3ReplicationEncrypted,
    when: "replicas are encrypted with the source region's key",
    change: (rs) =>
      withChange(rs, primaryReplication, (p) => (p.rules[0].destination.encryptionConfiguration.replicaKmsKeyId = keyArn(rs, "us-east-1"))),
    expect: /replicas in us-east-2 with a key of us-east-1/,
  },
  {
    rule: rep.s3ReplicationEncrypted,
    when: "delete-marker replication is left to the default",
    change: (rs) => withChange(rs, primaryReplication, (p) => delete p.rules[0].deleteMarkerReplication),
    expect: /does not state deleteMarkerReplication/,
  },
  {
    rule: rep.s3ReplicationNotifications,
    when: "missed RTC thresholds are not notified",
    change: (rs) =>
      withChange(
        rs,
        forBucket("aws:s3/bucketNotification:BucketNotification", txlogPrimary),
        (p) => (p.topics[0].events = ["s3:Replication:OperationFailedReplication"]),
      ),
    expect: /not notified of s3:Replication:OperationMissedThreshold/,
  },
];

describe("data rules", () => ruleSuite([...dynamodbRules, ...s3Rules, ...s3ReplicationRules], cases));
