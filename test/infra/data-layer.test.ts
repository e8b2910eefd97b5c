/**
 * The two-region data layer as the program declares it (Pulumi mocks). These tests pin exact
 * inputs; they cannot prove AWS accepts them or that replication behaves as configured.
 */
import type { Evaluation } from "../../infra/offline/evaluate";
import { MOCK_ACCOUNT_ID } from "../../infra/offline/mocks";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { ReplicaStreamMissingError, replicaStreamArn } from "../../infra/core/tables";
import { authoritySchema, CONTROL_TABLE_HASH_KEY, controlKeys, writerOf } from "../../lib/control-schema";
import { asArray, ofType, one, REGIONS, stack, statements } from "../support/stack";

const ROOT = join(__dirname, "..", "..");

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack();
});

const keyArn = (region: string) => one(ev, "aws:kms/key:Key", (k) => k.region === region).state.arn;
const regionOfArn = (arn: string) => arn.split(":")[3];

describe("KMS", () => {
  it("creates one rotating customer-managed key per region", () => {
    const keys = ofType(ev, "aws:kms/key:Key");
    expect(keys.map((k) => k.region).sort()).toEqual([REGIONS.primary, REGIONS.secondary]);
    for (const key of keys) {
      expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30, keyUsage: "ENCRYPT_DECRYPT" });
      expect(key.inputs.bypassPolicyLockoutSafetyCheck).toBeFalsy();
    }
  });

  it("lets CloudWatch Logs use a key only for log groups of the key's own region", () => {
    for (const key of ofType(ev, "aws:kms/key:Key")) {
      const logs = statements(key.inputs.policy).find((s) => s.Sid === "CloudWatchLogs");
      expect(logs.Principal).toEqual({ Service: `logs.${key.region}.amazonaws.com` });
      expect(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).toBe(
        `arn:aws:logs:${key.region}:${MOCK_ACCOUNT_ID}:log-group:*`,
      );
    }
  });
});

