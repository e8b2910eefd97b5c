/**
 * The evidence report of a DR run: a typed JSON document and its Markdown rendering.
 *
 * Pure and standalone (type-only imports, no AWS): the `write-report` step builds it from the
 * execution state, the offline rehearsal builds the same structure from its simulated world, and
 * `drctl report` renders what it downloads. Keys in the evidence bucket: {@link reportKeys}.
 *
 * Measurements (all seconds):
 * - outage start: a drill's drain; for a failover the last time the local canary saw the peer
 *   healthy (else the alarm time, else the run start); for a failback the fence of the secondary.
 * - detectionSeconds: outage start → first failing probe (drill) or → alarm (failover).
 * - dnsShiftSeconds: outage start (drill) or fence (failover/failback) → the DNS witness answering the activated region.
 * - rtoSeconds: outage start → the activated region both ACTIVE and answered by DNS.
 * - rpoExposureSeconds: max(0, last seen healthy − last replicated heartbeat); writes of the peer in
 *   the in-doubt window [last replicated heartbeat, check time] may be missing.
 * - holdPayments (a drill): what the payment path reported in the drilled region during the hold
 *   (PaymentAccepted, PaymentFailed, WriteRefused, WriteRedirected over [hold start rounded down to
 *   the minute, check time]) and the verdict (runbooks/domain/hold-payments.ts).
 * - restoreRehearsal (a drill that asked for one): the restore point, the request → the first check
 *   that saw the scratch table ACTIVE (to within one wait of the loop), and what the check found.
 */
import type { RunbookMode } from "../../lib/control-schema";
import type { ItemCounts, SpotCheck } from "./restore-rehearsal";
import type { RunState } from "./steps";

export const REPORT_KIND = "payments-dr/run-report";
export const REPORT_SCHEMA_VERSION = 1;

export type Verdict = "pass" | "fail" | "not-measured";
export type Outcome =
  | "failed-over"
  | "failed-back"
  /** Strong mode: the writer restored and DNS answering it, but the secondary's fence alarm could not be read (secondaryUnreachableNote). */
  | "failed-back-secondary-unreachable"
  | "drill-completed"
  | "drained"
  | "no-action"
  | "suppressed"
  | "failed";
export type OutageStartBasis = "drain" | "last-healthy-probe" | "alarm" | "run-start" | "fence";

export interface ReportTimelineEntry {
  at: string;
  /** Seconds since the execution started. */
  offsetSeconds: number;
  step: string;
  event: string;
}

export interface ReportDecision {
  at: string;
  step: string;
  decision: string;
  reason: string;
}

export interface DrReport {
  kind: typeof REPORT_KIND;
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generatedAt: string;
  /** true when produced by the offline rehearsal (simulated AWS). */
  simulated: boolean;
  environment: string | null;
  execution: {
    name: string;
    id: string;
    region: string;
    mode: RunbookMode;
    checkMode: string;
    status: "SUCCEEDED" | "FAILED";
    startedAt: string;
    finishedAt: string;
    durationSeconds: number;
    error: { name: string; cause: string } | null;
  };
  regions: {
    primary: string;
    secondary: string;
    /** The region this run activates (where it ran). */
    activated: string;
    peer: string;
    /** Region states as read at the start of the run (local replica). */
    before: Record<string, { state: string; epoch: number }>;
    /** Region states this run wrote, in order. */
    changes: { region: string; state: string; epoch: number; at: string; step: string }[];
  };
  trigger: { source: string; summary: string; at: string | null };
  outcome: Outcome;
  decisions: ReportDecision[];
  timeline: ReportTimelineEntry[];
  measurements: {
    outageStartedAt: string | null;
    outageStartBasis: OutageStartBasis | null;
    detectionSeconds: number | null;
    dnsShiftSeconds: number | null;
    rtoSeconds: number | null;
    rpoExposureSeconds: number | null;
    inDoubtWindow: { from: string | null; to: string } | null;
    /** Age of the peer's heartbeat in the local replica when replication was checked (eventual mode: the oldest table's). */
    replicationLagSeconds: number | null;
    /** Eventual mode: each table's heartbeat age and exposure, as CheckReplication measured them (absent otherwise). */
    replicationByTable?: { table: string; heartbeatAgeSeconds: number | null; exposureSeconds: number | null }[];
    /** Failback: sentinel written through the secondary → seen in the primary. */
    sentinelReplicationSeconds: number | null;
    /** Drill: duration of the failback execution in the primary. */
    failbackSeconds: number | null;
  };
  objectives: { rpoSeconds: number; rtoSeconds: number };
  evaluation: { rto: Verdict; rpo: Verdict; passed: boolean; notes: string[] };
  /** Best-effort direct stop of the old primary's writes (failover only). */
  stopPeerWrites: { functionName: string; region: string; stopped: boolean; error: string | null } | null;
  /** A drill's restore rehearsal, when the input asked for one (absent in reports written before it existed). */
  restoreRehearsal?: RestoreRehearsalReport | null;
  /** A drill's payment check after the hold (null for other modes; absent in reports written before it existed). */
  holdPayments?: HoldPaymentsReport | null;
}

