/**
 * The execution input contract of the DR state machine and its normalised form, `Run`.
 *
 * Anyone who starts the machine (the alarm trigger, `drctl`, a drill) sends an
 * {@link ExecutionInput}. `ValidateInput`, the machine's first state, turns it into a {@link Run}
 * with {@link normalizeExecutionInput} — a pure function: bad input is rejected here, before the
 * lease, a notification or any other side effect.
 */
import type { RunbookMode } from "../../lib/control-schema";
import * as z from "../../lib/zod";
import { parseWith, type FieldProblem } from "../../lib/validation";
import { MAX_DRILL_HOLD_SECONDS } from "../../state-machines/limits";
import { paymentCheckInputSchema } from "./hold-payments";
import { restoreRehearsalInputSchema } from "./restore-rehearsal";

/**
 * The modes, as in control-record.ts (RUNBOOK_MODES). Repeated here so this pure module does not
 * pull the DynamoDB client into every bundle; the type below fails to compile if they drift.
 */
export const RUNBOOK_MODES = ["failover", "failback", "drill", "dry-run"] as const;
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type RunbookModesMatchControlRecord = Assert<SameSet<(typeof RUNBOOK_MODES)[number], RunbookMode>>;
type Assert<T extends true> = T;

const REGION_CODE = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
export const regionCode = z.string().check(z.regex(REGION_CODE, "must be an AWS region code such as us-east-2"));
const isoTime = z.string().check(z.iso.datetime({ offset: true }));
const shortText = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

export { MAX_DRILL_HOLD_SECONDS };

export const alarmTriggerSchema = z.strictObject({
  source: z.literal("alarm"),
  alarmName: shortText(255),
  alarmArn: shortText(1600),
  state: z.literal("ALARM"),
  previousState: z.optional(shortText(32)),
  reason: z.optional(z.string().check(z.maxLength(1000))),
  /** When the alarm changed state (the event's `time`). */
  changedAt: isoTime,
  /** The EventBridge event id the execution name was derived from. */
  eventId: shortText(128),
  /** The region the alarm is about: this machine's region (local health) or its peer (canary). */
  subjectRegion: regionCode,
});

export const manualTriggerSchema = z.strictObject({
  source: z.literal("manual"),
  /** Free-form reference, e.g. an incident or change ticket. */
  ticket: z.optional(shortText(128)),
});

/** A failback started by a drill in the peer region; it shares the drill's lease. */
export const drillTriggerSchema = z.strictObject({
  source: z.literal("drill"),
  parentExecution: shortText(80),
  parentRegion: regionCode,
});

/**
 * The reconciler (runbooks/domain/reconcile.ts) saw a standing condition no alarm transition
 * reports (nobody ACTIVE; the writer unreachable while its alarm was already in ALARM; strong mode,
 * the writer silent while this region is fenced). Automatic,
 * like an alarm, and about the peer.
 */
export const reconcileTriggerSchema = z.strictObject({
  source: z.literal("reconcile"),
  condition: z.enum(["no-writer", "writer-unreachable", "writer-silent"]),
  detail: z.string().check(z.maxLength(500)),
  observedAt: isoTime,
  subjectRegion: regionCode,
  /** The authority's epoch when the condition was seen. */
  epoch: z.number().check(z.int(), z.nonnegative()),
});

export const triggerSchema = z.discriminatedUnion("source", [
  alarmTriggerSchema,
  manualTriggerSchema,
  drillTriggerSchema,
  reconcileTriggerSchema,
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const DRY_RUN_TARGETS = ["failover", "failback", "drill"] as const;
export type DryRunTarget = (typeof DRY_RUN_TARGETS)[number];

export const executionInputSchema = z.strictObject({
  mode: z.enum(RUNBOOK_MODES),
  /** The region being activated. Required for failover, failback and drill; must be this machine's region. */
  targetRegion: z.optional(regionCode),
  /** Wait for an operator's approval (drctl approve) before changing anything. */
  requireApproval: z.optional(z.boolean()),
  reason: z.optional(z.string().check(z.maxLength(500))),
  requestedBy: z.optional(shortText(128)),
  /** Drill only: how long traffic stays in the secondary before failing back. */
  holdSeconds: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_DRILL_HOLD_SECONDS))),
  /** Dry-run only: which runbook's preconditions to check. Default: failback in the primary, failover in the secondary. */
  checkMode: z.optional(z.enum(DRY_RUN_TARGETS)),
  /**
   * Drill only: after the failback, restore a point-in-time copy of this table into a scratch table
   * in the drill's region, check it and delete it (runbooks/domain/restore-rehearsal.ts).
   */
  restoreRehearsal: z.optional(restoreRehearsalInputSchema),
  /**
   * Drill only: how the check after the hold judges the payments the drilled region took
   * (runbooks/domain/hold-payments.ts). Default: strict — no payment at all fails, and at most 1 % may fail.
   */
  paymentCheck: z.optional(paymentCheckInputSchema),
  /**
   * Operator failover or failback only: the holder of an abandoned DR lease (an execution whose
   * region is down, or that stopped) to take it over from. Only that holder is replaced.
   */
  takeOverLease: z.optional(shortText(80)),
  trigger: z.optional(triggerSchema),
});
export type ExecutionInput = z.infer<typeof executionInputSchema>;

