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
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import * as z from "./zod";
import { formatProblems, describeIssues } from "./validation";

export const CONTROL_TABLE_HASH_KEY = "pk";
/** TTL attribute (epoch seconds). TTL deletion is lazy (up to days), so code always compares expiry itself. */
export const CONTROL_TABLE_TTL_ATTRIBUTE = "expiresAt";

export const REGION_STATES = ["ACTIVE", "STANDBY", "FENCED", "DRAINED"] as const;
export type RegionState = (typeof REGION_STATES)[number];

export const RUNBOOK_MODES = ["failover", "failback", "drill", "dry-run"] as const;
export type RunbookMode = (typeof RUNBOOK_MODES)[number];

export const controlKeys = {
  region: (region: string) => `region#${region}`,
  heartbeat: (region: string) => `heartbeat#${region}`,
  probe: (observer: string, target: string) => `probe#${observer}#${target}`,
  lease: () => "lease",
  automaticRun: (region: string) => `auto#${region}`,
  sentinel: (id: string) => `sentinel#${id}`,
  approval: (executionName: string) => `approval#${executionName}`,
};

const isoTime = z.string().check(z.iso.datetime());
const epochMillis = z.number().check(z.int(), z.nonnegative());
const epochSeconds = z.number().check(z.int(), z.nonnegative());

export const regionRecordSchema = z.object({
  pk: z.string(),
  region: z.string().check(z.minLength(1)),
  state: z.enum(REGION_STATES),
  epoch: z.number().check(z.int(), z.nonnegative()),
  updatedAt: isoTime,
  reason: z.string().check(z.maxLength(1000)),
  executionId: z.string().check(z.minLength(1)),
});
export type RegionRecord = z.infer<typeof regionRecordSchema>;

