/**
 * The control table's items as data: keys, schemas, types and the pure rules that read them.
 * No AWS SDK here, so code that only needs the shapes (runbook decisions, step schemas, the
 * infra's seed items) does not pull the DynamoDB client into its bundle.
 * Reading and writing the items is control-record.ts's job (see its header for the item list).
 */
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
  /** The one item that says who writes (see {@link authoritySchema}). */
  authority: () => "authority",
  heartbeat: (region: string) => `heartbeat#${region}`,
  probe: (observer: string, target: string) => `probe#${observer}#${target}`,
  lease: () => "lease",
  automaticRun: (region: string) => `auto#${region}`,
  sentinel: (id: string) => `sentinel#${id}`,
  approval: (executionName: string) => `approval#${executionName}`,
  /** Written by a region's CheckReplication in strong mode: proof it can write with a quorum. */
  quorum: (region: string) => `quorum#${region}`,
};

/*
 * Field types the items below share, each built once: zod schemas are immutable, so one instance
 * serves every field of its type. Each instance costs a cold start time to build, and a bundle that
 * imports this module builds every schema in it, used or not: esbuild does not see zod's
 * no-side-effects annotations through its re-exports, and keeps every top-level schema.
 */
const isoTime = z.string().check(z.iso.datetime());
const nonNegativeInt = z.number().check(z.int(), z.nonnegative());
const anInt = z.number().check(z.int());
const nonEmpty = z.string().check(z.minLength(1));
const reasonText = z.string().check(z.maxLength(1000));
const epochMillis = nonNegativeInt;
const epochSeconds = nonNegativeInt;

/**
 * The authority: ONE item holds every region's state and the epoch (DESIGN, "Coordination across
 * regions"). Promotion, fencing, draining and failback are transitions of this item, each a
 * conditional write on the epoch it read, and each moves the epoch on by one: the epoch is both
 * the item's version and the fencing token a run acts under. A transition that would leave two
 * regions ACTIVE is refused before it is written ({@link nextAuthority}), so "one writer" is a
 * property of the data, not of the state machine's graph. On an MRSC table the condition is
 * checked against the latest version in any region, so two runs can never both win.
 */
/**
 * Eventual mode's planned move in progress (failback, drill): `from` was just stopped (FENCED or
 * DRAINED) so that `to` can be promoted once replication is proven. Written with the transition that
 * stops `from`, and gone from the next version, whichever transition that is (the promotion, a
 * compensation, anyone's), so it describes only the epoch it was written at. Until `until` (the
 * handover's own bound, {@link PLANNED_HANDOVER_WINDOW_SECONDS}) the two regions tell refused
 * clients to retry in a second, and the payment path re-reads the authority every second, so the
 * promotion reaches clients in about a second once it has replicated. After `until` a handover that
 * never completed is treated as any other refusal (docs/architecture.md, "The write path").
 * Strong mode never writes one: its planned moves are one transition.
 */
export const handoverSchema = z.object({
  from: nonEmpty,
  to: nonEmpty,
  until: isoTime,
});
export type Handover = z.infer<typeof handoverSchema>;

/**
 * How long a handover counts as in progress after the transition that started it. It covers a
 * failback's fence-to-promotion at the default timings with room to spare (settle 10 s, sentinel
 * polled for at most 60 s: test/state-machines/render.test.ts checks it) and a drill's usual drain,
 * detection and settle (about 20 s). A handover that outlasts it costs clients the ordinary
 * `Retry-After`, never a hot loop without end.
 */
export const PLANNED_HANDOVER_WINDOW_SECONDS = 120;

/**
 * How long the payment path caches the authority while it records a handover in progress, instead
 * of the configured bound (REGION_STATE_CACHE_SECONDS): every container then sees the next
 * transition — the fence that follows an announced handover, the promotion that ends it — within
 * about a second of it reaching its replica. A shorter cache only makes the view fresher (never
 * less safe); it costs one strongly consistent read per container per second, for the length of a
 * planned move. (control-record.ts, RegionStateCache.)
 */
