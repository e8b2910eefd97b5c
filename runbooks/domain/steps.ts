/**
 * What each runbook step returns, as schemas. A step's output is stored in the execution state at
 * `$.steps.<key>.Payload` and handed to later steps by the definition; the consuming handler
 * parses it with these schemas, so a change in one handler's output breaks the consumer's tests,
 * not a production run.
 */
import type { Lease, RegionRecord } from "../../lib/control-schema";
import * as z from "../../lib/zod";
import { ALARM_STATES } from "./fence-alarm";
import { itemCountsSchema, RESTORE_REHEARSAL_TABLES, spotCandidateSchema, spotCheckSchema } from "./restore-rehearsal";
import { RUNBOOK_MODES, runSchema } from "./run";

/*
 * The region record and lease as steps pass them along. control-record.ts owns these items; its
 * schemas are not imported at runtime because that module pulls the DynamoDB client into every
 * bundle. The Assert types below stop compiling if the shapes drift from control-record's.
 */
const REGION_STATES = ["ACTIVE", "STANDBY", "FENCED", "DRAINED"] as const;
const regionRecordSchema = z.object({
  pk: z.string(),
  region: z.string(),
  state: z.enum(REGION_STATES),
  epoch: z.number(),
  updatedAt: z.string(),
  reason: z.string(),
  executionId: z.string(),
});
const leaseSchema = z.object({
  pk: z.string(),
  holder: z.string(),
  mode: z.enum(RUNBOOK_MODES),
  region: z.string(),
  acquiredAt: z.number(),
  expiresAt: z.number(),
  renewedAt: z.optional(z.number()),
});
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
export type RegionRecordShapeMatches = Assert<Same<z.infer<typeof regionRecordSchema>, RegionRecord>>;
export type LeaseShapeMatches = Assert<Same<z.infer<typeof leaseSchema>, Lease>>;

const ms = z.number();
const nullableNumber = z.nullable(z.number());

/** Added to every step's output by the handler wrapper. */
export const stepTiming = {
  step: z.string(),
  startedAt: ms,
  finishedAt: ms,
};

export const leaseStepSchema = z.object({
  ...stepTiming,
  /** false: the lease is held by a drill and this automatic run stands down. */
  acquired: z.boolean(),
  /** true: anti-flap suppressed this automatic run (the lease is held and must be released). */
  suppressed: z.boolean(),
  reason: z.string(),
  holder: z.string(),
  expiresAt: z.optional(z.number()),
  lastAutomaticRunAt: z.optional(z.number()),
  nextAllowedAt: z.optional(z.number()),
  heldBy: z.optional(leaseSchema),
  /** The abandoned lease this run took over (its holder's region down, or named by the operator). */
  takenOverFrom: z.optional(leaseSchema),
});
export type LeaseStep = z.infer<typeof leaseStepSchema>;

/** Dry-run: the lease and anti-flap state, read without writing. */
export const leaseCheckSchema = z.object({
  ...stepTiming,
  leaseFree: z.boolean(),
  heldBy: z.optional(leaseSchema),
  automaticRunWouldBeSuppressed: z.boolean(),
  antiFlapReason: z.string(),
});
export type LeaseCheckStep = z.infer<typeof leaseCheckSchema>;

export const assessmentSchema = z.object({
  ...stepTiming,
  action: z.enum(["failover", "failback", "drill", "drain-self", "no-action", "refuse"]),
  reason: z.string(),
  local: z.optional(regionRecordSchema),
  peer: z.optional(regionRecordSchema),
  needsApproval: z.boolean(),
  approvalReason: z.string(),
  autoFailover: z.boolean(),
});
export type Assessment = z.infer<typeof assessmentSchema>;

export const tableStatusSchema = z.object({
  table: z.string(),
  tableName: z.string(),
  tableStatus: z.string(),
  localReplicaStatus: z.optional(z.string()),
  peerReplicaStatus: z.optional(z.string()),
  error: z.optional(z.string()),
});