export const heartbeatSchema = z.object({
  pk: z.string(),
  region: z.string(),
  writtenAt: epochMillis,
  sequence: z.number().check(z.int(), z.nonnegative()),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const probeSchema = z.object({
  pk: z.string(),
  observer: z.string(),
  target: z.string(),
  lastCheckedAt: epochMillis,
  lastHealthyAt: z.optional(epochMillis),
  lastStatus: z.number().check(z.int()),
  consecutiveFailures: z.number().check(z.int(), z.nonnegative()),
});
export type ProbeRecord = z.infer<typeof probeSchema>;

export const leaseSchema = z.object({
  pk: z.string(),
  holder: z.string().check(z.minLength(1)),
  mode: z.enum(RUNBOOK_MODES),
  region: z.string(),
  acquiredAt: epochMillis,
  expiresAt: epochSeconds,
});
export type Lease = z.infer<typeof leaseSchema>;

export const automaticRunSchema = z.object({
  pk: z.string(),
  region: z.string(),
  executionName: z.string(),
  startedAt: epochMillis,
});
export type AutomaticRun = z.infer<typeof automaticRunSchema>;

export const sentinelSchema = z.object({
  pk: z.string(),
  id: z.string(),
  region: z.string(),
  writtenAt: epochMillis,
  expiresAt: epochSeconds,
});
export type Sentinel = z.infer<typeof sentinelSchema>;

export const approvalSchema = z.object({
  pk: z.string(),
  executionName: z.string(),
  taskToken: z.string().check(z.minLength(1)),
  requestedAt: epochMillis,
  summary: z.string(),
  expiresAt: epochSeconds,
});
export type Approval = z.infer<typeof approvalSchema>;

/** The item a fresh deployment starts with: the primary ACTIVE, the secondary STANDBY, epoch 0. */
export function initialRegionRecord(region: string, role: "primary" | "secondary", at: string): RegionRecord {
  return {
    pk: controlKeys.region(region),
    region,
    state: role === "primary" ? "ACTIVE" : "STANDBY",
    epoch: 0,
    updatedAt: at,
    reason: "initial state written at deployment",
    executionId: "deployment",
  };
}

export class ControlRecordInvalidError extends Error {
  constructor(key: string, detail: string) {
    super(`Control item ${key} does not match its schema: ${detail}`);
    this.name = "ControlRecordInvalidError";
  }
}

export class EpochConflictError extends Error {
  constructor(readonly region: string, readonly expectedEpoch: number | null) {
    super(
      expectedEpoch === null
        ? `Region record for ${region} already exists`
        : `Region record for ${region} is no longer at epoch ${expectedEpoch}: another execution changed it`,
    );
    this.name = "EpochConflictError";
  }
}

export class LeaseHeldError extends Error {
  constructor(readonly current: Lease | undefined) {
    super(
      current
        ? `The DR lease is held by ${current.holder} (${current.mode} in ${current.region}) until ${new Date(current.expiresAt * 1000).toISOString()}`
        : "The DR lease is held by another execution",
    );
    this.name = "LeaseHeldError";
  }
}

function parseItem<S extends z.ZodMiniType>(schema: S, key: string, item: Record<string, unknown> | undefined) {
  if (!item) return undefined;
  const result = schema.safeParse(item);
  if (!result.success) throw new ControlRecordInvalidError(key, formatProblems(describeIssues(result.error.issues)));
  return result.data as z.infer<S>;
}

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
    private readonly now: () => number = Date.now,
  ) {}

  private async get(key: string, options: ReadOptions = {}) {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: key }, ConsistentRead: options.consistentRead }),
    );
    return out.Item;
  }

  async getRegion(region: string, options?: ReadOptions): Promise<RegionRecord | undefined> {
    const key = controlKeys.region(region);
    return parseItem(regionRecordSchema, key, await this.get(key, options));
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
    return parseItem(heartbeatSchema, key, await this.get(key, options));
  }

  /** Records one probe result of `target` as seen from `observer`. */
  async recordProbe(observer: string, target: string, healthy: boolean, status: number): Promise<void> {
    const now = this.now();
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: controlKeys.probe(observer, target) },
        UpdateExpression: healthy
          ? "SET observer = :o, target = :t, lastCheckedAt = :now, lastStatus = :s, lastHealthyAt = :now, consecutiveFailures = :zero"
          : "SET observer = :o, target = :t, lastCheckedAt = :now, lastStatus = :s, consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one",
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
    return parseItem(probeSchema, key, await this.get(key, options));
  }

  async getLease(options?: ReadOptions): Promise<Lease | undefined> {
    const key = controlKeys.lease();
    return parseItem(leaseSchema, key, await this.get(key, options));
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
    return parseItem(automaticRunSchema, key, await this.get(key, options));
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
    return parseItem(sentinelSchema, key, await this.get(key, options));
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
    return parseItem(approvalSchema, key, await this.get(key, options));
  }

  async deleteApproval(executionName: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: controlKeys.approval(executionName) } }));
  }
}

/** Why a region may not take writes, machine-readable for API clients. */
export type WriteRefusal = "REGION_FENCED" | "REGION_DRAINED" | "REGION_STANDBY" | "REGION_STATE_UNKNOWN";

export type WriteDecision =
  | { allowed: true; record: RegionRecord }
  | { allowed: false; reason: WriteRefusal; detail: string; record?: RegionRecord };

/** Writes are accepted only in the ACTIVE region; an unreadable or missing record refuses (fail closed). */
export function writeDecision(record: RegionRecord | undefined, region: string): WriteDecision {
  if (!record) {
    return { allowed: false, reason: "REGION_STATE_UNKNOWN", detail: `no region-state record for ${region}` };
  }
  switch (record.state) {
    case "ACTIVE":
      return { allowed: true, record };
    case "FENCED":
      return { allowed: false, reason: "REGION_FENCED", detail: `${region} is fenced: ${record.reason}`, record };
    case "DRAINED":
      return { allowed: false, reason: "REGION_DRAINED", detail: `${region} is drained: ${record.reason}`, record };
    case "STANDBY":
      return { allowed: false, reason: "REGION_STANDBY", detail: `${region} is on standby; writes go to the active region`, record };
  }
}

/** A region may serve (pass `/health`) unless its own record says FENCED or DRAINED. */
export function mayServe(record: RegionRecord | undefined): boolean {
  return record !== undefined && record.state !== "FENCED" && record.state !== "DRAINED";
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
    private readonly now: () => number = Date.now,
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
