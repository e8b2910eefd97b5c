/**
 * Reading and writing the replication heartbeats of the data tables (lib/replication-heartbeat.ts
 * says what they are and why their keys can never be a payment's). The canary writes this region's
 * into the LOCAL replica of each table; CheckReplication reads the peer's from the local replica.
 * The IAM the stack grants for this reaches these keys only (infra/core/lambda-permissions.ts,
 * `replication-heartbeats:*`, a dynamodb:LeadingKeys condition).
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { IDEMPOTENCY_HASH_KEY } from "../../functions/sweep-expired/expiry";
import {
  HANDOVER_SENTINEL_KIND,
  type HandoverSentinel,
  handoverSentinelKey,
  handoverSentinelSchema,
  type HeartbeatDataTable,
  REPLICATION_HEARTBEAT_KIND,
  type ReplicationHeartbeat,
  replicationHeartbeatKey,
  replicationHeartbeatSchema,
} from "../../lib/replication-heartbeat";
import { describeIssues, formatProblems } from "../../lib/validation";

/** Each data table's hash key (infra/core/tables.ts, TABLES). */
const HASH_KEYS: Record<HeartbeatDataTable, string> = { payments: "paymentId", idempotency: IDEMPOTENCY_HASH_KEY };

export class ReplicationHeartbeatInvalidError extends Error {
  constructor(table: string, key: string, detail: string) {
    super(`The ${table} table's item ${key} is not a replication heartbeat: ${detail}`);
    this.name = "ReplicationHeartbeatInvalidError";
  }
}

export class ReplicationHeartbeats {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableNames: Record<HeartbeatDataTable, string>,
    // Read the clock at call time: a virtual clock installed after construction still applies.
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Overwrites `region`'s heartbeat in `table` (one item per region per table). */
  async write(table: HeartbeatDataTable, region: string, sequence: number): Promise<ReplicationHeartbeat> {
    const heartbeat: ReplicationHeartbeat = { kind: REPLICATION_HEARTBEAT_KIND, region, writtenAt: this.now(), sequence };
    await this.doc.send(
      new PutCommand({
        TableName: this.tableNames[table],
        Item: { [HASH_KEYS[table]]: replicationHeartbeatKey(region), ...heartbeat },
      }),
    );
    return heartbeat;
  }

  /** `region`'s heartbeat in this region's replica of `table`, undefined when there is none. */
  async get(
    table: HeartbeatDataTable,
    region: string,
    options: { consistentRead?: boolean } = {},
  ): Promise<ReplicationHeartbeat | undefined> {
    const key = replicationHeartbeatKey(region);
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableNames[table], Key: { [HASH_KEYS[table]]: key }, ConsistentRead: options.consistentRead }),
    );
    if (!out.Item) return undefined;
    const parsed = replicationHeartbeatSchema.safeParse(out.Item);
    if (!parsed.success) throw new ReplicationHeartbeatInvalidError(table, key, formatProblems(describeIssues(parsed.error.issues)));
    return parsed.data;
  }

  /**
   * Writes the failback's sentinel of run `runId` for `region` into `table` (through whichever
   * replica this client's endpoint is: the failback writes it through the secondary's).
   */
  async writeSentinel(table: HeartbeatDataTable, region: string, runId: string, writtenAt: number): Promise<HandoverSentinel> {
    const sentinel: HandoverSentinel = { kind: HANDOVER_SENTINEL_KIND, region, runId, writtenAt };
    await this.doc.send(
      new PutCommand({ TableName: this.tableNames[table], Item: { [HASH_KEYS[table]]: handoverSentinelKey(region), ...sentinel } }),
    );
    return sentinel;
  }

  /** `region`'s sentinel in this region's replica of `table` (whichever run wrote it last), undefined when there is none. */
  async getSentinel(
    table: HeartbeatDataTable,
    region: string,
    options: { consistentRead?: boolean } = {},
  ): Promise<HandoverSentinel | undefined> {
    const key = handoverSentinelKey(region);
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableNames[table], Key: { [HASH_KEYS[table]]: key }, ConsistentRead: options.consistentRead }),
    );
    if (!out.Item) return undefined;
    const parsed = handoverSentinelSchema.safeParse(out.Item);
    if (!parsed.success) throw new ReplicationHeartbeatInvalidError(table, key, formatProblems(describeIssues(parsed.error.issues)));
    return parsed.data;
  }
}