/** What the drilled region's payment path reported during the hold, and the verdict. */
export interface HoldPaymentsReport {
  /**
   * passed: payments accepted, failures within the threshold; unproven: none reached the region and
   * the input allowed that; failed: the check failed; not-checked: it could not read the figures;
   * not-run: the drill ended before the hold.
   */
  result: "passed" | "unproven" | "failed" | "not-checked" | "not-run";
  region: string;
  /** The hold as CloudWatch was asked about it: the hold's start, the query's start (that, rounded down to the minute) and end. */
  window: { holdStartedAt: string; from: string; to: string } | null;
  /** Sums over the window: 202s, 500s, write-guard refusals (307s included) and 307s. */
  counts: { accepted: number; failed: number; refused: number; redirected: number } | null;
  /** Payments the region could not take (500s and refusals that were not redirects), in percent; null without payments. */
  failurePercent: number | null;
  policy: { allowNoTraffic: boolean; maxFailurePercent: number } | null;
  summary: string;
  error: { name: string; cause: string } | null;
}

/** What a drill's restore rehearsal did and found (runbooks/domain/restore-rehearsal.ts). */
export interface RestoreRehearsalReport {
  /** passed: restored, checked and deleted; failed: any of the three did not happen; not-run: the drill failed before it. */
  result: "passed" | "failed" | "not-run";
  table: string;
  region: string;
  sourceTable: string | null;
  scratchTable: string | null;
  /** How the source replicates: strong (MRSC) or eventual (MREC); the copy is a single-Region table either way. */
  consistency: "strong" | "eventual" | null;
  /** The point in time restored to, and the window DynamoDB offered when asked. */
  restorePoint: string | null;
  restorableWindow: { earliest: string; latest: string } | null;
  requestedAt: string | null;
  /** The first check that saw the scratch table ACTIVE, and the last that saw it not ACTIVE yet. */
  activeAt: string | null;
  lastSeenNotActiveAt: string | null;
  /** requestedAt → activeAt: an upper bound, to within one wait of the polling loop. */
  secondsToActive: number | null;
  checks: {
    passed: boolean;
    summary: string;
    problems: string[];
    copy: ItemCounts;
    source: ItemCounts;
    spotChecks: SpotCheck[];
    itemsRead: number;
    pages: number;
    checkedAt: string;
  } | null;
  cleanup: { deleted: boolean; status: string; detail: string; command: string | null } | null;
  /** Why the rehearsal ended as it did, when it did not pass. */
  error: { name: string; cause: string } | null;
}

export interface BuildReportOptions {
  now: number;
  rpoSeconds: number;
  rtoSeconds: number;
  environment?: string;
  simulated?: boolean;
}

/** Where a run's report lives in the evidence bucket of the region it ran in. */
export function reportKeys(executionName: string): { json: string; markdown: string } {
  return { json: `reports/${executionName}/report.json`, markdown: `reports/${executionName}/report.md` };
}

const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (fromMs: number, toMs: number) => Math.round((toMs - fromMs) / 100) / 10;

/**
 * What a strong-mode failback whose secondary could not be reached leaves behind, in on-call's
 * words: the fence alarm the run could not clear or read, why clients reach the primary anyway,
 * and what clears it (the secondary's canary, once its region is back).
 */
export function secondaryUnreachableNote(primary: string, alarm: { alarmName: string; region: string; detail: string }): string {
  return (
    `${alarm.region} could not be reached: its fence alarm ${alarm.alarmName} was never read as OK (last: ${alarm.detail}), so ` +
    `Route 53 keeps the primary guard's last known status; DNS answers ${primary} because the dead ${alarm.region} fails its own ` +
    `health check too (with every record unhealthy Route 53 answers the PRIMARY record). ${primary} is the only writer and ` +
    `${alarm.region} is STANDBY: nothing is left to change. When ${alarm.region} is back, its canary publishes PrimaryFenced=0 ` +
    `from the authority and the alarm turns OK at the end of that minute; until then DNS may answer ${alarm.region}, which ` +
    `redirects payments to ${primary} (307). Check: aws cloudwatch describe-alarms --region ${alarm.region} ` +
    `--alarm-names ${alarm.alarmName} (StateValue OK), then the DNS witness answers ${primary}`
  );
}