export const HANDOVER_CACHE_MS = 1000;

/**
 * How long after its admitting authority read stops being fresh a payment write may still be sent:
 * the payment path sends its PutItem only before `read sent + cache lifetime + this grace`, and
 * aborts the SDK call (its attempt and any retry) at that instant, answering 503 instead of an
 * acknowledgement (functions/domain/payment-store.ts). Without it a payment admitted on a cached
 * ACTIVE could be sent any time later (a slow idempotency write first, the SDK's retries), and no
 * settle could know when the old writer's last write left. 500 ms covers the two small writes of
 * an admitted request (idempotency record, payment) many times over at DynamoDB's usual latency.
 */
export const PAYMENT_WRITE_GRACE_MS = 500;

/**
 * ASSUMPTION (AWS documents no such bound): a DynamoDB write request applies in its Region within
 * this long of being sent, or not at all. A settle that must outlast the old writer's last write
 * rests on it: the write was sent before its deadline ({@link PAYMENT_WRITE_GRACE_MS}) and applies
 * at most this much later. An aborted request may still apply, so aborting does not remove the
 * need. The simulation can break it (`api-latency` on the payments PutItem longer than this):
 * test/state-machines/handover-hazards.test.ts shows what follows (docs/architecture.md, "Planned
 * moves").
 */
export const SENT_WRITE_APPLY_BOUND_MS = 500;

/**
 * How long after a transition commits a region it demoted may still commit a payment write, given
 * the payment path's cache bound (REGION_STATE_CACHE_SECONDS): a container's last read before the
 * transition lives `cacheMs` from when it was sent, a write it admits is sent within
 * {@link PAYMENT_WRITE_GRACE_MS} after that and applies within {@link SENT_WRITE_APPLY_BOUND_MS}
 * (the assumption above). 6 s with the stack's 5 s cache. This is the bound the rehearsal's "one
 * writer at a time" holds both modes to (sim/rehearsal/figures.ts).
 */
export function demotedWriteBoundMs(cacheMs: number): number {
  return cacheMs + PAYMENT_WRITE_GRACE_MS + SENT_WRITE_APPLY_BOUND_MS;
}

/**
 * Eventual mode's planned move, after its fence (or drain) committed in the old writer's replica:
 * how long until every payment write that replica will ever apply has applied. A container admits
 * at most {@link HANDOVER_CACHE_MS} after the fence (its last read before the fence recorded the
 * announced handover), sends by its deadline ({@link PAYMENT_WRITE_GRACE_MS} later) and the write
 * applies within {@link SENT_WRITE_APPLY_BOUND_MS}. Whole seconds: a Step Functions Wait.
 */
export const HANDOVER_SETTLE_SECONDS = Math.ceil((HANDOVER_CACHE_MS + PAYMENT_WRITE_GRACE_MS + SENT_WRITE_APPLY_BOUND_MS) / 1000);

export const authoritySchema = z.object({
  pk: z.string(),
  epoch: nonNegativeInt,
  /** Every region's state, by region code. */
  states: z.record(z.string(), z.enum(REGION_STATES)),
  /** When each region's state last changed (ISO time): what a region's own alarm is judged against. */
  changedAt: z.record(z.string(), isoTime),
  /** The last transition: when, why and by which execution. */
  updatedAt: isoTime,
  reason: reasonText,
  executionId: nonEmpty,
  /** Eventual mode: the planned move this version started, if it started one ({@link handoverSchema}). */
  handover: z.optional(handoverSchema),
});
export type Authority = z.infer<typeof authoritySchema>;

/**
 * One region as the authority says it is: its state, the authority's epoch, when its state last
 * changed, and the last transition's reason and execution. What handlers, runbooks and drctl read.
 */
export const regionRecordSchema = z.object({
  pk: z.string(),
  region: nonEmpty,
  state: z.enum(REGION_STATES),
  epoch: nonNegativeInt,
  updatedAt: isoTime,
  reason: reasonText,
  executionId: nonEmpty,
});
export type RegionRecord = z.infer<typeof regionRecordSchema>;