export const runSchema = z.object({
  executionName: z.string(),
  executionId: z.string(),
  /** Execution start, epoch milliseconds. */
  startedAt: z.number(),
  mode: z.enum(RUNBOOK_MODES),
  /** For dry-run: the runbook whose preconditions are checked; otherwise equal to `mode`. */
  checkMode: z.enum(["failover", "failback", "drill"]),
  region: z.string(),
  peerRegion: z.string(),
  primaryRegion: z.string(),
  secondaryRegion: z.string(),
  localRole: z.enum(["primary", "secondary"]),
  trigger: triggerSchema,
  /** Started by an alarm or the reconciler (anti-flap and AUTO_FAILOVER apply). */
  automatic: z.boolean(),
  requireApproval: z.boolean(),
  holdSeconds: z.number(),
  /** Drill: the restore rehearsal asked for (absent: none). */
  restoreRehearsal: z.optional(restoreRehearsalInputSchema),
  /** Drill: the payment check's options as given (absent: the defaults). */
  paymentCheck: z.optional(paymentCheckInputSchema),
  /** Who holds the lease for this run: the execution name, or the parent drill's name for a drill's failback. */
  leaseHolder: z.string(),
  /** The abandoned lease holder the operator takes over from (drctl --take-over-lease). */
  takeOverLease: z.optional(z.string()),
  reason: z.string(),
  requestedBy: z.optional(z.string()),
});
export type Run = z.infer<typeof runSchema>;

export interface ExecutionContext {
  name: string;
  id: string;
  /** ISO 8601, from `$$.Execution.StartTime`. */
  startTime: string;
}

export interface MachineContext {
  region: string;
  peerRegion: string;
  primaryRegion: string;
  secondaryRegion: string;
}

export interface NormalizeDefaults {
  drillHoldSeconds: number;
}

export type NormalizeResult = { ok: true; run: Run } | { ok: false; problems: FieldProblem[] };