/** Builds the report from the execution state (`$` of the DR state machine). */
export function buildReport(state: RunState, options: BuildReportOptions): DrReport {
  const { run, steps } = state;
  const p = {
    lease: steps.lease?.Payload,
    assess: steps.assess?.Payload,
    replication: steps.replication?.Payload,
    fence: steps.fence?.Payload,
    drain: steps.drain?.Payload,
    drainSelf: steps.drainSelf?.Payload,
    stopWrites: steps.stopWrites?.Payload,
    detection: steps.detection?.Payload,
    promote: steps.promote?.Payload,
    dns: steps.dns?.Payload,
    sentinelWrite: steps.sentinelWrite?.Payload,
    sentinel: steps.sentinel?.Payload,
    restore: steps.restoreWriteFunction?.Payload,
    restoreLocal: steps.restoreLocalWriteFunction?.Payload,
    clearFence: steps.clearFenceMetric?.Payload,
    fenceAlarm: steps.fenceAlarm?.Payload,
    markStandby: steps.markStandby?.Payload,
    compensation: steps.compensation?.Payload,
    peerFailback: steps.peerFailback?.Payload,
    peerExecution: steps.peerExecution?.Payload,
  };
  const restoreRehearsal = restoreRehearsalOf(state);
  const holdPayments = holdPaymentsOf(state);
  const failed = state.error !== undefined;
  const outcome: Outcome = failed
    ? "failed"
    : p.lease?.suppressed
      ? "suppressed"
      : p.assess?.action === "failover"
        ? "failed-over"
        : p.assess?.action === "failback"
          ? // The only way a failback succeeds without the fence alarm OK (IsSecondaryUnreachableAfterHandover).
            p.fenceAlarm && !p.fenceAlarm.cleared
            ? "failed-back-secondary-unreachable"
            : "failed-back"
          : p.assess?.action === "drill"
            ? "drill-completed"
            : p.assess?.action === "drain-self"
              ? "drained"
              : "no-action";

  // --- timeline -------------------------------------------------------------------------------
  const events: { at: number; step: string; event: string }[] = [];
  if (run.trigger.source === "alarm") {
    events.push({
      at: Date.parse(run.trigger.changedAt),
      step: "trigger",
      event: `alarm ${run.trigger.alarmName} → ALARM (about ${run.trigger.subjectRegion})`,
    });
  }
  if (run.trigger.source === "reconcile") {
    events.push({ at: Date.parse(run.trigger.observedAt), step: "trigger", event: `reconciler: ${run.trigger.detail}` });
  }
  events.push({ at: run.startedAt, step: "start", event: `${run.mode} execution started in ${run.region}` });
  const add = (at: number | undefined, step: string, event: string) => {
    if (at !== undefined) events.push({ at, step, event });
  };
  add(
    p.lease?.finishedAt,
    "lease",
    p.lease ? (p.lease.suppressed ? `lease taken; run suppressed: ${p.lease.reason}` : `lease held by ${p.lease.holder}`) : "",
  );
  add(p.assess?.finishedAt, "assess", p.assess ? `decision: ${p.assess.action} — ${p.assess.reason}` : "");
  add(p.replication?.finishedAt, "replication", p.replication ? `replication ${p.replication.verdict}: ${p.replication.summary}` : "");
  if (steps.approval) add(p.replication?.finishedAt, "approval", `approved by ${steps.approval.approvedBy ?? "an operator"}`);
  add(p.drainSelf?.drainedAt, "drain-self", p.drainSelf ? `${p.drainSelf.region} marked DRAINED (epoch ${p.drainSelf.epoch})` : "");
  add(
    p.fence?.changedAt,
    "fence",
    p.fence
      ? `${p.fence.region} marked ${p.fence.state} via ${p.fence.via} replica${p.fence.fenceMetric ? `; PrimaryFenced=${p.fence.fenceMetric.value} in ${p.fence.fenceMetric.region}` : ""}`
      : "",
  );
  add(
    p.drain?.changedAt,
    "drain",
    p.drain
      ? `${p.drain.region} drained on purpose (DRAINED)${p.drain.fenceMetric ? `; PrimaryFenced=1 in ${p.drain.fenceMetric.region}` : ""}`
      : "",
  );
  add(
    p.stopWrites?.finishedAt,
    "stop-peer-writes",
    p.stopWrites
      ? p.stopWrites.stopped
        ? `${p.stopWrites.functionName} stopped (reserved concurrency 0)`
        : `direct stop of ${p.stopWrites.functionName} not done: ${p.stopWrites.error ?? "unknown"}`
      : "",
  );
  add(
    p.detection?.detectedAt ?? p.detection?.finishedAt,
    "detection",
    p.detection
      ? p.detection.detected
        ? `canary detected the drained peer (${p.detection.consecutiveFailures} failing probes)`
        : "canary did not detect the drained peer in time"
      : "",
  );
  add(
    p.sentinelWrite?.writtenAt,
    "sentinel",
    p.sentinelWrite ? `sentinel ${p.sentinelWrite.id} written through ${p.sentinelWrite.writtenIn}` : "",
  );
  add(
    p.sentinel?.seenAt ?? p.sentinel?.finishedAt,
    "sentinel",
    p.sentinel ? (p.sentinel.seen ? `sentinel replicated to ${run.region}` : "sentinel not yet replicated") : "",
  );
  add(p.restore?.finishedAt, "restore-write-function", p.restore ? `${p.restore.functionName}: ${p.restore.action}` : "");
  add(p.promote?.promotedAt, "promote", p.promote ? `${p.promote.region} ACTIVE at epoch ${p.promote.epoch} (${p.promote.proof})` : "");
  add(
    p.clearFence?.publishedAt ?? p.clearFence?.finishedAt,
    "clear-fence-metric",
    p.clearFence
      ? p.clearFence.publishedAt === null
        ? `PrimaryFenced=${p.clearFence.value} NOT published in ${p.clearFence.region}: ${p.clearFence.error ?? "unknown"}`
        : `PrimaryFenced=${p.clearFence.value} in ${p.clearFence.region}`
      : "",
  );
  // The last reading only: the loop may read "ALARM" many times before "OK".
  add(
    p.fenceAlarm?.checkedAt,
    "fence-alarm",
    p.fenceAlarm ? `fence alarm ${p.fenceAlarm.alarmName} in ${p.fenceAlarm.region}: ${p.fenceAlarm.detail}` : "",
  );
  add(
    p.dns?.checkedAt,
    "dns",
    p.dns
      ? p.dns.matches
        ? `DNS witness answers ${p.dns.expectedRegion}`
        : `DNS witness answers ${p.dns.answers.join(",") || "nothing"}, not ${p.dns.expectedRegion}`
      : "",
  );
  if (holdPayments && holdPayments.result !== "not-run")
    add(
      steps.holdPayments?.Payload?.finishedAt ?? p.dns?.checkedAt,
      "hold-payments",
      `payments during the hold: ${holdPayments.result} — ${holdPayments.summary}`,
    );
  add(
    p.peerFailback?.finishedAt,
    "peer-failback",
    p.peerFailback ? `failback execution ${p.peerFailback.name} started in ${p.peerFailback.region}` : "",
  );
  add(
    p.peerExecution?.stopDate ?? p.peerExecution?.finishedAt,
    "peer-failback",
    p.peerExecution ? `failback execution ${p.peerExecution.status}` : "",
  );
  add(p.markStandby?.changedAt, "standby", p.markStandby ? `${p.markStandby.region} marked STANDBY` : "");
  add(p.compensation?.finishedAt, "compensation", p.compensation ? `compensation ${p.compensation.action}: ${p.compensation.detail}` : "");
  if (restoreRehearsal) {
    const r = restoreRehearsal;
    const at = (t: string | null) => (t === null ? undefined : Date.parse(t));
    add(at(r.requestedAt), "restore-rehearsal", `restore of ${r.sourceTable} to ${r.restorePoint} requested into ${r.scratchTable}`);
    add(at(r.activeAt), "restore-rehearsal", `scratch table ACTIVE (${r.secondsToActive} s after the request)`);
    add(
      at(r.checks?.checkedAt ?? null),
      "restore-rehearsal",
      `restored copy checked: ${r.checks?.passed ? "passed" : "FAILED"} — ${r.checks?.summary}`,
    );
    add(steps.restoreCleanup?.Payload?.finishedAt, "restore-rehearsal", r.cleanup ? r.cleanup.detail : "");
  }
  if (state.error) events.push({ at: options.now, step: "error", event: `${state.error.Error}: ${state.error.Cause ?? ""}`.trim() });
  const timeline = events
    .filter((e) => e.event !== "" && Number.isFinite(e.at))
    .sort((a, b) => a.at - b.at)
    .map((e) => ({ at: iso(e.at), offsetSeconds: seconds(run.startedAt, e.at), step: e.step, event: e.event }));

  // --- decisions ------------------------------------------------------------------------------
  const decisions: ReportDecision[] = [];
  if (p.lease)
    decisions.push({
      at: iso(p.lease.finishedAt),
      step: "AcquireLease",
      decision: p.lease.suppressed ? "suppress" : p.lease.acquired ? "proceed" : "stand down",
      reason: p.lease.reason,
    });
  if (p.assess) {
    decisions.push({ at: iso(p.assess.finishedAt), step: "AssessRegions", decision: p.assess.action, reason: p.assess.reason });
    if (p.assess.needsApproval)
      decisions.push({
        at: iso(p.assess.finishedAt),
        step: "AssessRegions",
        decision: "approval required",
        reason: p.assess.approvalReason,
      });
  }
  if (p.replication)
    decisions.push({
      at: iso(p.replication.finishedAt),
      step: "CheckReplication",
      decision: p.replication.verdict,
      reason: p.replication.summary,
    });
  if (steps.approval) {
    decisions.push({
      at: iso(p.replication?.finishedAt ?? run.startedAt),
      step: "RequestApproval",
      decision: steps.approval.approved ? "approved" : "rejected",
      reason: steps.approval.comment ?? `by ${steps.approval.approvedBy ?? "an operator"}`,
    });
  }
  if (holdPayments && holdPayments.result !== "not-run")
    decisions.push({
      at: iso(steps.holdPayments?.Payload?.finishedAt ?? run.startedAt),
      step: "CheckHoldPayments",
      decision:
        holdPayments.result === "passed" || holdPayments.result === "unproven"
          ? "fail back, drill continues"
          : "fail back, then fail the drill",
      reason: holdPayments.error ? `${holdPayments.error.name}: ${holdPayments.error.cause}` : holdPayments.summary,
    });
  if (p.detection && !p.detection.detected)
    decisions.push({
      at: iso(p.detection.finishedAt),
      step: "CheckDetection",
      decision: "continue without detection",
      reason: "the canary did not report the drained peer within the polling window",
    });

  // --- measurements ---------------------------------------------------------------------------
  let outageStart: number | null = null;
  let basis: OutageStartBasis | null = null;
  if (p.drain) {
    outageStart = p.drain.changedAt;
    basis = "drain";
  } else if (run.mode === "failback" && p.fence) {
    outageStart = p.fence.changedAt;
    basis = "fence";
  } else if (p.replication?.lastSeenHealthyAt != null) {
    outageStart = p.replication.lastSeenHealthyAt;
    basis = "last-healthy-probe";
  } else if (run.trigger.source === "alarm") {
    outageStart = Date.parse(run.trigger.changedAt);
    basis = "alarm";
  } else if (p.promote) {
    outageStart = run.startedAt;
    basis = "run-start";
  }
  let detectionSeconds: number | null = null;
  if (p.detection) detectionSeconds = p.detection.detectionSeconds;
  else if (run.trigger.source === "alarm" && p.replication?.lastSeenHealthyAt != null) {
    detectionSeconds = Math.max(0, seconds(p.replication.lastSeenHealthyAt, Date.parse(run.trigger.changedAt)));
  }
  const dnsConfirmedAt = p.dns?.matches ? p.dns.checkedAt : null;
  const shiftFrom = p.drain?.changedAt ?? p.fence?.changedAt ?? null;
  const dnsShiftSeconds = dnsConfirmedAt !== null && shiftFrom !== null ? seconds(shiftFrom, dnsConfirmedAt) : null;
  const servingAt = dnsConfirmedAt !== null && p.promote ? Math.max(dnsConfirmedAt, p.promote.promotedAt) : null;
  const rtoSeconds = servingAt !== null && outageStart !== null ? seconds(outageStart, servingAt) : null;
  const rpoExposureSeconds = p.replication?.exposureSeconds ?? null;
  const failbackSeconds =
    p.peerExecution?.startDate != null && p.peerExecution.stopDate != null
      ? seconds(p.peerExecution.startDate, p.peerExecution.stopDate)
      : null;

  // --- evaluation -----------------------------------------------------------------------------
  const notes: string[] = [];
  const rto: Verdict = rtoSeconds === null ? "not-measured" : rtoSeconds <= options.rtoSeconds ? "pass" : "fail";
  const rpo: Verdict = rpoExposureSeconds === null ? "not-measured" : rpoExposureSeconds <= options.rpoSeconds ? "pass" : "fail";
  if (rto === "fail") notes.push(`RTO ${rtoSeconds} s exceeds the objective of ${options.rtoSeconds} s`);
  if (rpo === "fail") notes.push(`RPO exposure ${rpoExposureSeconds} s exceeds the objective of ${options.rpoSeconds} s`);
  if (p.detection && !p.detection.detected)
    notes.push("the canary did not detect the drained primary: automatic failover would not have started");
  if (run.mode === "drill" && p.peerExecution && p.peerExecution.status !== "SUCCEEDED")
    notes.push(`the failback execution ended ${p.peerExecution.status}`);
  if (p.stopWrites && !p.stopWrites.stopped)
    notes.push(
      `the best-effort stop of ${p.stopWrites.functionName} did not happen (${p.stopWrites.error ?? "unknown"}); the fence alone keeps it out of DNS`,
    );
  if (failed) notes.push(`the run failed: ${state.error?.Error}`);
  if (p.compensation) notes.push(`compensation ran: ${p.compensation.detail}`);
  if (outcome === "failed-back-secondary-unreachable" && p.fenceAlarm) notes.push(secondaryUnreachableNote(run.region, p.fenceAlarm));
  if (basis === "last-healthy-probe" || basis === "alarm" || basis === "run-start") {
    notes.push(`outage start estimated from the ${basis.replace(/-/g, " ")}; the true start is no later`);
  }
  if (restoreRehearsal?.result === "failed")
    notes.push(
      `the restore rehearsal FAILED: ${restoreRehearsal.error ? `${restoreRehearsal.error.name}: ${restoreRehearsal.error.cause}` : "see restoreRehearsal"}`,
    );
  if (restoreRehearsal?.result === "not-run") notes.push("the restore rehearsal asked for did not run: the drill failed before it");
  if (restoreRehearsal?.cleanup && !restoreRehearsal.cleanup.deleted)
    notes.push(`the scratch table was NOT deleted: ${restoreRehearsal.cleanup.detail}`);
  if (holdPayments?.result === "unproven")
    notes.push(
      `the payment path in ${holdPayments.region} was not proven: no payment reached it during the hold (the drill input allowed that)`,
    );
  if (holdPayments?.result === "failed" || holdPayments?.result === "not-checked")
    notes.push(`payments during the hold in ${holdPayments.region}: ${holdPayments.result.toUpperCase()} — ${holdPayments.summary}`);
  const drillMeasured = run.mode !== "drill" || (rto === "pass" && p.detection?.detected === true);
  const restored = restoreRehearsal === null || restoreRehearsal.result === "passed";
  // A drill passes only if payments succeeded where it moved traffic (or the input accepted an unproven hold).
  const paid = holdPayments === null || holdPayments.result === "passed" || holdPayments.result === "unproven";
  const passed = !failed && rto !== "fail" && rpo !== "fail" && drillMeasured && restored && paid;

  // --- regions --------------------------------------------------------------------------------
  const before: Record<string, { state: string; epoch: number }> = {};
  if (p.assess?.local) before[p.assess.local.region] = { state: p.assess.local.state, epoch: p.assess.local.epoch };
  if (p.assess?.peer) before[p.assess.peer.region] = { state: p.assess.peer.state, epoch: p.assess.peer.epoch };
  const changes: DrReport["regions"]["changes"] = [];
  if (p.drainSelf)
    changes.push({
      region: p.drainSelf.region,
      state: "DRAINED",
      epoch: p.drainSelf.epoch,
      at: iso(p.drainSelf.drainedAt),
      step: "DrainLocalRegion",
    });
  for (const [s, step] of [
    [p.fence, "Fence"],
    [p.drain, "DrainPrimary"],
  ] as const) {
    if (s) changes.push({ region: s.region, state: s.state, epoch: s.epoch, at: iso(s.changedAt), step });
  }
  if (p.promote)
    changes.push({ region: p.promote.region, state: "ACTIVE", epoch: p.promote.epoch, at: iso(p.promote.promotedAt), step: "Promote" });
  if (p.markStandby)
    changes.push({
      region: p.markStandby.region,
      state: "STANDBY",
      epoch: p.markStandby.epoch,
      at: iso(p.markStandby.changedAt),
      step: "MarkSecondaryStandby",
    });
  changes.sort((a, b) => a.at.localeCompare(b.at));

  return {
    kind: REPORT_KIND,
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: iso(options.now),
    simulated: options.simulated ?? false,
    environment: options.environment ?? null,
    execution: {
      name: run.executionName,
      id: run.executionId,
      region: run.region,
      mode: run.mode,
      checkMode: run.checkMode,
      status: failed ? "FAILED" : "SUCCEEDED",
      startedAt: iso(run.startedAt),
      finishedAt: iso(options.now),
      durationSeconds: seconds(run.startedAt, options.now),
      error: state.error ? { name: state.error.Error, cause: state.error.Cause ?? "" } : null,
    },
    regions: { primary: run.primaryRegion, secondary: run.secondaryRegion, activated: run.region, peer: run.peerRegion, before, changes },
    trigger: {
      source: run.trigger.source,
      summary: run.reason,
      at: run.trigger.source === "alarm" ? run.trigger.changedAt : null,
    },
    outcome,
    decisions,
    timeline,
    measurements: {
      outageStartedAt: outageStart === null ? null : iso(outageStart),
      outageStartBasis: basis,
      detectionSeconds,
      dnsShiftSeconds,
      rtoSeconds,
      rpoExposureSeconds,
      inDoubtWindow: p.replication
        ? {
            from: p.replication.inDoubtWindow.from === null ? null : iso(p.replication.inDoubtWindow.from),
            to: iso(p.replication.inDoubtWindow.to),
          }
        : null,
      replicationLagSeconds: p.replication?.peerHeartbeatAgeSeconds ?? null,
      ...(p.replication?.exposureByTable
        ? {
            replicationByTable: p.replication.exposureByTable.map(({ table, heartbeatAgeSeconds, exposureSeconds }) => ({
              table,
              heartbeatAgeSeconds,
              exposureSeconds,
            })),
          }
        : {}),
      sentinelReplicationSeconds: p.sentinel?.replicationSeconds ?? null,
      failbackSeconds,
    },
    objectives: { rpoSeconds: options.rpoSeconds, rtoSeconds: options.rtoSeconds },
    evaluation: { rto, rpo, passed, notes },
    stopPeerWrites: p.stopWrites
      ? {
          functionName: p.stopWrites.functionName,
          region: p.stopWrites.region,
          stopped: p.stopWrites.stopped,
          error: p.stopWrites.error ?? null,
        }
      : null,
    restoreRehearsal,
    holdPayments,
  };
}

