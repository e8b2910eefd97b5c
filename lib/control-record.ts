/**
 * The DR control table: the one module that knows its items.
 *
 * The control table is a DynamoDB global table (replica in each region). It holds:
 * - `region#<region>`            the region-state record: ACTIVE | STANDBY | FENCED | DRAINED, with an epoch
 * - `heartbeat#<region>`         written by that region's canary; its age as seen in the *other* region
 *                                bounds how far replication is behind (the RPO exposure)
 * - `probe#<observer>#<target>`  the observer's last successful / last attempted probe of the target
 * - `lease`                      one runbook execution at a time (conditional write, expiry-based)
 * - `auto#<region>`              the last automatic execution in a region (anti-flap interval)
 * - `sentinel#<id>`              written after fencing during failback; its arrival proves replication
 * - `approval#<execution>`       the task token an execution waits on when it needs a human
 *
 * Payment handlers read the region record through {@link RegionStateCache}; runbooks use
 * {@link ControlTable}. Nothing else reads or writes these items (DESIGN.md).
 *
 * Consistency: every call goes to the *local* replica. Conditional writes are atomic within a
 * region only; across regions the table is last-writer-wins with ~1 s replication. The runbooks
 * are built around that: a runbook always runs in the region it activates, and fencing does not
 * depend on the fenced region receiving the write (see docs/architecture.md).
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  approvalSchema,
  automaticRunSchema,
  controlKeys,
  EpochConflictError,
  heartbeatSchema,
  leaseSchema,
  parseControlItem,
  probeSchema,
  regionRecordSchema,
  sentinelSchema,
  LeaseHeldError,
  type Approval,
  type AutomaticRun,
  type Heartbeat,
  type Lease,
  type ProbeRecord,
  type RegionRecord,
  type RegionState,
  type RunbookMode,
  type Sentinel,
} from "./control-schema";

export * from "./control-schema";

export interface ReadOptions {
  /** Strongly consistent read of the local replica (never crosses regions). */
  consistentRead?: boolean;
}

export interface TransitionRequest {
  region: string;
  state: RegionState;
  reason: string;
  executionId: string;
  /** The epoch read before deciding; the write fails with EpochConflictError if it moved. `null` = must not exist. */
  expectedEpoch: number | null;
  /** The epoch to store. Promotions move it forward; other transitions may keep it. */
  epoch: number;
}