/** Validates the raw execution input against this machine and returns the normalised run. Pure. */
export function normalizeExecutionInput(
  raw: unknown,
  execution: ExecutionContext,
  machine: MachineContext,
  defaults: NormalizeDefaults,
): NormalizeResult {
  const parsed = parseWith(executionInputSchema, raw);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const input = parsed.value;
  const problems: FieldProblem[] = [];
  const localRole = machine.region === machine.primaryRegion ? "primary" : "secondary";
  const trigger: Trigger = input.trigger ?? { source: "manual" };

  if (input.mode !== "dry-run" && input.targetRegion === undefined) {
    problems.push({
      field: "targetRegion",
      message: `is required for mode ${input.mode}: name the region being activated (${machine.region})`,
    });
  }
  if (input.targetRegion !== undefined && input.targetRegion !== machine.region) {
    problems.push({
      field: "targetRegion",
      message: `is ${input.targetRegion}, but this state machine runs in ${machine.region}; a runbook runs in the region it activates, so start it there`,
    });
  }
  if (input.mode === "failback" && localRole !== "primary") {
    problems.push({ field: "mode", message: `failback runs in the primary region (${machine.primaryRegion}), not in ${machine.region}` });
  }
  if (input.mode === "drill" && localRole !== "secondary") {
    problems.push({
      field: "mode",
      message: `a drill is started in the secondary region (${machine.secondaryRegion}), not in ${machine.region}`,
    });
  }
  if (input.holdSeconds !== undefined && input.mode !== "drill") {
    problems.push({ field: "holdSeconds", message: "is only allowed with mode drill" });
  }
  if (input.restoreRehearsal !== undefined && input.mode !== "drill") {
    problems.push({ field: "restoreRehearsal", message: "is only allowed with mode drill (a restore rehearsal is part of a drill)" });
  }
  if (input.paymentCheck !== undefined && input.mode !== "drill") {
    problems.push({
      field: "paymentCheck",
      message: "is only allowed with mode drill (it judges the payments taken during a drill's hold)",
    });
  }
  const checkMode = input.checkMode ?? (input.mode === "dry-run" ? (localRole === "primary" ? "failback" : "failover") : undefined);
  if (input.checkMode !== undefined && input.mode !== "dry-run") {
    problems.push({ field: "checkMode", message: "is only allowed with mode dry-run" });
  }
  if (input.mode === "dry-run" && checkMode === "failback" && localRole !== "primary") {
    problems.push({ field: "checkMode", message: `failback is checked in the primary region (${machine.primaryRegion})` });
  }
  if (input.mode === "dry-run" && checkMode === "drill" && localRole !== "secondary") {
    problems.push({ field: "checkMode", message: `a drill is checked in the secondary region (${machine.secondaryRegion})` });
  }
  if (trigger.source === "alarm") {
    if (input.mode !== "failover") problems.push({ field: "trigger.source", message: "alarm triggers only start mode failover" });
    if (trigger.subjectRegion !== machine.region && trigger.subjectRegion !== machine.peerRegion) {
      problems.push({
        field: "trigger.subjectRegion",
        message: `is ${trigger.subjectRegion}; it must be this region (${machine.region}) or its peer (${machine.peerRegion})`,
      });
    }
  }
  if (trigger.source === "reconcile") {
    if (input.mode !== "failover") problems.push({ field: "trigger.source", message: "reconcile triggers only start mode failover" });
    if (trigger.subjectRegion !== machine.peerRegion) {
      problems.push({ field: "trigger.subjectRegion", message: `must be the peer region (${machine.peerRegion})` });
    }
  }
  if (trigger.source === "drill") {
    if (input.mode !== "failback") problems.push({ field: "trigger.source", message: "drill triggers only start mode failback" });
    if (trigger.parentRegion !== machine.peerRegion) {
      problems.push({ field: "trigger.parentRegion", message: `must be the peer region (${machine.peerRegion})` });
    }
  }
  if (input.takeOverLease !== undefined && (trigger.source !== "manual" || (input.mode !== "failover" && input.mode !== "failback"))) {
    problems.push({ field: "takeOverLease", message: "is only allowed for an operator's failover or failback" });
  }
  const startedAt = Date.parse(execution.startTime);
  if (!Number.isFinite(startedAt)) {
    problems.push({ field: "$$.Execution.StartTime", message: `is not a timestamp: ${JSON.stringify(execution.startTime)}` });
  }
  if (problems.length > 0) return { ok: false, problems };

  return {
    ok: true,
    run: {
      executionName: execution.name,
      executionId: execution.id,
      startedAt,
      mode: input.mode,
      checkMode: checkMode ?? (input.mode as Exclude<RunbookMode, "dry-run">),
      region: machine.region,
      peerRegion: machine.peerRegion,
      primaryRegion: machine.primaryRegion,
      secondaryRegion: machine.secondaryRegion,
      localRole,
      trigger,
      automatic: trigger.source === "alarm" || trigger.source === "reconcile",
      requireApproval: input.requireApproval ?? false,
      holdSeconds: input.mode === "drill" ? (input.holdSeconds ?? defaults.drillHoldSeconds) : 0,
      ...(input.restoreRehearsal !== undefined ? { restoreRehearsal: input.restoreRehearsal } : {}),
      ...(input.paymentCheck !== undefined ? { paymentCheck: input.paymentCheck } : {}),
      leaseHolder: trigger.source === "drill" ? trigger.parentExecution : execution.name,
      ...(input.takeOverLease !== undefined ? { takeOverLease: input.takeOverLease } : {}),
      reason: input.reason ?? defaultReason(input.mode, trigger),
      ...(input.requestedBy !== undefined ? { requestedBy: input.requestedBy } : {}),
    },
  };
}

function defaultReason(mode: RunbookMode, trigger: Trigger): string {
  switch (trigger.source) {
    case "alarm":
      return `alarm ${trigger.alarmName} is ${trigger.state}`;
    case "reconcile":
      return `reconciler: ${trigger.detail}`;
    case "drill":
      return `failback started by drill ${trigger.parentExecution} in ${trigger.parentRegion}`;
    case "manual":
      return `${mode} requested by an operator`;
  }
}

/** The lease's mode: a drill's failback runs under the drill's lease, so it says "drill". */
export function leaseMode(run: Run): RunbookMode {
  return run.trigger.source === "drill" ? "drill" : run.mode;
}