/** The drill's payment check, from its step (null: not a drill). */
export function holdPaymentsOf(state: RunState): HoldPaymentsReport | null {
  const { run } = state;
  if (run.mode !== "drill") return null;
  const h = state.steps.holdPayments?.Payload;
  if (!h) {
    return {
      result: "not-run",
      region: run.region,
      window: null,
      counts: null,
      failurePercent: null,
      policy: null,
      summary: "the drill ended before the hold: no payment check",
      error: null,
    };
  }
  const result = !h.checked ? "not-checked" : !h.passed ? "failed" : h.basis === "no-traffic-allowed" ? "unproven" : "passed";
  return {
    result,
    region: h.region ?? run.region,
    window: h.window ? { holdStartedAt: iso(h.window.holdStartedAt), from: iso(h.window.from), to: iso(h.window.to) } : null,
    counts: h.counts ?? null,
    failurePercent: h.failurePercent ?? null,
    policy: h.policy ?? null,
    summary: h.summary ?? (h.error ? h.error.message : ""),
    error: h.error ? { name: h.error.name, cause: h.error.message } : null,
  };
}

/** The restore rehearsal's section of the report, from the steps it reached (null: none asked for). */
export function restoreRehearsalOf(state: RunState): RestoreRehearsalReport | null {
  const { run, steps } = state;
  if (!run.restoreRehearsal) return null;
  const start = steps.restoreStart?.Payload;
  const status = steps.restoreStatus?.Payload;
  const verify = steps.restoreVerify?.Payload;
  const cleanupStep = steps.restoreCleanup?.Payload;
  const checks =
    verify?.done && verify.passed !== null && verify.scratch && verify.source
      ? {
          passed: verify.passed,
          summary: verify.summary ?? "",
          problems: verify.problems ?? [],
          copy: verify.scratch,
          source: verify.source,
          spotChecks: verify.spotChecks ?? [],
          itemsRead: verify.itemsRead ?? 0,
          pages: verify.pages ?? 0,
          checkedAt: iso(verify.checkedAt ?? verify.finishedAt ?? run.startedAt),
        }
      : null;
  const cleanup = cleanupStep
    ? { deleted: cleanupStep.deleted, status: cleanupStep.status, detail: cleanupStep.detail, command: cleanupStep.command ?? null }
    : null;
  const activeAt = status?.activeAt ?? null;
  const error = state.restoreError
    ? { name: state.restoreError.Error, cause: state.restoreError.Cause ?? "" }
    : checks && !checks.passed
      ? { name: "RestoreCheckFailedError", cause: checks.summary }
      : cleanup && !cleanup.deleted
        ? { name: "ScratchTableNotDeletedError", cause: cleanup.detail }
        : null;
  const ran = start !== undefined || state.restoreError !== undefined;
  const result = !ran ? "not-run" : error === null && checks?.passed === true && cleanup?.deleted === true ? "passed" : "failed";
  return {
    result,
    table: run.restoreRehearsal.table,
    region: run.region,
    sourceTable: start?.sourceTable ?? null,
    scratchTable: start?.scratchTable ?? cleanupStep?.tableName ?? null,
    consistency: start?.consistency ?? null,
    restorePoint: start ? iso(start.restorePoint) : null,
    restorableWindow: start ? { earliest: iso(start.earliestRestorable), latest: iso(start.latestRestorable) } : null,
    requestedAt: start ? iso(start.requestedAt) : null,
    activeAt: activeAt === null ? null : iso(activeAt),
    lastSeenNotActiveAt: status && activeAt !== null ? iso(status.lastNotActiveAt) : null,
    secondsToActive: start && activeAt !== null ? seconds(start.requestedAt, activeAt) : null,
    checks,
    cleanup,
    error,
  };
}