/** `region` as the authority holds it; undefined when there is no authority or it does not name the region. */
export function regionView(authority: Authority | undefined, region: string): RegionRecord | undefined {
  const state = authority?.states[region];
  if (!authority || !state) return undefined;
  return {
    pk: authority.pk,
    region,
    state,
    epoch: authority.epoch,
    updatedAt: authority.changedAt[region] ?? authority.updatedAt,
    reason: authority.reason,
    executionId: authority.executionId,
  };
}

/** The region the authority makes the writer (ACTIVE), if any. */
export function writerOf(authority: Authority | undefined): string | undefined {
  return authority ? Object.keys(authority.states).find((r) => authority.states[r] === "ACTIVE") : undefined;
}

export class TwoWritersError extends Error {
  constructor(readonly active: string[]) {
    super(`Refused: the transition would leave ${active.join(" and ")} both ACTIVE; one region writes at a time`);
    this.name = "TwoWritersError";
  }
}

/**
 * The handover `authority` records, while it is still in progress at `now` (epoch millis): the
 * version that started it is still the latest this replica holds, and its window has not closed.
 */
export function handoverInProgress(authority: Authority | undefined, now: number): Handover | undefined {
  const handover = authority?.handover;
  return handover && Date.parse(handover.until) > now ? handover : undefined;
}

/**
 * The item after a transition: the states changed, the epoch one on. Refuses two ACTIVE regions.
 * A handover is carried only by the version that starts it (`change.handover`): every later
 * transition ends it.
 */
export function nextAuthority(
  current: Authority,
  change: { states: Partial<Record<string, RegionState>>; reason: string; executionId: string; at: string; handover?: Handover },
): Authority {
  const states = { ...current.states };
  const changedAt = { ...current.changedAt };
  for (const [region, state] of Object.entries(change.states)) {
    if (!state || states[region] === state) continue;
    states[region] = state;
    changedAt[region] = change.at;
  }
  const active = Object.keys(states).filter((r) => states[r] === "ACTIVE");
  if (active.length > 1) throw new TwoWritersError(active);
  return {
    pk: current.pk,
    epoch: current.epoch + 1,
    states,
    changedAt,
    updatedAt: change.at,
    reason: change.reason.slice(0, 1000),
    executionId: change.executionId,
    ...(change.handover ? { handover: change.handover } : {}),
  };
}

