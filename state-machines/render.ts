/**
 * The ONE place the DR state machine's definition is rendered — by Pulumi (infra), the tests and
 * the offline rehearsal alike.
 *
 * The definition is written as JSON fragments in `state-machines/`, one per runbook, so each
 * reads on its own and shared steps exist once:
 *   entry     validation, lease, assessment, the junction that picks a runbook
 *   common    refusal, approval gate, DNS confirmation loop, success finish, failure path
 *   failover  replication check, fence, settle, promote (and drain-self)
 *   failback  deep health, fence the secondary, sentinel proof, restore, promote, unfence, wait
 *             for the fence alarm to clear, (DNS), standby
 *   drill     drain the primary, measure detection, promote, hold, start the primary's failback,
 *             and (asked for) the restore rehearsal: restore, wait for ACTIVE, check, delete
 *   dry-run   the read-only precondition checks
 * {@link renderDrStateMachine} merges them into one definition (state names are unique across
 * fragments) and fills the `${Placeholder}`s from a typed {@link DrStateMachineValues}.
 *
 * Placeholder rules (checked, never silently tolerated): a string that is exactly `"${Name}"` is
 * replaced by the value with its JSON type (numbers stay numbers); `${Name}` inside a longer
 * string is interpolated; a placeholder without a value, or a value no fragment uses, throws
 * {@link AslRenderError}.
 */
import canaryTicker from "./canary-ticker.asl.json";
import common from "./common.asl.json";
import drill from "./drill.asl.json";
import dryRun from "./dry-run.asl.json";
import entry from "./entry.asl.json";
import failback from "./failback.asl.json";
import failover from "./failover.asl.json";
import { RUNBOOK_TASK_FUNCTIONS, type RunbookTaskFunction } from "../lib/handlers";
import { HANDOVER_SETTLE_SECONDS, LEASE_LIFETIME_SECONDS } from "../lib/control-schema";
import { MAX_DRILL_HOLD_SECONDS } from "./limits";

export class AslRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AslRenderError";
  }
}

export { RUNBOOK_TASK_FUNCTIONS, type RunbookTaskFunction };

/** Every wait, loop bound and timeout of the machine, in seconds or attempts. */
export interface DrStateMachineTimings {
  /** TimeoutSeconds of every Lambda Task; above the longest runbook function timeout (lib/handlers/dr-functions.ts). */
  taskTimeoutSeconds: number;
  /**
   * Wait between fencing (or draining) the old writer and promoting the new one, and between
   * fencing the secondary and writing the failback sentinel: in-flight writes replicate and the
   * payment path's cached region record (REGION_STATE_CACHE_SECONDS) expires. Checklist B3.
   */
  fenceSettleSeconds: number;
  /**
   * Eventual mode's planned moves (failback; drill): the wait between announcing the handover and
   * stopping the old writer. At least the payment path's cache bound, so that every container's
   * copy of the authority was read after the announcement — and is therefore re-read every
   * HANDOVER_CACHE_MS — by the time the fence lands (docs/architecture.md, "Planned moves").
   * Clients lose nothing during it: the old writer is still ACTIVE.
   */
  handoverAnnounceSeconds: number;
  /**
   * Planned moves: the wait between stopping the old writer (in its own replica) and writing the
   * sentinel there — HANDOVER_SETTLE_SECONDS (lib/control-schema.ts): the handover cache, the
   * payment write's grace and the assumed bound on how late a sent write applies.
   */
  handoverSettleSeconds: number;
  /** DNS witness polling after a promotion: interval and maximum number of checks. */
  dnsConfirmIntervalSeconds: number;
  dnsConfirmMaxAttempts: number;
  /** Failback: polling for the sentinel in the primary's replica. */
  sentinelPollIntervalSeconds: number;
  sentinelPollMaxAttempts: number;
  /**
   * Failback: polling the secondary's fence alarm after PrimaryFenced=0, before DNS is trusted
   * (until it is OK, Route 53 may be answering the primary only because it fails open).
   */
  fenceAlarmPollIntervalSeconds: number;
  fenceAlarmPollMaxAttempts: number;
  /** Drill: polling the local canary's probe record for the drained primary. */
  detectionPollIntervalSeconds: number;
  detectionPollMaxAttempts: number;
  /** Drill: polling the failback execution it started in the primary. */
  peerExecutionPollIntervalSeconds: number;
  peerExecutionPollMaxAttempts: number;
  /**
   * An automatic run that stood down because a drill or failback held the lease re-checks this
   * often, at most this many times (level-triggered: the alarm's condition may outlast that run,
   * or that run may be abandoned).
   */
  leaseRecheckIntervalSeconds: number;
  leaseRecheckMaxAttempts: number;
  /**
   * Drill's restore rehearsal: polling the scratch table until ACTIVE (a restore "can take several
   * hours", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-pitr-recovery-table-restore.html),
   * and the most passes of the resumable check (each reads for at most ~12 s).
   */
  restoreWaitIntervalSeconds: number;
  restoreWaitMaxAttempts: number;
  restoreVerifyMaxPasses: number;
  /** Approval gate: TimeoutSeconds (hard limit) and HeartbeatSeconds (the window unless extended; < timeout). */
  approvalTimeoutSeconds: number;
  approvalHeartbeatSeconds: number;
  /**
   * The machine's overall TimeoutSeconds. At least {@link minimumExecutionTimeoutSeconds}. (The
   * lease no longer lives this long: it is short and renewed, {@link leaseTtlSeconds}.)
   */
  executionTimeoutSeconds: number;
}