export const replicationSchema = z.object({
  ...stepTiming,
  verdict: z.enum(["ok", "replica-not-ready", "lag-exceeded"]),
  replicasActive: z.boolean(),
  exposureSeconds: nullableNumber,
  peerHeartbeatAgeSeconds: nullableNumber,
  lastReplicatedHeartbeatAt: nullableNumber,
  lastSeenHealthyAt: nullableNumber,
  inDoubtWindow: z.object({ from: nullableNumber, to: z.number() }),
  rpoSeconds: z.number(),
  problems: z.array(z.string()),
  summary: z.string(),
  /** How the tables replicate: strong (MRSC, exposure 0 by construction) or eventual (measured). */
  consistency: z.optional(z.enum(["strong", "eventual"])),
  tables: z.array(tableStatusSchema),
  /** Eventual mode: each table's figures, from the peer's heartbeat in that table (decisions.ts TableExposure). */
  exposureByTable: z.optional(
    z.array(
      z.object({
        table: z.string(),
        lastReplicatedHeartbeatAt: nullableNumber,
        heartbeatAgeSeconds: nullableNumber,
        exposureSeconds: nullableNumber,
      }),
    ),
  ),
});
export type ReplicationStep = z.infer<typeof replicationSchema>;

export const peerStateStepSchema = z.object({
  ...stepTiming,
  region: z.string(),
  state: z.enum(REGION_STATES),
  previousState: z.optional(z.enum(REGION_STATES)),
  epoch: z.number(),
  /** When the record was written: the fence (or drain) time. */
  changedAt: ms,
  via: z.enum(["local", "peer"]),
  fenceMetric: z.nullable(z.object({ region: z.string(), value: z.number(), publishedAt: ms })),
  /**
   * true when this transition was a strong-mode handover: this region ACTIVE and the peer STANDBY
   * (a failback) or DRAINED (a drill) in one write. The failback then has its proof (MRSC) and skips
   * the sentinel; absent in outputs written before it existed.
   */
  handover: z.optional(z.boolean()),
});
export type PeerStateStep = z.infer<typeof peerStateStepSchema>;

export const stopWritesSchema = z.object({
  ...stepTiming,
  functionName: z.string(),
  region: z.string(),
  stopped: z.boolean(),
  previousReservedConcurrency: z.nullable(z.number()),
  error: z.optional(z.string()),
});
export type StopWritesStep = z.infer<typeof stopWritesSchema>;

export const promotionSchema = z.object({
  ...stepTiming,
  region: z.string(),
  previousState: z.enum(REGION_STATES),
  previousEpoch: z.number(),
  epoch: z.number(),
  promotedAt: ms,
  proof: z.string(),
});
export type PromotionStep = z.infer<typeof promotionSchema>;

export const dnsStepSchema = z.object({
  ...stepTiming,
  name: z.string(),
  expectedRegion: z.string(),
  answers: z.array(z.string()),
  matches: z.boolean(),
  checkedAt: ms,
  nameServers: z.array(z.string()),
  error: z.optional(z.string()),
});
export type DnsStep = z.infer<typeof dnsStepSchema>;

export const drainStepSchema = z.object({
  ...stepTiming,
  region: z.string(),
  previousState: z.enum(REGION_STATES),
  epoch: z.number(),
  drainedAt: ms,
});

export const sentinelWriteSchema = z.object({
  ...stepTiming,
  id: z.string(),
  writtenAt: ms,
  writtenIn: z.string(),
});
export type SentinelWriteStep = z.infer<typeof sentinelWriteSchema>;

export const sentinelCheckSchema = z.object({
  ...stepTiming,
  id: z.string(),
  seen: z.boolean(),
  writtenAt: z.nullable(z.number()),
  seenAt: z.nullable(z.number()),
  replicationSeconds: nullableNumber,
  /** The tables whose replica here does not hold this run's sentinel yet (empty once seen). */
  waitingFor: z.optional(z.array(z.string())),
});
export type SentinelCheckStep = z.infer<typeof sentinelCheckSchema>;

export const restoreWriteFunctionSchema = z.object({
  ...stepTiming,
  functionName: z.string(),
  action: z.enum(["restored", "not-stopped"]),
  reservedConcurrency: z.nullable(z.number()),
});

export const fenceMetricStepSchema = z.object({
  ...stepTiming,
  region: z.string(),
  value: z.number(),
  /** null: PutMetricData failed (see `error`): the secondary's canary publishes the value instead. */
  publishedAt: z.nullable(ms),
  error: z.optional(z.string()),
});

/** Failback: one reading of the fence alarm in the secondary (check-fence-alarm). */
export const fenceAlarmCheckSchema = z.object({
  ...stepTiming,
  alarmName: z.string(),
  region: z.string(),
  /** null: DescribeAlarms failed (see `error`); counts as not cleared. */
  state: z.nullable(z.enum(ALARM_STATES)),
  cleared: z.boolean(),
  stateUpdatedAt: nullableNumber,
  checkedAt: ms,
  detail: z.string(),
  error: z.optional(z.string()),
});
export type FenceAlarmCheckStep = z.infer<typeof fenceAlarmCheckSchema>;