export const heartbeatSchema = z.object({
  pk: z.string(),
  region: z.string(),
  writtenAt: epochMillis,
  sequence: nonNegativeInt,
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const probeSchema = z.object({
  pk: z.string(),
  observer: z.string(),
  target: z.string(),
  lastCheckedAt: epochMillis,
  lastHealthyAt: z.optional(epochMillis),
  /** First failure of the current run of failures; absent while the target answers. */
  firstFailedAt: z.optional(epochMillis),
  lastStatus: anInt,
  consecutiveFailures: nonNegativeInt,
  /** The last probe that got any HTTP answer (healthy or not): a region that answers 503 is alive. */
  lastAnsweredAt: z.optional(epochMillis),
  /**
   * Eventual mode: the DNS witness (`_region.api.<zone>` TXT) as the observer's canary asked the
   * zone's authoritative name servers at `witnessCheckedAt`, with the probe. `witnessAnswers` is
   * absent when the name servers gave no answer at all (timeout, refused), and `[]` when they
   * answered that the record has no value. The payment path's partition guard reads both
   * (functions/domain/partition-guard.ts).
   */
  witnessAnswers: z.optional(z.array(z.string())),
  witnessCheckedAt: z.optional(epochMillis),
});
export type ProbeRecord = z.infer<typeof probeSchema>;

/**
 * How long the DR lease lives after it was taken or last renewed (docs/architecture.md, "The lease,
 * standing down, and takeover"). Every step of a run that acts or polls renews it
 * (runbooks/domain/lease.ts), so it must outlast the longest gap between two renewals: a renewing
 * step at its Task timeout, then the steps that do not renew (notifications, reports, a
 * compensation) each at theirs, and the longest Wait on the way. test/state-machines/lease-gaps.test.ts
 * computes that gap on the deployed machine (default timings, 30 s Task timeouts): 180 s, on a run
 * that decides to do nothing and whose success notification then times out into the failure path
 * (AssessRegions, NotifyDecision, WriteReport, NotifyRunSucceeded, NotifyFailure,
 * WriteFailureReport). It is also the longest a run interrupted while holding the lease
 * (StopExecution, a States.Runtime error, its timeout) blocks the next one.
 */
export const LEASE_LIFETIME_SECONDS = 180;

export const leaseSchema = z.object({
  pk: z.string(),
  holder: nonEmpty,
  mode: z.enum(RUNBOOK_MODES),
  region: z.string(),
  acquiredAt: epochMillis,
  /** Epoch seconds: the lease has lapsed once this is in the past (taken or last renewed + its lifetime). */
  expiresAt: epochSeconds,
  /** When the holder last renewed it (absent until its first renewal). */
  renewedAt: z.optional(epochMillis),
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
  taskToken: nonEmpty,
  requestedAt: epochMillis,
  summary: z.string(),
  expiresAt: epochSeconds,
});
export type Approval = z.infer<typeof approvalSchema>;

/** The authority a fresh deployment starts with: the primary ACTIVE, the secondary STANDBY, epoch 0. */
export function initialAuthority(primaryRegion: string, secondaryRegion: string, at: string): Authority {
  return {
    pk: controlKeys.authority(),
    epoch: 0,
    states: { [primaryRegion]: "ACTIVE", [secondaryRegion]: "STANDBY" },
    changedAt: { [primaryRegion]: at, [secondaryRegion]: at },
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
  constructor(
    readonly expectedEpoch: number | null,
    readonly current?: { epoch: number; executionId: string },
  ) {
    super(
      expectedEpoch === null
        ? "The authority item already exists"
        : `The authority is no longer at epoch ${expectedEpoch}${current ? ` (now ${current.epoch}, last changed by ${current.executionId})` : ""}: another execution changed it`,
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

/**
 * A step of a run that held the lease found it held by another run: it changed nothing, and the run
 * ends through its failure path. What happened meanwhile was decided under the other run's lease.
 */
export class LeaseLostError extends Error {
  constructor(
    readonly holder: string,
    readonly current: Lease | undefined,
  ) {
    super(
      current
        ? `${holder} no longer holds the DR lease: ${current.holder} (${current.mode} in ${current.region}) took it; this step changed nothing`
        : `${holder} no longer holds the DR lease and could not take it again; this step changed nothing`,
    );
    this.name = "LeaseLostError";
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

/**
 * Settling a payment this region accepted (PENDING -> SETTLED) is allowed wherever the region may
 * serve: ACTIVE, or STANDBY after a failback. Only the origin region ever writes a payment's later
 * states, so this cannot conflict with the active region; it is what lets payments accepted in the
 * seconds before a failback fenced the secondary still settle there once it is on standby. A
 * FENCED or DRAINED region writes nothing.
 */
export function settlementDecision(record: RegionRecord | undefined, region: string): WriteDecision {
  if (record?.state === "STANDBY") return { allowed: true, record };
  return writeDecision(record, region);
}

/** A region may serve (pass `/health`) unless its own record says FENCED or DRAINED. */
export function mayServe(record: RegionRecord | undefined): boolean {
  return record !== undefined && record.state !== "FENCED" && record.state !== "DRAINED";
}

export function parseControlItem<S extends z.ZodMiniType>(
  schema: S,
  key: string,
  item: Record<string, unknown> | undefined,
): z.infer<S> | undefined {
  if (!item) return undefined;
  const result = schema.safeParse(item);
  if (!result.success) throw new ControlRecordInvalidError(key, formatProblems(describeIssues(result.error.issues)));
  return result.data as z.infer<S>;
}