/** Everything the DR state machine of one region needs. */
export interface DrStateMachineValues extends DrStateMachineTimings {
  /** The region this machine runs in — and activates. */
  region: string;
  /** The other region. */
  peerRegion: string;
  /** The configured primary and secondary (one of them is `region`). */
  primaryRegion: string;
  secondaryRegion: string;
  /** ARN of this region's copy of each runbook function (same region as the machine). */
  functionArns: Record<RunbookTaskFunction, string>;
  /**
   * This region's alert topic: the last-resort notifications publish to it directly (Step Functions'
   * SNS integration) when the notify function cannot run.
   */
  alertTopicArn: string;
  /** The stack's environment, as notification subjects name it (`[payments-dr <environment>]`). */
  environment: string;
}

export type PlaceholderValue = string | number | boolean | readonly (string | number)[];

export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
}

/** A state, loosely typed: enough for rendering, graph checks and the local executor. */
export type AslState = Record<string, unknown> & { Type: string };

interface Fragment {
  Comment?: string;
  StartAt?: string;
  TimeoutSeconds?: unknown;
  States: Record<string, unknown>;
}

/** The fragments in composition order (entry first: it holds StartAt and TimeoutSeconds). */
export const DR_FRAGMENTS: Readonly<Record<string, Fragment>> = {
  entry: entry as Fragment,
  common: common as Fragment,
  failover: failover as Fragment,
  failback: failback as Fragment,
  drill: drill as Fragment,
  "dry-run": dryRun as Fragment,
};

const PLACEHOLDER = /\$\{([A-Za-z][A-Za-z0-9]*)\}/g;
const WHOLE_PLACEHOLDER = /^\$\{([A-Za-z][A-Za-z0-9]*)\}$/;

/** Placeholder names used anywhere in a template (strings only; keys never hold placeholders). */
export function placeholdersIn(template: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === "string") for (const m of v.matchAll(PLACEHOLDER)) found.add(m[1]);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") Object.values(v).forEach(visit);
  };
  visit(template);
  return found;
}