export const compensationSchema = z.object({
  ...stepTiming,
  action: z.string(),
  region: z.string(),
  changed: z.boolean(),
  detail: z.string(),
});

export const detectionSchema = z.object({
  ...stepTiming,
  detected: z.boolean(),
  detectedAt: nullableNumber,
  detectionSeconds: nullableNumber,
  consecutiveFailures: z.number(),
  drainedAt: ms,
});
export type DetectionStep = z.infer<typeof detectionSchema>;

export const peerFailbackStartSchema = z.object({
  ...stepTiming,
  executionArn: z.string(),
  name: z.string(),
  region: z.string(),
  alreadyStarted: z.boolean(),
});
export type PeerFailbackStartStep = z.infer<typeof peerFailbackStartSchema>;

export const peerExecutionSchema = z.object({
  ...stepTiming,
  executionArn: z.string(),
  status: z.string(),
  done: z.boolean(),
  startDate: nullableNumber,
  stopDate: nullableNumber,
  /** The failback run's own report location, when it finished. */
  output: z.optional(z.string()),
});
export type PeerExecutionStep = z.infer<typeof peerExecutionSchema>;

/** StartRestoreRehearsal: the restore DynamoDB accepted (or found already started by this run). */
export const restoreStartSchema = z.object({
  ...stepTiming,
  table: z.enum(RESTORE_REHEARSAL_TABLES),
  sourceTable: z.string(),
  scratchTable: z.string(),
  region: z.string(),
  /** How the source table replicates: strong (MRSC) or eventual (MREC); the copy is a single-Region table either way. */
  consistency: z.enum(["strong", "eventual"]),
  restorePoint: ms,
  earliestRestorable: ms,
  latestRestorable: ms,
  requestedAt: ms,
  status: z.string(),
  /** A retried step found the restore its earlier attempt had started. */
  alreadyStarted: z.boolean(),
});
export type RestoreStartStep = z.infer<typeof restoreStartSchema>;

const optionalTiming = { step: z.optional(z.string()), startedAt: z.optional(ms), finishedAt: z.optional(ms) };

/** CheckScratchTable: one DescribeTable of the scratch table (the first value is set by the definition, from the start). */
export const restoreStatusSchema = z.object({
  ...optionalTiming,
  tableName: z.string(),
  status: z.string(),
  active: z.boolean(),
  checkedAt: ms,
  /** The last check that saw it not ACTIVE yet (the restore request, before any check). */
  lastNotActiveAt: ms,
  /** The first check that saw it ACTIVE. */
  activeAt: nullableNumber,
});
export type RestoreStatusStep = z.infer<typeof restoreStatusSchema>;

/** Where a resumable check stands between two invocations of VerifyRestoredTable. */
export const restoreVerifyProgressSchema = z.object({
  phase: z.enum(["scratch", "source", "compare"]),
  /** The current Scan's LastEvaluatedKey (null: from the start). */
  lastKey: z.nullable(z.record(z.string(), z.unknown())),
  scratch: itemCountsSchema,
  source: itemCountsSchema,
  candidates: z.array(spotCandidateSchema),
  pages: z.number(),
});
export type RestoreVerifyProgress = z.infer<typeof restoreVerifyProgressSchema>;

/** VerifyRestoredTable: one pass; `done` once both tables are read and the chosen payments compared. */
export const restoreVerifySchema = z.object({
  ...optionalTiming,
  done: z.boolean(),
  /** null until done. */
  passed: z.nullable(z.boolean()),
  progress: z.nullable(restoreVerifyProgressSchema),
  summary: z.optional(z.string()),
  problems: z.optional(z.array(z.string())),
  scratch: z.optional(itemCountsSchema),
  source: z.optional(itemCountsSchema),
  spotChecks: z.optional(z.array(spotCheckSchema)),
  /** Items read from both tables, Scan pages read, and when the check finished. */
  itemsRead: z.optional(z.number()),
  pages: z.optional(z.number()),
  checkedAt: z.optional(ms),
});
export type RestoreVerifyStep = z.infer<typeof restoreVerifySchema>;

/** DeleteScratchTable: the scratch table deleted (or already gone), or why it could not be. */
export const scratchCleanupSchema = z.object({
  ...optionalTiming,
  tableName: z.optional(z.string()),
  deleted: z.boolean(),
  status: z.string(),
  detail: z.string(),
  /** When it could not be deleted: the command that deletes it. */
  command: z.optional(z.string()),
});
export type ScratchCleanupStep = z.infer<typeof scratchCleanupSchema>;