export class ControlTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
    // Read the clock at call time: a virtual clock installed after construction still applies.
    private readonly now: () => number = () => Date.now(),
  ) {}

  private async get(key: string, options: ReadOptions = {}) {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: key }, ConsistentRead: options.consistentRead }),
    );
    return out.Item;
  }

  async getRegion(region: string, options?: ReadOptions): Promise<RegionRecord | undefined> {
    const key = controlKeys.region(region);
    return parseControlItem(regionRecordSchema, key, await this.get(key, options));
  }

  /** Conditional on the epoch read before the decision (optimistic concurrency within the region). */
  async transitionRegion(request: TransitionRequest): Promise<RegionRecord> {
    const record: RegionRecord = {
      pk: controlKeys.region(request.region),
      region: request.region,
      state: request.state,
      epoch: request.epoch,
      updatedAt: new Date(this.now()).toISOString(),
      reason: request.reason.slice(0, 1000),
      executionId: request.executionId,
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ...(request.expectedEpoch === null
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : {
                ConditionExpression: "epoch = :expected",
                ExpressionAttributeValues: { ":expected": request.expectedEpoch },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new EpochConflictError(request.region, request.expectedEpoch);
      }
      throw error;
    }
    return record;
  }

  async writeHeartbeat(region: string, sequence: number): Promise<Heartbeat> {
    const item: Heartbeat = { pk: controlKeys.heartbeat(region), region, writtenAt: this.now(), sequence };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return item;
  }

  async getHeartbeat(region: string, options?: ReadOptions): Promise<Heartbeat | undefined> {
    const key = controlKeys.heartbeat(region);
    return parseControlItem(heartbeatSchema, key, await this.get(key, options));
  }

  /** Records one probe result of `target` as seen from `observer`. */
  async recordProbe(observer: string, target: string, healthy: boolean, status: number): Promise<void> {
    const now = this.now();
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: controlKeys.probe(observer, target) },
        UpdateExpression: healthy
          ? "SET observer = :o, target = :t, lastCheckedAt = :now, lastStatus = :s, lastHealthyAt = :now, consecutiveFailures = :zero REMOVE firstFailedAt"
          : "SET observer = :o, target = :t, lastCheckedAt = :now, lastStatus = :s, consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one, firstFailedAt = if_not_exists(firstFailedAt, :now)",
        ExpressionAttributeValues: {
          ":o": observer,
          ":t": target,
          ":now": now,
          ":s": status,
          ":zero": 0,
          ...(healthy ? {} : { ":one": 1 }),
        },
      }),
    );
  }

  async getProbe(observer: string, target: string, options?: ReadOptions): Promise<ProbeRecord | undefined> {
    const key = controlKeys.probe(observer, target);
    return parseControlItem(probeSchema, key, await this.get(key, options));
  }

  async getLease(options?: ReadOptions): Promise<Lease | undefined> {
    const key = controlKeys.lease();
    return parseControlItem(leaseSchema, key, await this.get(key, options));
  }

  /**
   * Takes the single DR lease shared by every mode and both regions. Succeeds when there is no
   * lease, it has expired, or the caller already holds it (so a retried step is harmless).
   */
  async acquireLease(request: { holder: string; mode: RunbookMode; region: string; ttlSeconds: number }): Promise<Lease> {
    const now = this.now();
    const lease: Lease = {
      pk: controlKeys.lease(),
      holder: request.holder,
      mode: request.mode,
      region: request.region,
      acquiredAt: now,
      expiresAt: Math.ceil(now / 1000) + request.ttlSeconds,
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: lease,
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :nowSeconds OR holder = :holder",
          ExpressionAttributeValues: { ":nowSeconds": Math.floor(now / 1000), ":holder": request.holder },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new LeaseHeldError(await this.getLease({ consistentRead: true }).catch(() => undefined));
      }
      throw error;
    }
    return lease;
  }

  /** Releases the lease if `holder` has it. Returns false (and changes nothing) otherwise. */
  async releaseLease(holder: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: controlKeys.lease() },
          ConditionExpression: "holder = :holder",
          ExpressionAttributeValues: { ":holder": holder },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async recordAutomaticRun(region: string, executionName: string): Promise<AutomaticRun> {
    const item: AutomaticRun = { pk: controlKeys.automaticRun(region), region, executionName, startedAt: this.now() };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return item;
  }

  async getLastAutomaticRun(region: string, options?: ReadOptions): Promise<AutomaticRun | undefined> {
    const key = controlKeys.automaticRun(region);
    return parseControlItem(automaticRunSchema, key, await this.get(key, options));
  }

  async writeSentinel(id: string, region: string, ttlSeconds = 86400): Promise<Sentinel> {
    const now = this.now();
    const item: Sentinel = {
      pk: controlKeys.sentinel(id),
      id,
      region,
      writtenAt: now,
      expiresAt: Math.ceil(now / 1000) + ttlSeconds,
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return item;
  }

  async getSentinel(id: string, options?: ReadOptions): Promise<Sentinel | undefined> {
    const key = controlKeys.sentinel(id);
    return parseControlItem(sentinelSchema, key, await this.get(key, options));
  }

  async storeApproval(executionName: string, taskToken: string, summary: string, ttlSeconds: number): Promise<Approval> {
    const now = this.now();
    const item: Approval = {
      pk: controlKeys.approval(executionName),
      executionName,
      taskToken,
      requestedAt: now,
      summary,
      expiresAt: Math.ceil(now / 1000) + ttlSeconds,
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return item;
  }

  async getApproval(executionName: string, options?: ReadOptions): Promise<Approval | undefined> {
    const key = controlKeys.approval(executionName);
    return parseControlItem(approvalSchema, key, await this.get(key, options));
  }

  async deleteApproval(executionName: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: controlKeys.approval(executionName) } }));
  }
}

/**
 * The local region's record, cached for a few seconds so the payment path does not read the
 * control table on every request, yet a fence takes effect within `ttlMs`.
 * Failed reads are not cached: the caller decides (payment writes fail closed).
 */
export class RegionStateCache {
  private cached: { record: RegionRecord | undefined; readAt: number } | undefined;
  private inflight: Promise<RegionRecord | undefined> | undefined;

  constructor(
    private readonly table: ControlTable,
    private readonly region: string,
    private readonly ttlMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async get(): Promise<RegionRecord | undefined> {
    if (this.cached && this.now() - this.cached.readAt < this.ttlMs) return this.cached.record;
    // One read at a time per container, however many requests arrive at once.
    this.inflight ??= this.table
      .getRegion(this.region)
      .then((record) => {
        this.cached = { record, readAt: this.now() };
        return record;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /** For tests and for handlers that must see a fresh value (deep health). */
  invalidate(): void {
    this.cached = undefined;
  }
}