/** Fills `${Name}` placeholders; throws on any placeholder without a value and on any unused value. */
export function fillPlaceholders<T>(template: T, values: Readonly<Record<string, PlaceholderValue>>): T {
  const used = placeholdersIn(template);
  const missing = [...used].filter((name) => !(name in values)).sort();
  const unused = Object.keys(values)
    .filter((name) => !used.has(name))
    .sort();
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`no value for placeholder(s) ${missing.map((n) => `\${${n}}`).join(", ")}`);
  if (unused.length > 0) problems.push(`value(s) given but used by no placeholder: ${unused.join(", ")}`);
  if (problems.length > 0) throw new AslRenderError(`Cannot render the state machine: ${problems.join("; ")}`);

  const fill = (v: unknown): unknown => {
    if (typeof v === "string") {
      const whole = WHOLE_PLACEHOLDER.exec(v);
      if (whole) return structuredClone(values[whole[1]]);
      return v.replace(PLACEHOLDER, (_, name: string) => {
        const value = values[name];
        if (Array.isArray(value))
          throw new AslRenderError(`placeholder \${${name}} holds a list and can only stand alone, not inside "${v}"`);
        return String(value);
      });
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(template) as T;
}

/** Merges fragments into one definition; a state name defined twice is an error. */
export function composeFragments(fragments: Readonly<Record<string, Fragment>>): AslDefinition {
  const names = Object.keys(fragments);
  const first = fragments[names[0]];
  if (!first?.StartAt) throw new AslRenderError(`the first fragment (${names[0]}) must define StartAt`);
  const states: Record<string, unknown> = {};
  const owner: Record<string, string> = {};
  for (const name of names) {
    for (const [state, body] of Object.entries(fragments[name].States)) {
      if (state in states) throw new AslRenderError(`state ${state} is defined in both ${owner[state]} and ${name}`);
      states[state] = body;
      owner[state] = name;
    }
  }
  return {
    ...(first.Comment ? { Comment: first.Comment } : {}),
    StartAt: first.StartAt,
    ...(first.TimeoutSeconds !== undefined ? { TimeoutSeconds: first.TimeoutSeconds as number } : {}),
    States: states as Record<string, AslState>,
  };
}

/** `check-replication` → `CheckReplicationFunctionArn`. */
export function functionArnPlaceholder(fn: string): string {
  return `${fn
    .split("-")
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join("")}FunctionArn`;
}

const TIMING_PLACEHOLDERS: Record<keyof DrStateMachineTimings, string> = {
  taskTimeoutSeconds: "TaskTimeoutSeconds",
  fenceSettleSeconds: "FenceSettleSeconds",
  handoverAnnounceSeconds: "HandoverAnnounceSeconds",
  handoverSettleSeconds: "HandoverSettleSeconds",
  dnsConfirmIntervalSeconds: "DnsConfirmIntervalSeconds",
  dnsConfirmMaxAttempts: "DnsConfirmMaxAttempts",
  sentinelPollIntervalSeconds: "SentinelPollIntervalSeconds",
  sentinelPollMaxAttempts: "SentinelPollMaxAttempts",
  fenceAlarmPollIntervalSeconds: "FenceAlarmPollIntervalSeconds",
  fenceAlarmPollMaxAttempts: "FenceAlarmPollMaxAttempts",
  detectionPollIntervalSeconds: "DetectionPollIntervalSeconds",
  detectionPollMaxAttempts: "DetectionPollMaxAttempts",
  peerExecutionPollIntervalSeconds: "PeerExecutionPollIntervalSeconds",
  peerExecutionPollMaxAttempts: "PeerExecutionPollMaxAttempts",
  leaseRecheckIntervalSeconds: "LeaseRecheckIntervalSeconds",
  leaseRecheckMaxAttempts: "LeaseRecheckMaxAttempts",
  restoreWaitIntervalSeconds: "RestoreWaitIntervalSeconds",
  restoreWaitMaxAttempts: "RestoreWaitMaxAttempts",
  restoreVerifyMaxPasses: "RestoreVerifyMaxPasses",
  approvalTimeoutSeconds: "ApprovalTimeoutSeconds",
  approvalHeartbeatSeconds: "ApprovalHeartbeatSeconds",
  executionTimeoutSeconds: "ExecutionTimeoutSeconds",
};

/** Worst case of the waits on the failback path (used to size the drill's polling of it). */
export function failbackWorstCaseSeconds(t: DrStateMachineTimings): number {
  const tasks = 17; // tasks on the longest failback path
  return (
    t.handoverAnnounceSeconds +
    t.handoverSettleSeconds +
    t.sentinelPollIntervalSeconds * t.sentinelPollMaxAttempts +
    t.fenceAlarmPollIntervalSeconds * t.fenceAlarmPollMaxAttempts +
    t.dnsConfirmIntervalSeconds * t.dnsConfirmMaxAttempts +
    tasks * t.taskTimeoutSeconds
  );
}

/**
 * The worst case of a drill's restore rehearsal, which runs after the drill released its lease:
 * the wait for ACTIVE, every check pass and the other Tasks at their timeouts.
 */
export function restoreRehearsalWorstCaseSeconds(t: DrStateMachineTimings): number {
  const tasks = 4; // release, start, delete, and a spare for the failure path's delete
  return (
    t.restoreWaitMaxAttempts * (t.restoreWaitIntervalSeconds + t.taskTimeoutSeconds) +
    t.restoreVerifyMaxPasses * t.taskTimeoutSeconds +
    tasks * t.taskTimeoutSeconds
  );
}

/**
 * The DR lease's lifetime as AcquireLease takes it: short ({@link LEASE_LIFETIME_SECONDS}), and
 * renewed by every step of the run that holds it (runbooks/domain/lease.ts), so a run interrupted
 * while holding it blocks the next one for at most this long. test/state-machines/lease-gaps.test.ts
 * holds the longest gap between two renewals of the rendered machine to it.
 */
export function leaseTtlSeconds(): number {
  return LEASE_LIFETIME_SECONDS;
}

/**
 * The overall timeout must outlast the longest mode — a drill that waits for an approval, for
 * detection, DNS, the longest hold, its failback and a restore rehearsal — with every Task at its
 * timeout.
 */
export function minimumExecutionTimeoutSeconds(t: DrStateMachineTimings): number {
  return minimumLeasedSeconds(t) + restoreRehearsalWorstCaseSeconds(t);
}

/** The longest part of a run that holds the lease: a drill up to the end of its failback. */
function minimumLeasedSeconds(t: DrStateMachineTimings): number {
  const tasks = 17; // tasks on the longest drill path
  return (
    t.leaseRecheckIntervalSeconds * t.leaseRecheckMaxAttempts +
    t.approvalTimeoutSeconds +
    t.detectionPollIntervalSeconds * t.detectionPollMaxAttempts +
    t.handoverAnnounceSeconds +
    t.handoverSettleSeconds +
    t.dnsConfirmIntervalSeconds * t.dnsConfirmMaxAttempts +
    MAX_DRILL_HOLD_SECONDS +
    t.peerExecutionPollIntervalSeconds * t.peerExecutionPollMaxAttempts +
    tasks * t.taskTimeoutSeconds
  );
}

/** SNS topic ARN (the machine publishes only to its own region's alert topic). */
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9-_]+$/;