describe("KMS for AWS services that publish into encrypted topics and queues", () => {
  // aws:SourceAccount is in the request context only when the calling service sends it (IAM global
  // condition keys); SNS and SQS always send their encryption context. A key policy that waits for
  // aws:SourceAccount from CloudWatch could deny the alarm notification of an incident. What this
  // cannot prove: what each service sends to KMS (the simulator's IAM evaluation models it).
  it.each([REGIONS.primary, REGIONS.secondary])(
    "binds %s's alarm, S3-event, EventBridge and Scheduler grants to the region's own topic and queue, by encryption context",
    (region) => {
      const key = one(ev, "aws:kms/key:Key", (k) => k.region === region);
      const topic = one(ev, "aws:sns/topic:Topic", (t) => t.region === region);
      const deadLetters = one(ev, "aws:sqs/queue:Queue", (q) => q.region === region && q.inputs.name === `async-failures-${region}-dev`);
      expect(topic.inputs.kmsMasterKeyId).toBe(key.state.arn);
      expect(deadLetters.inputs.kmsMasterKeyId).toBe(key.state.arn);
      const services = statements(key.inputs.policy).filter(
        (s) => s.Principal?.Service && !String(s.Principal.Service).startsWith("logs."),
      );
      const toTopic = { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": [topic.state.arn] } };
      expect(services).toEqual([
        expect.objectContaining({
          Sid: "CloudWatchAlarmsToEncryptedTopics",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Condition: toTopic,
        }),
        expect.objectContaining({ Sid: "S3EventsToEncryptedTopics", Principal: { Service: "s3.amazonaws.com" }, Condition: toTopic }),
        expect.objectContaining({
          Sid: "EventBridgeDeadLettersToEncryptedQueues",
          Principal: { Service: "events.amazonaws.com" },
          Condition: { StringEquals: { "kms:EncryptionContext:aws:sqs:arn": [deadLetters.state.arn] } },
        }),
        expect.objectContaining({
          Sid: "SchedulerDeadLettersToEncryptedQueues",
          Principal: { Service: "scheduler.amazonaws.com" },
          Condition: { StringEquals: { "kms:EncryptionContext:aws:sqs:arn": [deadLetters.state.arn] } },
        }),
      ]);
      for (const s of services) expect(s.Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
      expect(JSON.stringify(services)).not.toContain("aws:Source");
    },
  );
});

describe("DynamoDB global tables (strong mode, the default)", () => {
  // [key, name, hash key, whether a function reads its stream]
  const expected = [
    ["payments", "payments-global-dev", "paymentId", true],
    ["idempotency", "payments-idempotency-global-dev", "id", false],
    ["control", "dr-control-global-dev", "pk", false],
  ] as const;

  it.each(expected)(
    "creates the %s table in the primary, multi-Region strongly consistent: a protected STRONG replica in the secondary and the witness in us-west-2",
    (_, name, hashKey) => {
      const table = one(ev, "aws:dynamodb/table:Table", (t) => t.inputs.name === name);
      expect(table.region).toBe(REGIONS.primary);
      expect(table.inputs).toMatchObject({
        billingMode: "PAY_PER_REQUEST",
        hashKey,
        attributes: [{ name: hashKey, type: "S" }],
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        serverSideEncryption: { enabled: true, kmsKeyArn: keyArn(REGIONS.primary) },
        globalTableWitness: { regionName: "us-west-2" },
      });
      expect(table.inputs.replicas).toEqual([
        {
          regionName: REGIONS.secondary,
          pointInTimeRecovery: true,
          deletionProtectionEnabled: true,
          kmsKeyArn: keyArn(REGIONS.secondary),
          propagateTags: true,
          consistencyMode: "STRONG",
        },
      ]);
    },
  );

  // AWS: "Time to Live (TTL) is not supported for MRSC global tables"; "Local secondary indexes
  // (LSIs) are not supported for MRSC global tables" (V2globaltables_HowItWorks). Expired items are
  // swept instead (functions/sweep-expired; its schedule and role: payment-path.test.ts).
  it.each(expected)("gives the %s table no TTL and no local secondary index", (_, name) => {
    const table = one(ev, "aws:dynamodb/table:Table", (t) => t.inputs.name === name);
    expect(table.inputs.ttl).toBeUndefined();
    expect(table.inputs.localSecondaryIndexes).toBeUndefined();
  });

  // MRSC does not replicate through streams, so they are off unless enabled; the payments stream
  // feeds payment-events in both regions, so that table has one (on both replicas: mocks report the
  // replica's stream as the provider reads it in that region).
  it.each(expected)("gives the %s table a NEW_AND_OLD_IMAGES stream exactly when a function reads it", (_, name, _key, read) => {
    const table = one(ev, "aws:dynamodb/table:Table", (t) => t.inputs.name === name);
    if (read) {
      expect(table.inputs).toMatchObject({ streamEnabled: true, streamViewType: "NEW_AND_OLD_IMAGES" });
      expect(table.state.replicas[0].streamArn).toMatch(new RegExp(`^arn:aws:dynamodb:${REGIONS.secondary}:.*:table/${name}/stream/`));
    } else {
      expect(table.inputs.streamEnabled).toBe(false);
      expect(table.inputs.streamViewType).toBeUndefined();
    }
  });

  // What this cannot prove: that Pulumi refuses the replacement (the engine does, for a protected
  // resource); it proves the program asks for it.
  it.each(expected)("protects the %s table and replaces it, never updates it in place, if its mode or witness changes", (_, name) => {
    const table = one(ev, "aws:dynamodb/table:Table", (t) => t.inputs.name === name);
    expect(table.options).toEqual({ protect: true, replaceOnChanges: ["replicas[*].consistencyMode", "globalTableWitness"] });
  });

  it("reads the secondary's payment stream from its own replica and refuses to deploy a replica without one (terraform-provider-aws#48213)", () => {
    const payments = one(ev, "aws:dynamodb/table:Table", (t) => t.inputs.name === "payments-global-dev");
    const mapping = one(
      ev,
      "aws:lambda/eventSourceMapping:EventSourceMapping",
      (m) => m.region === REGIONS.secondary && String(m.inputs.eventSourceArn).includes(":table/"),
    );
    expect(mapping.inputs.eventSourceArn).toBe(payments.state.replicas[0].streamArn);
    expect(replicaStreamArn("payments-global-dev", REGIONS.secondary, payments.state.replicas)).toBe(mapping.inputs.eventSourceArn);
    expect(() => replicaStreamArn("payments-global-dev", REGIONS.secondary, [{ regionName: REGIONS.secondary }])).toThrow(
      new ReplicaStreamMissingError("payments-global-dev", REGIONS.secondary),
    );
    expect(new ReplicaStreamMissingError("payments-global-dev", "us-east-2").message).toContain(
      "aws dynamodb update-table --region us-east-2 --table-name payments-global-dev --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES && pulumi refresh && pulumi up",
    );
    expect(() => replicaStreamArn("payments-global-dev", REGIONS.secondary, undefined)).toThrow(/hashicorp\/terraform-provider-aws#48213/);
  });

  it("publishes the mode and the witness for operators and functions: SSM, the stack output, DATA_CONSISTENCY", () => {
    expect(ev.outputs.dataConsistency).toEqual({ mode: "strong", witnessRegion: "us-west-2" });
    for (const region of [REGIONS.primary, REGIONS.secondary]) {
      const param = (n: string) =>
        one(ev, "aws:ssm/parameter:Parameter", (p) => p.region === region && p.inputs.name === `/payments-dr/dev/${n}`);
      expect(param("tables/consistency").inputs.value).toBe("strong");
      expect(param("tables/witness-region").inputs.value).toBe("us-west-2");
    }
    const declaring = ofType(ev, "aws:lambda/function:Function").filter((f) => "DATA_CONSISTENCY" in f.inputs.environment.variables);
    expect(declaring.length).toBeGreaterThan(0);
    for (const f of declaring) expect(f.inputs.environment.variables.DATA_CONSISTENCY).toBe("strong");
  });

  // MRSC tables "do not support transaction operations, and will return an error if those operations
  // are invoked on an MRSC replica" (V2globaltables_HowItWorks). IAM cannot refuse them (a transaction
  // is authorized by its items' actions), so the code that ships is searched instead.
  it("sends no DynamoDB transaction from any code the stack deploys", () => {
    const sources = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
      );
    const files = ["functions", "runbooks", "lib"].flatMap(sources);
    expect(files.length).toBeGreaterThan(20);
    const transactional = files.filter((f) => /\bTransact(Write|Get)(Items)?(Command)?\b/.test(readFileSync(join(ROOT, f), "utf8")));
    expect(transactional).toEqual([]);
  });

  it("creates nothing in the witness region: AWS owns the witness", () => {
    expect(ev.resources.filter((r) => r.region === "us-west-2").map((r) => `${r.type} ${r.name}`)).toEqual([]);
  });

  it("seeds the control table with ONE authority item: the primary ACTIVE and the secondary STANDBY at epoch 0", () => {
    const seeds = ofType(ev, "aws:dynamodb/tableItem:TableItem");
    expect(seeds).toHaveLength(1);
    const [seed] = seeds;
    const control = one(ev, "aws:dynamodb/table:Table", (t) => t.inputs.name === "dr-control-global-dev");
    expect(seed.region).toBe(REGIONS.primary);
    expect(seed.inputs).toMatchObject({ tableName: control.inputs.name, hashKey: CONTROL_TABLE_HASH_KEY });
    // DynamoDB JSON, as the TableItem resource takes it: the epoch a number, the states a map.
    const raw = JSON.parse(seed.inputs.item);
    expect(raw.pk).toEqual({ S: controlKeys.authority() });
    expect(raw.epoch).toEqual({ N: "0" });
    expect(raw.states).toEqual({ M: { [REGIONS.primary]: { S: "ACTIVE" }, [REGIONS.secondary]: { S: "STANDBY" } } });
    // What the handlers read back (ControlTable.getAuthority parses with the same schema).
    const authority = authoritySchema.parse(unmarshall(raw));
    expect(authority).toEqual({
      pk: "authority",
      epoch: 0,
      states: { [REGIONS.primary]: "ACTIVE", [REGIONS.secondary]: "STANDBY" },
      changedAt: { [REGIONS.primary]: authority.updatedAt, [REGIONS.secondary]: authority.updatedAt },
      updatedAt: authority.updatedAt,
      reason: "initial state written at deployment",
      executionId: "deployment",
    });
    expect(writerOf(authority)).toBe(REGIONS.primary);
    // After the first deploy the runbooks own the item: `pulumi up` must never undo a failover.
    expect(seed.options).toEqual({ ignoreChanges: ["item"] });
  });
});

describe("AWS Backup", () => {
  // Restores make new single-Region tables (a restored MRSC table cannot become MRSC again: copy
  // it into a new one); the plan is the same in both modes (table-backups.ts).
  it("backs up all three tables daily and copies each recovery point to a vault in the secondary", () => {
    const plan = one(ev, "aws:backup/plan:Plan", () => true);
    expect(plan.region).toBe(REGIONS.primary);
    const [rule] = plan.inputs.rules;
    const secondaryVault = one(ev, "aws:backup/vault:Vault", (v) => v.region === REGIONS.secondary);
    expect(rule.copyActions).toEqual([{ destinationVaultArn: secondaryVault.state.arn, lifecycle: { deleteAfter: 35 } }]);
    expect(regionOfArn(rule.copyActions[0].destinationVaultArn)).toBe(REGIONS.secondary);
    const selection = one(ev, "aws:backup/selection:Selection", () => true);
    expect(selection.inputs.resources.sort()).toEqual(
      ofType(ev, "aws:dynamodb/table:Table")
        .map((t) => t.state.arn)
        .sort(),
    );
  });

  it("encrypts each vault with its own region's key", () => {
    for (const vault of ofType(ev, "aws:backup/vault:Vault")) expect(vault.inputs.kmsKeyArn).toBe(keyArn(vault.region!));
  });
});

describe("S3", () => {
  const buckets = () => ofType(ev, "aws:s3/bucket:Bucket");
  const forBucket = (type: string, bucket: string) => one(ev, type, (r) => r.inputs.bucket === bucket);

  it("has a transaction-log, log-archive, evidence and access-log bucket in each region", () => {
    expect(
      buckets()
        .map((b) => b.inputs.bucket)
        .sort(),
    ).toEqual([
      `dr-evidence-us-east-1-dev-${MOCK_ACCOUNT_ID}`,
      `dr-evidence-us-east-2-dev-${MOCK_ACCOUNT_ID}`,
      `log-archive-us-east-1-dev-${MOCK_ACCOUNT_ID}`,
      `log-archive-us-east-2-dev-${MOCK_ACCOUNT_ID}`,
      `s3-access-logs-us-east-1-dev-${MOCK_ACCOUNT_ID}`,
      `s3-access-logs-us-east-2-dev-${MOCK_ACCOUNT_ID}`,
      `txlog-us-east-1-dev-${MOCK_ACCOUNT_ID}`,
      `txlog-us-east-2-dev-${MOCK_ACCOUNT_ID}`,
    ]);
  });

  it("versions, blocks public access to, disables ACLs on and lifecycles every bucket", () => {
    for (const { inputs } of buckets()) {
      expect(forBucket("aws:s3/bucketVersioning:BucketVersioning", inputs.bucket).inputs.versioningConfiguration).toEqual({
        status: "Enabled",
      });
      expect(forBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", inputs.bucket).inputs).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(forBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls", inputs.bucket).inputs.rule).toEqual({
        objectOwnership: "BucketOwnerEnforced",
      });
      const [rule] = forBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", inputs.bucket).inputs.rules;
      expect(rule).toMatchObject({ status: "Enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } });
      expect(rule.noncurrentVersionExpiration.noncurrentDays).toBeGreaterThan(0);
    }
  });

  it("blocks public access for the whole account, once", () => {
    // Kept on `pulumi destroy` (retainOnDelete) is a resource option the mocks do not receive;
    // it is covered by reading infra/stack/payments-dr.ts, not by this test.
    const [block, ...others] = ofType(ev, "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock");
    expect(others).toEqual([]);
    expect(block.inputs).toEqual({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
  });

  it("denies every non-TLS request to every bucket", () => {
    for (const { inputs, state } of buckets()) {
      const deny = statements(forBucket("aws:s3/bucketPolicy:BucketPolicy", inputs.bucket).inputs.policy).find(
        (s) => s.Sid === "DenyInsecureTransport",
      );
      expect(deny).toEqual({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [state.arn, `${state.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    }
  });

  it("encrypts data buckets with the region's key (bucket key on) and access-log buckets with SSE-S3, which is all log delivery supports", () => {
    for (const bucket of buckets()) {
      const [rule] = forBucket(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        bucket.inputs.bucket,
      ).inputs.rules;
      if (bucket.inputs.bucket.startsWith("s3-access-logs-")) {
        expect(rule.applyServerSideEncryptionByDefault).toEqual({ sseAlgorithm: "AES256" });
      } else {
        expect(rule).toEqual({
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn(bucket.region!) },
          bucketKeyEnabled: true,
        });
      }
    }
  });

  it("logs access to every data bucket into the same region's access-log bucket", () => {
    for (const bucket of buckets().filter((b) => !b.inputs.bucket.startsWith("s3-access-logs-"))) {
      const logging = forBucket("aws:s3/bucketLogging:BucketLogging", bucket.inputs.bucket);
      expect(logging.inputs.targetBucket).toBe(`s3-access-logs-${bucket.region}-dev-${MOCK_ACCOUNT_ID}`);
    }
  });

  it.each([
    [REGIONS.primary, REGIONS.secondary, "primary-to-secondary"],
    [REGIONS.secondary, REGIONS.primary, "secondary-to-primary-failback"],
  ])("replicates the %s transaction log to %s with Replication Time Control and metrics at 15 minutes", (from, to, id) => {
    const config = one(ev, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", (r) => r.region === from);
    expect(config.inputs.bucket).toBe(`txlog-${from}-dev-${MOCK_ACCOUNT_ID}`);
    expect(config.inputs.rules).toEqual([
      {
        id,
        status: "Enabled",
        priority: 1,
        filter: { prefix: "" },
        deleteMarkerReplication: { status: "Disabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: {
          bucket: `arn:aws:s3:::txlog-${to}-dev-${MOCK_ACCOUNT_ID}`,
          storageClass: "STANDARD",
          encryptionConfiguration: { replicaKmsKeyId: keyArn(to) },
          replicationTime: { status: "Enabled", time: { minutes: 15 } },
          metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
        },
      },
    ]);
  });

  it("scopes the replication role to the two transaction-log buckets and their keys", () => {
    const role = one(ev, "aws:iam/role:Role", (r) => r.inputs.name === "txlog-replication-global-dev");
    const [trust] = statements(role.inputs.assumeRolePolicy);
    expect(trust.Principal).toEqual({ Service: "s3.amazonaws.com" });
    expect(trust.Condition.StringEquals["aws:SourceAccount"]).toBe(MOCK_ACCOUNT_ID);
    const policy = one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === "txlog-replication-global-dev");
    const resources = statements(policy.inputs.policy).flatMap((s) => asArray(s.Resource));
    const allowed = [
      `arn:aws:s3:::txlog-us-east-1-dev-${MOCK_ACCOUNT_ID}`,
      `arn:aws:s3:::txlog-us-east-2-dev-${MOCK_ACCOUNT_ID}`,
      `arn:aws:s3:::txlog-us-east-1-dev-${MOCK_ACCOUNT_ID}/*`,
      `arn:aws:s3:::txlog-us-east-2-dev-${MOCK_ACCOUNT_ID}/*`,
      keyArn(REGIONS.primary),
      keyArn(REGIONS.secondary),
    ];
    for (const resource of resources) expect(allowed).toContain(resource);
    expect(
      statements(policy.inputs.policy)
        .flatMap((s) => asArray(s.Action))
        .sort(),
    ).toEqual(
      [
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionTagging",
        "s3:GetReplicationConfiguration",
        "s3:ListBucket",
        "s3:ReplicateObject",
        "s3:ReplicateTags",
      ].sort(),
    );
  });

  it("sends replication failures and missed RTC thresholds to the region's alert topic", () => {
    for (const region of [REGIONS.primary, REGIONS.secondary]) {
      const notification = one(ev, "aws:s3/bucketNotification:BucketNotification", (n) => n.region === region);
      const topic = one(ev, "aws:sns/topic:Topic", (t) => t.region === region);
      expect(notification.inputs.topics).toEqual([
        { topicArn: topic.state.arn, events: ["s3:Replication:OperationFailedReplication", "s3:Replication:OperationMissedThreshold"] },
      ]);
    }
  });

  // S3 sends a test event to the destination when the notification is configured and refuses the
  // configuration if it cannot publish (PutBucketNotificationConfiguration API). What this cannot
  // prove: that AWS accepts the policy; it proves the order `pulumi up` creates them in.
  it.each([REGIONS.primary, REGIONS.secondary])(
    "configures %s's replication notifications only after the topic policy that lets this bucket's S3 events publish",
    (region) => {
      const notification = one(ev, "aws:s3/bucketNotification:BucketNotification", (n) => n.region === region);
      const topic = one(ev, "aws:sns/topic:Topic", (t) => t.region === region);
      const policy = one(ev, "aws:sns/topicPolicy:TopicPolicy", (p) => p.region === region && p.inputs.arn === topic.state.arn);
      expect(notification.dependencies).toContain(policy.urn);
      const s3 = statements(policy.inputs.policy).find((s) => s.Principal?.Service === "s3.amazonaws.com");
      expect(s3).toMatchObject({
        Effect: "Allow",
        Action: "sns:Publish",
        Resource: topic.state.arn,
        Condition: { ArnLike: { "aws:SourceArn": [`arn:aws:s3:::${notification.inputs.bucket}`] } },
      });
    },
  );
});

describe("SNS and SQS", () => {
  it.each([REGIONS.primary, REGIONS.secondary])("encrypts the %s alert topic with its own key", (region) => {
    const topic = one(ev, "aws:sns/topic:Topic", (t) => t.region === region);
    expect(topic.inputs).toMatchObject({ name: `dr-alerts-${region}-dev`, kmsMasterKeyId: keyArn(region) });
  });

  it.each([REGIONS.primary, REGIONS.secondary])("gives %s a processing queue with a longer-lived, same-region DLQ", (region) => {
    const queue = one(ev, "aws:sqs/queue:Queue", (q) => q.inputs.name === `payments-processing-${region}-dev`);
    const dlq = one(ev, "aws:sqs/queue:Queue", (q) => q.inputs.name === `payments-processing-dlq-${region}-dev`);
    expect(queue.region).toBe(region);
    expect(dlq.region).toBe(region);
    for (const q of [queue, dlq]) expect(q.inputs.kmsMasterKeyId).toBe(keyArn(region));
    expect(JSON.parse(queue.inputs.redrivePolicy)).toEqual({ deadLetterTargetArn: dlq.state.arn, maxReceiveCount: 5 });
    expect(dlq.inputs.messageRetentionSeconds).toBe(1209600);
    expect(dlq.inputs.messageRetentionSeconds).toBeGreaterThan(queue.inputs.messageRetentionSeconds);
    expect(queue.inputs.visibilityTimeoutSeconds).toBe(180); // 6 x the 30 s processor timeout
  });
});

describe("SSM parameters", () => {
  const names = (region: string) =>
    ofType(ev, "aws:ssm/parameter:Parameter", region)
      .map((p) => p.inputs.name)
      .sort();

  it("uses the same names in both regions", () => {
    expect(names(REGIONS.primary)).toEqual(names(REGIONS.secondary));
    expect(names(REGIONS.primary)).toEqual(
      expect.arrayContaining([
        "/payments-dr/dev/region",
        "/payments-dr/dev/peer-region",
        "/payments-dr/dev/tables/payments",
        "/payments-dr/dev/tables/control",
        "/payments-dr/dev/buckets/transaction-log",
        "/payments-dr/dev/topics/alerts",
        "/payments-dr/dev/queues/processing",
        "/payments-dr/dev/queues/processing-dlq",
      ]),
    );
  });

  it.each([
    [REGIONS.primary, REGIONS.secondary],
    [REGIONS.secondary, REGIONS.primary],
  ])("holds only %s's own endpoints in %s's parameters", (region, peer) => {
    const value = (n: string) =>
      one(ev, "aws:ssm/parameter:Parameter", (p) => p.region === region && p.inputs.name === `/payments-dr/dev/${n}`).inputs.value;
    expect(value("region")).toBe(region);
    expect(value("peer-region")).toBe(peer);
    expect(value("queues/processing")).toBe(`https://sqs.${region}.amazonaws.com/${MOCK_ACCOUNT_ID}/payments-processing-${region}-dev`);
    expect(regionOfArn(value("topics/alerts"))).toBe(region);
    expect(value("buckets/transaction-log")).toBe(`txlog-${region}-dev-${MOCK_ACCOUNT_ID}`);
    expect(JSON.parse(value("objectives"))).toEqual({ rpoSeconds: 60, rtoSeconds: 300 });
  });
});

describe("CloudWatch Logs", () => {
  it("creates every log group explicitly with the configured retention and its region's key", () => {
    const groups = ofType(ev, "aws:cloudwatch/logGroup:LogGroup");
    expect(groups.length).toBeGreaterThanOrEqual(2);
    for (const group of groups) {
      expect(group.inputs.retentionInDays).toBe(365);
      expect(group.inputs.kmsKeyId).toBe(keyArn(group.region!));
    }
  });

  it("ships every log group to a destination in its own region that delivers into the other region", () => {
    for (const group of ofType(ev, "aws:cloudwatch/logGroup:LogGroup")) {
      const filter = one(ev, "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter", (f) => f.inputs.logGroup === group.inputs.name);
      expect(filter.region).toBe(group.region);
      expect(regionOfArn(filter.inputs.destinationArn)).toBe(group.region);
      const destination = one(ev, "aws:cloudwatch/logDestination:LogDestination", (d) => d.state.arn === filter.inputs.destinationArn);
      const peer = group.region === REGIONS.primary ? REGIONS.secondary : REGIONS.primary;
      expect(regionOfArn(destination.inputs.targetArn)).toBe(peer);
      const firehose = one(
        ev,
        "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
        (f) => f.state.arn === destination.inputs.targetArn,
      );
      expect(firehose.inputs.extendedS3Configuration.bucketArn).toBe(`arn:aws:s3:::log-archive-${peer}-dev-${MOCK_ACCOUNT_ID}`);
      expect(firehose.inputs.serverSideEncryption).toEqual({ enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: keyArn(peer) });
    }
  });

  it("lets only this account subscribe to a logs destination", () => {
    for (const policy of ofType(ev, "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy")) {
      expect(statements(policy.inputs.accessPolicy)).toEqual([
        {
          Effect: "Allow",
          Principal: { AWS: MOCK_ACCOUNT_ID },
          Action: "logs:PutSubscriptionFilter",
          Resource: expect.stringMatching(`^arn:aws:logs:${policy.region}:`),
        },
      ]);
    }
  });
});

describe("Network", () => {
  it.each([REGIONS.primary, REGIONS.secondary])(
    "names %s's VPC, subnets, route table and endpoints with a Name tag like every other name",
    (region) => {
      const named = (type: string) => ofType(ev, type, region).map((r) => r.inputs.tags?.Name);
      expect(named("aws:ec2/vpc:Vpc")).toEqual([`payments-vpc-${region}-dev`]);
      expect(named("aws:ec2/subnet:Subnet").sort()).toEqual([1, 2, 3].map((i) => `private-${i}-${region}-dev`));
      expect(named("aws:ec2/routeTable:RouteTable")).toEqual([`private-routes-${region}-dev`]);
      const endpoints = named("aws:ec2/vpcEndpoint:VpcEndpoint");
      expect(endpoints).toHaveLength(10);
      for (const name of endpoints) expect(name).toMatch(new RegExp(`^[a-z0-9]+-endpoint-${region}-dev$`));
    },
  );

  it.each([REGIONS.primary, REGIONS.secondary])("gives %s three private subnets in distinct AZs and no route to the internet", (region) => {
    const subnets = ofType(ev, "aws:ec2/subnet:Subnet", region);
    expect(subnets).toHaveLength(3);
    expect(new Set(subnets.map((s) => s.inputs.availabilityZone)).size).toBe(3);
    for (const subnet of subnets) expect(subnet.inputs.mapPublicIpOnLaunch).toBe(false);
    for (const type of [
      "aws:ec2/internetGateway:InternetGateway",
      "aws:ec2/natGateway:NatGateway",
      "aws:ec2/eip:Eip",
      "aws:ec2/route:Route",
    ]) {
      expect(ofType(ev, type)).toEqual([]);
    }
  });

  it.each([REGIONS.primary, REGIONS.secondary])("reaches AWS services from %s through endpoints only", (region) => {
    const endpoints = ofType(ev, "aws:ec2/vpcEndpoint:VpcEndpoint", region);
    const gateway = endpoints
      .filter((e) => e.inputs.vpcEndpointType === "Gateway")
      .map((e) => e.inputs.serviceName)
      .sort();
    expect(gateway).toEqual([`com.amazonaws.${region}.dynamodb`, `com.amazonaws.${region}.s3`]);
    const iface = endpoints.filter((e) => e.inputs.vpcEndpointType === "Interface");
    expect(iface.map((e) => e.inputs.serviceName.split(".").pop()).sort()).toEqual([
      "kms",
      "logs",
      "monitoring",
      "sns",
      "sqs",
      "ssm",
      "sts",
      "xray",
    ]);
    for (const endpoint of iface) {
      expect(endpoint.inputs.privateDnsEnabled).toBe(true);
      expect(endpoint.inputs.subnetIds).toHaveLength(3);
    }
  });

  // Without a policy an endpoint allows full access to its service (PrivateLink guide, endpoint
  // policies): through the S3 gateway endpoint a payment function could write to any bucket of any
  // account. What this cannot prove: that AWS evaluates aws:ResourceAccount as documented.
  it.each([REGIONS.primary, REGIONS.secondary])(
    "lets only this account's principals through %s's endpoints, to this account's resources, for actions the stack grants",
    (region) => {
      const root = `arn:aws:iam::${MOCK_ACCOUNT_ID}:root`;
      for (const endpoint of ofType(ev, "aws:ec2/vpcEndpoint:VpcEndpoint", region)) {
        const service = endpoint.inputs.serviceName.split(".").pop();
        const prefix = service === "monitoring" ? "cloudwatch" : service;
        expect({ service, policy: typeof endpoint.inputs.policy }).toEqual({ service, policy: "string" });
        const allows = statements(endpoint.inputs.policy);
        expect(allows.length).toBeGreaterThan(0);
        // A gateway endpoint reads an account principal as the root user only: "*" bound by condition there.
        const principal = endpoint.inputs.vpcEndpointType === "Gateway" ? "*" : { AWS: root };
        for (const s of allows) {
          expect({ service, effect: s.Effect, principal: s.Principal, account: s.Condition.StringEquals["aws:PrincipalAccount"] }).toEqual({
            service,
            effect: "Allow",
            principal,
            account: MOCK_ACCOUNT_ID,
          });
          for (const action of asArray<string>(s.Action)) {
            expect({ service, action, ok: action.startsWith(`${prefix}:`) && !action.endsWith(":*") }).toEqual({
              service,
              action,
              ok: true,
            });
          }
        }
        // Every action that names a resource is bound to this account's resources.
        const scoped = allows.filter((s) => s.Sid === "ThisAccountOnThisAccountsResources");
        for (const s of scoped) expect(s.Condition.StringEquals["aws:ResourceAccount"]).toBe(MOCK_ACCOUNT_ID);
      }
      const s3 = one(ev, "aws:ec2/vpcEndpoint:VpcEndpoint", (e) => e.inputs.serviceName === `com.amazonaws.${region}.s3`);
      expect(statements(s3.inputs.policy)).toEqual([
        {
          Sid: "ThisAccountOnThisAccountsResources",
          Effect: "Allow",
          Principal: "*",
          Action: ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalAccount": MOCK_ACCOUNT_ID, "aws:ResourceAccount": MOCK_ACCOUNT_ID } },
        },
      ]);
    },
  );

  it("allows function traffic only to the endpoints, on 443", () => {
    for (const rule of [
      ...ofType(ev, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
      ...ofType(ev, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
    ]) {
      expect(rule.inputs).toMatchObject({ ipProtocol: "tcp", fromPort: 443, toPort: 443 });
      expect(rule.inputs.cidrIpv4).toBeUndefined();
      expect(rule.inputs.referencedSecurityGroupId ?? rule.inputs.prefixListId).toBeDefined();
    }
  });

  it("locks the default security group and logs all VPC traffic", () => {
    for (const sg of ofType(ev, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"))
      expect(sg.inputs).toMatchObject({ ingress: [], egress: [] });
    expect(
      ofType(ev, "aws:ec2/flowLog:FlowLog")
        .map((f) => [f.region, f.inputs.trafficType])
        .sort(),
    ).toEqual([
      [REGIONS.primary, "ALL"],
      [REGIONS.secondary, "ALL"],
    ]);
  });
});