/** A light structural check for reports read back from S3 (drctl report). */
export function isDrReport(value: unknown): value is DrReport {
  const v = value as Partial<DrReport> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    v.kind === REPORT_KIND &&
    v.schemaVersion === REPORT_SCHEMA_VERSION &&
    typeof v.execution === "object"
  );
}

const show = (n: number | null, unit = " s") => (n === null ? "—" : `${n}${unit}`);
const verdictMark = (v: Verdict) => (v === "pass" ? "PASS" : v === "fail" ? "FAIL" : "not measured");
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Markdown for people: auditors, on-call, the drill's ticket. */
export function renderReportMarkdown(report: DrReport): string {
  const e = report.execution;
  const m = report.measurements;
  const lines: string[] = [];
  lines.push(`# DR ${e.mode} report — ${e.name}`);
  lines.push("");
  if (report.simulated) lines.push("> Simulated: produced by the offline rehearsal, not by AWS.", "");
  lines.push(
    `**Result: ${report.evaluation.passed ? "PASSED" : "FAILED"}** — outcome \`${report.outcome}\`, execution ${e.status}${e.error ? ` (${e.error.name})` : ""}.`,
  );
  lines.push("");
  lines.push("| | |", "|---|---|");
  lines.push(`| Environment | ${report.environment ?? "—"} |`);
  lines.push(`| Execution | \`${cell(e.id)}\` |`);
  lines.push(
    `| Region (activated) | ${report.regions.activated} (peer ${report.regions.peer}; primary ${report.regions.primary}, secondary ${report.regions.secondary}) |`,
  );
  lines.push(
    `| Trigger | ${report.trigger.source}: ${cell(report.trigger.summary)}${report.trigger.at ? ` at ${report.trigger.at}` : ""} |`,
  );
  lines.push(`| Started / finished | ${e.startedAt} / ${e.finishedAt} (${e.durationSeconds} s) |`);
  if (e.error) lines.push(`| Error | \`${e.error.name}\`: ${cell(e.error.cause)} |`);
  lines.push("");
  lines.push("## Objectives", "");
  lines.push("| Measure | Measured | Objective | Verdict |", "|---|---|---|---|");
  lines.push(`| RTO | ${show(m.rtoSeconds)} | ${report.objectives.rtoSeconds} s | ${verdictMark(report.evaluation.rto)} |`);
  lines.push(
    `| RPO exposure | ${show(m.rpoExposureSeconds)} | ${report.objectives.rpoSeconds} s | ${verdictMark(report.evaluation.rpo)} |`,
  );
  lines.push("");
  lines.push("## Measurements", "");
  lines.push("| Measure | Value |", "|---|---|");
  lines.push(`| Outage start | ${m.outageStartedAt ?? "—"}${m.outageStartBasis ? ` (${m.outageStartBasis})` : ""} |`);
  lines.push(`| Detection time | ${show(m.detectionSeconds)} |`);
  lines.push(`| DNS shift time | ${show(m.dnsShiftSeconds)} |`);
  lines.push(`| Replication lag (peer heartbeat age) | ${show(m.replicationLagSeconds)} |`);
  for (const t of m.replicationByTable ?? []) {
    lines.push(
      `| Replication, ${t.table} table (exposure / heartbeat age) | ${show(t.exposureSeconds)} / ${show(t.heartbeatAgeSeconds)} |`,
    );
  }
  lines.push(`| In-doubt window | ${m.inDoubtWindow ? `${m.inDoubtWindow.from ?? "unknown"} → ${m.inDoubtWindow.to}` : "—"} |`);
  if (m.sentinelReplicationSeconds !== null) lines.push(`| Sentinel replication | ${show(m.sentinelReplicationSeconds)} |`);
  if (m.failbackSeconds !== null) lines.push(`| Failback duration | ${show(m.failbackSeconds)} |`);
  if (report.stopPeerWrites) {
    lines.push(
      `| Direct stop of ${report.stopPeerWrites.functionName} | ${report.stopPeerWrites.stopped ? "done" : `not done: ${cell(report.stopPeerWrites.error ?? "")}`} |`,
    );
  }
  lines.push("");
  if (Object.keys(report.regions.before).length > 0 || report.regions.changes.length > 0) {
    lines.push("## Region states", "");
    for (const [region, s] of Object.entries(report.regions.before)) lines.push(`- before: ${region} ${s.state} (epoch ${s.epoch})`);
    for (const c of report.regions.changes) lines.push(`- ${c.at}: ${c.region} → ${c.state} (epoch ${c.epoch}) by ${c.step}`);
    lines.push("");
  }
  const h = report.holdPayments;
  if (h) {
    const verdict = {
      passed: "PASSED",
      unproven: "PASSED, UNPROVEN",
      failed: "FAILED",
      "not-checked": "NOT CHECKED",
      "not-run": "NOT RUN",
    }[h.result];
    lines.push("## Payments during the hold", "");
    lines.push(`**${verdict}**${h.error ? ` — \`${h.error.name}\`: ${cell(h.error.cause)}` : ""}`, "");
    lines.push("| | |", "|---|---|");
    lines.push(`| Region | ${h.region} (what its payment path, create-payment, reported to CloudWatch) |`);
    if (h.window)
      lines.push(
        `| Window | ${h.window.from} → ${h.window.to} (the hold started ${h.window.holdStartedAt}; CloudWatch counts whole minutes) |`,
      );
    if (h.counts) {
      lines.push(`| Accepted (202, PaymentAccepted) | ${h.counts.accepted} |`);
      lines.push(`| Failed (500, PaymentFailed) | ${h.counts.failed} |`);
      lines.push(`| Refused (503, WriteRefused without a redirect) | ${h.counts.refused - h.counts.redirected} |`);
      lines.push(`| Redirected (307, WriteRedirected) | ${h.counts.redirected} |`);
    }
    if (h.failurePercent !== null) lines.push(`| Could not be taken | ${h.failurePercent} % |`);
    if (h.policy)
      lines.push(
        `| Threshold | at most ${h.policy.maxFailurePercent} %; a hold without payments ${h.policy.allowNoTraffic ? "passes unproven (allowNoTraffic)" : "fails"} |`,
      );
    lines.push(`| Verdict | ${cell(h.summary)} |`);
    lines.push("");
  }
  const r = report.restoreRehearsal;
  if (r) {
    lines.push("## Restore rehearsal", "");
    lines.push(
      `**${r.result === "passed" ? "PASSED" : r.result === "failed" ? "FAILED" : "NOT RUN"}**${r.error ? ` — \`${r.error.name}\`: ${cell(r.error.cause)}` : ""}`,
      "",
    );
    lines.push("| | |", "|---|---|");
    lines.push(
      `| Source | ${r.sourceTable ?? r.table} in ${r.region}${r.consistency ? ` (${r.consistency === "strong" ? "MRSC" : "MREC"} global table; the copy is a single-Region table)` : ""} |`,
    );
    lines.push(
      `| Restore point | ${r.restorePoint ?? "—"}${r.restorableWindow ? ` (restorable ${r.restorableWindow.earliest} to ${r.restorableWindow.latest})` : ""} |`,
    );
    lines.push(`| Scratch table | ${r.scratchTable ?? "—"} |`);
    lines.push(
      `| Time to ACTIVE | ${show(r.secondsToActive)}${r.activeAt ? ` (requested ${r.requestedAt}, ACTIVE by ${r.activeAt}, still not ACTIVE at ${r.lastSeenNotActiveAt})` : ""} |`,
    );
    if (r.checks) {
      const c = r.checks;
      lines.push(`| Payments acknowledged before the restore point | copy ${c.copy.before}, source ${c.source.before} |`);
      lines.push(`| Items written after the restore point in the copy | ${c.copy.after} |`);
      lines.push(`| Within the margin (not judged) | copy ${c.copy.boundary}, source ${c.source.boundary} |`);
      lines.push(`| Payments compared attribute by attribute | ${c.spotChecks.map((s) => `${s.key} ${s.result}`).join(", ") || "none"} |`);
      lines.push(`| Items read | ${c.itemsRead} in ${c.pages} Scan pages |`);
      lines.push(`| Check | ${c.passed ? "passed" : "FAILED"}: ${cell(c.summary)} |`);
    }
    lines.push(`| Scratch table deleted | ${r.cleanup ? `${r.cleanup.deleted ? "yes" : "NO"}: ${cell(r.cleanup.detail)}` : "—"} |`);
    lines.push("");
  }
  if (report.decisions.length > 0) {
    lines.push("## Decisions", "");
    lines.push("| Time | Step | Decision | Reason |", "|---|---|---|---|");
    for (const d of report.decisions) lines.push(`| ${d.at} | ${d.step} | ${cell(d.decision)} | ${cell(d.reason)} |`);
    lines.push("");
  }
  lines.push("## Timeline", "");
  lines.push("| Time | +s | Step | Event |", "|---|---|---|---|");
  for (const t of report.timeline) lines.push(`| ${t.at} | ${t.offsetSeconds} | ${t.step} | ${cell(t.event)} |`);
  lines.push("");
  if (report.evaluation.notes.length > 0) {
    lines.push("## Notes", "");
    for (const n of report.evaluation.notes) lines.push(`- ${n}`);
    lines.push("");
  }
  lines.push(`_Generated ${report.generatedAt} by payments-dr (report schema ${report.schemaVersion})._`);
  return `${lines.join("\n")}\n`;
}