/** Lambda function ARN in a given region (the DR machine only invokes functions of its own region, checklist B2). */
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:[A-Za-z0-9-_]+(:[A-Za-z0-9-_$]+)?$/;

export function validateDrValues(values: DrStateMachineValues): string[] {
  const problems: string[] = [];
  const regions = [values.region, values.peerRegion, values.primaryRegion, values.secondaryRegion];
  if (regions.some((r) => !/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(r)))
    problems.push(`regions must be AWS region codes, got ${regions.join(", ")}`);
  if (values.primaryRegion === values.secondaryRegion) problems.push("primaryRegion and secondaryRegion must differ");
  if (![values.primaryRegion, values.secondaryRegion].includes(values.region))
    problems.push(`region ${values.region} is neither the primary nor the secondary`);
  if (values.peerRegion !== (values.region === values.primaryRegion ? values.secondaryRegion : values.primaryRegion)) {
    problems.push(`peerRegion ${values.peerRegion} must be the other configured region`);
  }
  for (const fn of RUNBOOK_TASK_FUNCTIONS) {
    const arn = values.functionArns[fn];
    const match = arn === undefined ? null : LAMBDA_ARN.exec(arn);
    if (!match) problems.push(`functionArns["${fn}"] must be a Lambda function ARN, got ${JSON.stringify(arn)}`);
    else if (match[1] !== values.region)
      problems.push(`functionArns["${fn}"] is in ${match[1]}; the machine in ${values.region} invokes only its own region's functions`);
  }
  const topic = TOPIC_ARN.exec(values.alertTopicArn ?? "");
  if (!topic) problems.push(`alertTopicArn must be an SNS topic ARN, got ${JSON.stringify(values.alertTopicArn)}`);
  else if (topic[1] !== values.region)
    problems.push(`alertTopicArn is in ${topic[1]}; the machine in ${values.region} publishes only to its own region's topic`);
  // It lands inside States.Format's template (the subject), where ' { } \ would need escaping.
  if (!/^[a-z0-9][a-z0-9-]*$/.test(values.environment ?? ""))
    problems.push(`environment must be lower-case letters, digits and hyphens, got ${JSON.stringify(values.environment)}`);
  for (const key of Object.keys(TIMING_PLACEHOLDERS) as (keyof DrStateMachineTimings)[]) {
    const v = values[key];
    if (!Number.isInteger(v) || v < 1) problems.push(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (values.approvalHeartbeatSeconds >= values.approvalTimeoutSeconds) {
    problems.push(
      `approvalHeartbeatSeconds (${values.approvalHeartbeatSeconds}) must be below approvalTimeoutSeconds (${values.approvalTimeoutSeconds})`,
    );
  }
  const failbackWorst = failbackWorstCaseSeconds(values);
  if (values.peerExecutionPollIntervalSeconds * values.peerExecutionPollMaxAttempts < failbackWorst) {
    problems.push(
      `the drill polls its failback for ${values.peerExecutionPollIntervalSeconds * values.peerExecutionPollMaxAttempts} s, less than the failback's worst case (${failbackWorst} s)`,
    );
  }
  if (values.restoreWaitIntervalSeconds * values.restoreWaitMaxAttempts < 3600) {
    problems.push(
      `the restore rehearsal waits ${values.restoreWaitIntervalSeconds * values.restoreWaitMaxAttempts} s for its table; restores take minutes to hours: allow at least an hour`,
    );
  }
  if (values.handoverSettleSeconds < HANDOVER_SETTLE_SECONDS) {
    problems.push(
      `handoverSettleSeconds (${values.handoverSettleSeconds}) must be at least ${HANDOVER_SETTLE_SECONDS}: the handover cache, the payment write's grace and the bound on a sent write (lib/control-schema.ts)`,
    );
  }
  const minimum = minimumExecutionTimeoutSeconds(values);
  if (values.executionTimeoutSeconds < minimum) {
    problems.push(`executionTimeoutSeconds (${values.executionTimeoutSeconds}) is below the longest mode's worst case (${minimum} s)`);
  }
  if (values.executionTimeoutSeconds > 365 * 24 * 3600)
    problems.push("executionTimeoutSeconds exceeds a year (the Standard workflow limit)");
  return problems;
}

/** The placeholder map of the DR machine (names as they appear in the fragments). */
export function drPlaceholderValues(values: DrStateMachineValues): Record<string, PlaceholderValue> {
  const problems = validateDrValues(values);
  if (problems.length > 0) throw new AslRenderError(`Invalid DR state machine values:\n  - ${problems.join("\n  - ")}`);
  const out: Record<string, PlaceholderValue> = {
    AlertTopicArn: values.alertTopicArn,
    Environment: values.environment,
    Region: values.region,
    PeerRegion: values.peerRegion,
    PrimaryRegion: values.primaryRegion,
    SecondaryRegion: values.secondaryRegion,
  };
  for (const [key, name] of Object.entries(TIMING_PLACEHOLDERS)) out[name] = values[key as keyof DrStateMachineTimings];
  out.LeaseTtlSeconds = leaseTtlSeconds();
  for (const fn of RUNBOOK_TASK_FUNCTIONS) out[functionArnPlaceholder(fn)] = values.functionArns[fn];
  return out;
}

export interface RenderedDefinition {
  definition: AslDefinition;
  /** What Pulumi passes as the state machine's `definition`. */
  json: string;
}

/** Renders the DR state machine of one region. Pure; throws AslRenderError on any inconsistency. */
export function renderDrStateMachine(values: DrStateMachineValues): RenderedDefinition {
  const definition = fillPlaceholders(composeFragments(DR_FRAGMENTS), drPlaceholderValues(values));
  return { definition, json: JSON.stringify(definition) };
}

/**
 * How late CloudWatch may evaluate a standard-resolution alarm after its period ends (datapoints
 * can land late; evaluation runs about once a minute): one period, at least a minute.
 */
export function alarmEvaluationDelaySeconds(periodSeconds: number): number {
  return Math.max(60, periodSeconds);
}

/** Inputs for {@link recommendedTimings}: the stack configuration the waits depend on. */
export interface TimingInputs {
  /** How long the payment path caches the region record (REGION_STATE_CACHE_SECONDS). */
  regionStateCacheSeconds: number;
  healthCheckIntervalSeconds: number;
  healthCheckFailureThreshold: number;
  probesPerMinute: number;
  /** Period of the PrimaryFenced alarm the primary's Route 53 health check watches (60: standard resolution). */
  fenceAlarmPeriodSeconds?: number;
}

/**
 * Defaults derived from the configuration, with the reasoning:
 * - settle: the payment path's cache plus a margin, at least 10 s ("≈10× the recent maximum
 *   ReplicationLatency", DynamoDB global-table evacuation guidance, with ~1 s typical latency);
 * - planned moves (eventual mode): announce the handover, wait the payment path's cache bound so
 *   every container re-reads the authority every second, stop the old writer, then wait only the
 *   handover settle (HANDOVER_SETTLE_SECONDS, 2 s) before the sentinel;
 * - DNS: the witness flips after the fence alarm evaluates (one period, plus up to one more for
 *   the datapoint to land) and Route 53 sees the required number of failed/healthy checks; poll
 *   every 10 s for twice that long, then escalate;
 * - detection: one probe period per check, for three minutes;
 * - sentinel: replication is ~1 s; poll every second (Wait's smallest step) for a minute: in eventual
 *   mode clients wait for the promotion, so each second the poll sleeps past the sentinel's arrival
 *   is a second without payments;
 * - fence alarm (failback): after PrimaryFenced=0 the alarm (Maximum over one period) can clear
 *   only at the end of the first period without a 1 — the one after the period the 0 landed in,
 *   since the secondary's canary republishes 1 until the promotion replicates there — so up to two
 *   periods, plus CloudWatch's evaluation delay (taken as one more period); poll every 10 s;
 * - lease re-check (an automatic run that stood down): every 20 s for 15 minutes, longer than a
 *   failback's worst case; a dead holder's lease counts as abandoned after 45 s without an answer
 *   from its region (runbooks/handlers/acquire-lease);
 * - approval: 15 minutes unless extended by a heartbeat, at most an hour;
 * - restore rehearsal (drill): the scratch table checked every 30 s for up to 4 hours ("The restore
 *   can take several hours to complete", bp-pitr-recovery-table-restore), and up to 240 check passes
 *   of ~12 s of reading each (about 48 minutes of Scans across both tables).
 */
export function recommendedTimings(input: TimingInputs): DrStateMachineTimings {
  const fenceAlarmPeriod = input.fenceAlarmPeriodSeconds ?? 60;
  const dnsExpected = 2 * fenceAlarmPeriod + input.healthCheckIntervalSeconds * input.healthCheckFailureThreshold;
  const dnsConfirmIntervalSeconds = 10;
  const fenceAlarmPollIntervalSeconds = 10;
  const fenceAlarmClearSeconds = 2 * fenceAlarmPeriod + alarmEvaluationDelaySeconds(fenceAlarmPeriod);
  const probePeriod = Math.max(1, Math.ceil(60 / Math.max(1, input.probesPerMinute)));
  const partial = {
    taskTimeoutSeconds: 30,
    fenceSettleSeconds: Math.max(10, input.regionStateCacheSeconds + 5),
    handoverAnnounceSeconds: Math.max(1, Math.ceil(input.regionStateCacheSeconds)),
    handoverSettleSeconds: HANDOVER_SETTLE_SECONDS,
    dnsConfirmIntervalSeconds,
    dnsConfirmMaxAttempts: Math.ceil((2 * dnsExpected) / dnsConfirmIntervalSeconds),
    sentinelPollIntervalSeconds: 1,
    sentinelPollMaxAttempts: 60,
    fenceAlarmPollIntervalSeconds,
    fenceAlarmPollMaxAttempts: Math.ceil(fenceAlarmClearSeconds / fenceAlarmPollIntervalSeconds),
    detectionPollIntervalSeconds: probePeriod,
    detectionPollMaxAttempts: Math.ceil(180 / probePeriod),
    peerExecutionPollIntervalSeconds: 15,
    peerExecutionPollMaxAttempts: 1,
    leaseRecheckIntervalSeconds: 20,
    leaseRecheckMaxAttempts: 45,
    approvalTimeoutSeconds: 3600,
    approvalHeartbeatSeconds: 900,
    restoreWaitIntervalSeconds: 30,
    restoreWaitMaxAttempts: 480,
    restoreVerifyMaxPasses: 240,
    executionTimeoutSeconds: 1,
  };
  partial.peerExecutionPollMaxAttempts = Math.ceil(failbackWorstCaseSeconds(partial) / partial.peerExecutionPollIntervalSeconds) + 4;
  partial.executionTimeoutSeconds = minimumExecutionTimeoutSeconds(partial) + 300;
  return partial;
}

// ---------------------------------------------------------------------------------------------
// The canary ticker (EXPRESS): N probes a minute without a sleeping Lambda
// ---------------------------------------------------------------------------------------------

export interface CanaryTickerValues {
  region: string;
  /** ARN of this region's canary function. */
  canaryFunctionArn: string;
  /** ARN of this region's reconcile function (invoked after each probe). */
  reconcileFunctionArn: string;
  /** Probes per minute (config canaryProbesPerMinute, 1–12). */
  probesPerMinute: number;
  /** TimeoutSeconds of each probe Task; above the canary function's timeout. */
  probeTimeoutSeconds: number;
}

/** Offsets (seconds into the minute) of N evenly spaced probes: 6 → 0, 10, 20, 30, 40, 50. */
export function probeOffsetsSeconds(probesPerMinute: number): number[] {
  return Array.from({ length: probesPerMinute }, (_, i) => Math.floor((i * 60) / probesPerMinute));
}

export function renderCanaryTicker(values: CanaryTickerValues): RenderedDefinition {
  const n = values.probesPerMinute;
  if (!Number.isInteger(n) || n < 1 || n > 60) throw new AslRenderError(`probesPerMinute must be an integer from 1 to 60, got ${n}`);
  if (!Number.isInteger(values.probeTimeoutSeconds) || values.probeTimeoutSeconds < 1) {
    throw new AslRenderError(`probeTimeoutSeconds must be a positive integer, got ${values.probeTimeoutSeconds}`);
  }
  for (const [key, arn] of [
    ["canaryFunctionArn", values.canaryFunctionArn],
    ["reconcileFunctionArn", values.reconcileFunctionArn],
  ] as const) {
    const match = LAMBDA_ARN.exec(arn);
    if (!match || match[1] !== values.region) throw new AslRenderError(`${key} must be a Lambda ARN in ${values.region}, got ${arn}`);
  }
  const offsets = probeOffsetsSeconds(n);
  const definition = fillPlaceholders(canaryTicker as unknown as AslDefinition, {
    Region: values.region,
    ProbesPerMinute: n,
    ProbeOffsetsSeconds: offsets,
    CanaryFunctionArn: values.canaryFunctionArn,
    ReconcileFunctionArn: values.reconcileFunctionArn,
    TaskTimeoutSeconds: values.probeTimeoutSeconds,
    // The last probe starts at its offset and may take its timeout (plus its one retry), then the
    // reconciler its own (plus its one retry); the 5 s cover the two 1 s retry intervals.
    TickerTimeoutSeconds: offsets[offsets.length - 1] + 4 * values.probeTimeoutSeconds + 5,
  });
  return { definition, json: JSON.stringify(definition) };
}

// ---------------------------------------------------------------------------------------------
// Introspection, for tests and the rehearsal
// ---------------------------------------------------------------------------------------------

export interface TaskBinding {
  state: string;
  /** Runbook handler folder the Task invokes. */
  handler: RunbookTaskFunction;
  /** `.waitForTaskToken`: the Task's result is the callback's output, not the function's. */
  waitForTaskToken: boolean;
}

/**
 * Which handler each Task state of a rendered DR definition invokes, read from its
 * `Parameters.FunctionName`. The local executor overrides Tasks by state name; this is the map.
 * The last-resort notices (`arn:aws:states:::sns:publish`) invoke no function and are left out.
 */
export function taskBindings(definition: AslDefinition, functionArns: Record<RunbookTaskFunction, string>): TaskBinding[] {
  const byArn = new Map(Object.entries(functionArns).map(([fn, arn]) => [arn, fn as RunbookTaskFunction]));
  const out: TaskBinding[] = [];
  for (const [state, body] of Object.entries(definition.States)) {
    if (body.Type !== "Task" || body.Resource === "arn:aws:states:::sns:publish") continue;
    const fnArn = (body.Parameters as { FunctionName?: string } | undefined)?.FunctionName;
    const handler = fnArn === undefined ? undefined : byArn.get(fnArn);
    if (!handler) throw new AslRenderError(`Task ${state} invokes ${fnArn ?? "(no FunctionName)"}, which is not a runbook function`);
    out.push({ state, handler, waitForTaskToken: String(body.Resource).endsWith(".waitForTaskToken") });
  }
  return out;
}