/** CheckHoldPayments (drill): what the payment path reported in the drilled region during the hold, and the verdict. */
export const holdPaymentsSchema = z.object({
  ...optionalTiming,
  /** false: the check could not read the figures (set by the definition from the Task's error). */
  checked: z.boolean(),
  passed: z.boolean(),
  basis: z.optional(z.enum(["payments-accepted", "no-traffic-allowed", "failed"])),
  region: z.optional(z.string()),
  window: z.optional(z.object({ holdStartedAt: ms, from: ms, to: ms })),
  counts: z.optional(z.object({ accepted: z.number(), failed: z.number(), refused: z.number(), redirected: z.number() })),
  unsuccessful: z.optional(z.number()),
  failurePercent: z.optional(nullableNumber),
  policy: z.optional(z.object({ allowNoTraffic: z.boolean(), maxFailurePercent: z.number() })),
  summary: z.optional(z.string()),
  error: z.nullable(z.object({ name: z.string(), message: z.string() })),
});
export type HoldPaymentsStep = z.infer<typeof holdPaymentsSchema>;

export const reportStepSchema = z.object({
  ...stepTiming,
  bucket: z.string(),
  jsonKey: z.string(),
  markdownKey: z.string(),
  passed: z.boolean(),
  outcome: z.string(),
});
export type ReportStep = z.infer<typeof reportStepSchema>;

export const dryRunSummarySchema = z.object({
  ...stepTiming,
  ready: z.boolean(),
  checkMode: z.enum(RUNBOOK_MODES),
  findings: z.array(z.object({ check: z.string(), ok: z.boolean(), detail: z.string() })),
  cause: z.string(),
});
export type DryRunSummary = z.infer<typeof dryRunSummarySchema>;

/** What `drctl approve` / `reject` send: SendTaskSuccess output (rejection is SendTaskFailure). */
export const approvalResultSchema = z.object({
  approved: z.boolean(),
  approvedBy: z.optional(z.string()),
  comment: z.optional(z.string()),
});
export type ApprovalResult = z.infer<typeof approvalResultSchema>;

const payload = <S extends z.ZodMiniType>(schema: S) => z.optional(z.object({ Payload: schema }));

/**
 * The execution state as the definition builds it. Every step is optional: a failure report is
 * written from whatever the run reached.
 */
export const runStateSchema = z.object({
  run: runSchema,
  steps: z.object({
    lease: payload(leaseStepSchema),
    leaseCheck: payload(leaseCheckSchema),
    assess: payload(assessmentSchema),
    replication: payload(replicationSchema),
    approval: z.optional(approvalResultSchema),
    fence: payload(peerStateStepSchema),
    stopWrites: payload(stopWritesSchema),
    drainSelf: payload(drainStepSchema),
    drain: payload(peerStateStepSchema),
    detection: payload(detectionSchema),
    promote: payload(promotionSchema),
    dns: payload(dnsStepSchema),
    sentinelWrite: payload(sentinelWriteSchema),
    sentinel: payload(sentinelCheckSchema),
    restoreWriteFunction: payload(restoreWriteFunctionSchema),
    restoreWriteFunctionAfterPromotion: payload(restoreWriteFunctionSchema),
    restoreLocalWriteFunction: payload(restoreWriteFunctionSchema),
    clearFenceMetric: payload(fenceMetricStepSchema),
    fenceAlarm: payload(fenceAlarmCheckSchema),
    markStandby: payload(peerStateStepSchema),
    compensation: payload(compensationSchema),
    holdPayments: payload(holdPaymentsSchema),
    peerFailback: payload(peerFailbackStartSchema),
    peerExecution: payload(peerExecutionSchema),
    dryRun: payload(dryRunSummarySchema),
    restoreStart: payload(restoreStartSchema),
    restoreStatus: payload(restoreStatusSchema),
    restoreVerify: payload(restoreVerifySchema),
    restoreCleanup: payload(scratchCleanupSchema),
  }),
  loops: z.optional(z.record(z.string(), z.object({ count: z.number() }))),
  error: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
  compensationError: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
  /** The restore rehearsal's own failure (the run then ends with RestoreRehearsalFailedError). */
  restoreError: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
  restoreCleanupError: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
  /** CheckHoldPayments' own failure (the drill fails back, then fails with it). */
  holdPaymentsError: z.optional(z.object({ Error: z.string(), Cause: z.optional(z.string()) })),
});
export type RunState = z.infer<typeof runStateSchema>;
