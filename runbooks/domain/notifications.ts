/**
 * SNS messages of a run, composed from the execution state. Pure: the `notify` step publishes
 * what this returns. Every message says what happened, where, how long the run has taken, the
 * region states it knows of, and what on-call should do next.
 */
import { buildReport, type RestoreRehearsalReport, restoreRehearsalOf } from "./report";
import type { RunState } from "./steps";

export const NOTIFY_EVENTS = ["started", "decision", "succeeded", "failed", "stood-down", "dry-run"] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export interface Notification {
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

export interface ComposeOptions {
  now: number;
  environment: string;
  rpoSeconds: number;
  rtoSeconds: number;
}

const RUNBOOK_DOC = "docs/runbooks.md";

/** SNS subjects: ASCII, no line breaks, at most 100 characters. */
export function snsSubject(text: string): string {
  // eslint-disable-next-line no-control-regex
  const ascii = text.replace(/[^\x20-\x7E]/g, "?");
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

export function composeNotification(event: NotifyEvent, state: RunState, options: ComposeOptions): Notification {
  const { run, steps } = state;
  const elapsed = Math.round((options.now - run.startedAt) / 100) / 10;
  const head = `[payments-dr ${options.environment}] ${run.mode}${run.mode === "dry-run" ? ` (${run.checkMode})` : ""} in ${run.region}`;
  const lines: string[] = [];
  let subject: string;
  const assess = steps.assess?.Payload;
  const replication = steps.replication?.Payload;

  switch (event) {
    case "started":
      subject = `${head}: started`;
      lines.push(`A ${run.mode} run started in ${run.region} (${run.localRole}).`, `Reason: ${run.reason}.`);
      break;
    case "decision":
      subject = `${head}: decision ${assess?.action ?? "unknown"}`;
      lines.push(`Decision: ${assess?.action ?? "unknown"} — ${assess?.reason ?? "no assessment"}.`);
      if (assess?.needsApproval) lines.push(`Approval required: ${assess.approvalReason}.`);
      break;
    case "succeeded": {
      const report = buildReport(state, options);
      subject = `${head}: ${report.outcome}${report.evaluation.passed ? "" : " (objectives not met)"}`;
      lines.push(`The run finished: ${report.outcome}.`);
      const m = report.measurements;
      if (m.rtoSeconds !== null) lines.push(`RTO ${m.rtoSeconds} s (objective ${options.rtoSeconds} s).`);
      if (m.rpoExposureSeconds !== null) lines.push(`RPO exposure ${m.rpoExposureSeconds} s (objective ${options.rpoSeconds} s).`);
      if (m.detectionSeconds !== null) lines.push(`Detection ${m.detectionSeconds} s.`);
      if (m.dnsShiftSeconds !== null) lines.push(`DNS shift ${m.dnsShiftSeconds} s.`);
      if (report.restoreRehearsal) lines.push(restoreLine(report.restoreRehearsal));
      for (const note of report.evaluation.notes) lines.push(`Note: ${note}.`);
      if (report.outcome === "failed-back-secondary-unreachable") {
        // The note above says what is left and what clears it; this is the page's call to action.
        lines.push(
          `What to do: nothing now — ${run.region} takes the payments. When ${run.peerRegion} is back, check that its fence alarm is OK ` +
            `within about two minutes (see "failed-back-secondary-unreachable" in ${RUNBOOK_DOC}).`,
        );
      }
      if (report.outcome === "drained") {
        lines.push(`${run.region} drained itself; the peer's canary will detect it and the peer's state machine decides on failover.`);
      }
      break;
    }
    case "failed": {
      const error = state.error ?? { Error: "Unknown", Cause: "" };
      subject = `${head}: FAILED ${error.Error}`;
      lines.push(`The run failed with ${error.Error}.`, `Cause: ${error.Cause ?? "(none)"}`);
      lines.push(`What happened before the failure: ${whatChanged(state)}`);
      const restore = restoreRehearsalOf(state);
      if (restore && restore.result !== "not-run") {
        lines.push(restoreLine(restore));
        if (restore.cleanup && !restore.cleanup.deleted && restore.cleanup.command)
          lines.push(`The scratch table is still there: once it is ACTIVE, run ${restore.cleanup.command}`);
      }
      if (state.compensationError)
        lines.push(`Compensation also failed: ${state.compensationError.Error}: ${state.compensationError.Cause ?? ""}`);
      lines.push(`What to do: see "${error.Error}" in ${RUNBOOK_DOC}.`);
      break;
    }
    case "stood-down": {
      const lease = steps.lease?.Payload;
      const held = lease?.heldBy;
      subject = `${head}: stood down${held ? ` (${held.mode} ${held.holder} holds the lease)` : ""}`;
      lines.push(`This automatic run changed nothing: ${lease?.reason ?? "another run holds the DR lease"}.`);
      if (held) {
        lines.push(
          `If that ${held.mode} is abandoned (its region ${held.region} is down, or its execution stopped), take the lease over from a live region: ` +
            `drctl failover --env ${options.environment} --to ${run.region} --take-over-lease ${held.holder} (see "LeaseHeldError" in ${RUNBOOK_DOC}).`,
        );
      }
      break;
    }
    case "dry-run": {
      const summary = steps.dryRun?.Payload;
      subject = `${head}: ${summary?.ready ? "READY" : "NOT READY"}`;
      lines.push(
        `Dry-run of ${run.checkMode} in ${run.region}: ${summary?.ready ? "every precondition holds" : "some preconditions fail"}. Nothing was changed.`,
      );
      for (const f of summary?.findings ?? []) lines.push(`${f.ok ? "ok  " : "FAIL"} ${f.check}: ${f.detail}`);
      break;
    }
  }
  if (replication && event !== "dry-run") lines.push(`Replication: ${replication.summary}.`);
  lines.push(`Elapsed: ${elapsed} s since the execution started.`);
  lines.push(`Execution: ${run.executionId}`);
  return {
    subject: snsSubject(subject),
    message: lines.join("\n"),
    attributes: { event, mode: run.mode, region: run.region, execution: run.executionName },
  };
}

/**
 * A run that never got past ValidateInput because its function could not run (Lambda failing every
 * invocation past the Task's retries, or timing out): there is no validated `$.run`, so the
 * notification is built from the execution's own context and the input it was started with.
 * Nothing was done — ValidateInput is pure and comes before the lease — but whatever started the
 * run (an alarm, the reconciler, on-call) is still standing, and only this says the run did not act.
 */
export interface NotStarted {
  execution: { name: string; id: string };
  region: string;
  input: unknown;
  error: { Error: string; Cause?: string };
}

/** At most this much of the input goes into the message (SNS messages may be 256 KB; a page is not). */
const INPUT_EXCERPT_CHARS = 600;

export function composeNotStartedNotification(n: NotStarted, options: Pick<ComposeOptions, "environment">): Notification {
  const mode = typeof (n.input as { mode?: unknown } | null)?.mode === "string" ? String((n.input as { mode: string }).mode) : "unknown";
  const input = JSON.stringify(n.input) ?? "undefined";
  const lines = [
    `The run stopped at ValidateInput: its function could not run (${n.error.Error}), so nothing was done — no lease, no write, no change to any region.`,
    `Cause: ${n.error.Cause ?? "(none)"}`,
    `Started with: ${input.length > INPUT_EXCERPT_CHARS ? `${input.slice(0, INPUT_EXCERPT_CHARS)}…` : input}`,
    "What to do: whatever started it is still standing. Check the validate-input function in this region, then start the run again " +
      `(drctl, or the alarm's next transition); see "Run stopped before it started" in ${RUNBOOK_DOC}.`,
    `Execution: ${n.execution.id}`,
  ];
  return {
    subject: snsSubject(`[payments-dr ${options.environment}] ${mode} in ${n.region}: FAILED before it started (${n.error.Error})`),
    message: lines.join("\n"),
    attributes: { event: "failed", mode, region: n.region, execution: n.execution.name },
  };
}

/** One line on a drill's restore rehearsal: what was restored, what the check found, whether the scratch table is gone. */
function restoreLine(r: RestoreRehearsalReport): string {
  if (r.result === "not-run") return "Restore rehearsal: not run (the drill failed before it).";
  const what = `${r.sourceTable ?? r.table} in ${r.region} to ${r.restorePoint ?? "?"}`;
  const active = r.secondsToActive !== null ? `ACTIVE after ${r.secondsToActive} s` : "never ACTIVE";
  const check = r.checks ? `; ${r.checks.summary}` : "";
  const cleanup = r.cleanup ? `; scratch table ${r.cleanup.deleted ? "deleted" : "NOT deleted"}` : "";
  const error = r.error ? ` (${r.error.name}: ${r.error.cause})` : "";
  return `Restore rehearsal ${r.result === "passed" ? "passed" : "FAILED"}${error}: ${what}, ${active}${check}${cleanup}.`;
}

/** A one-line account of the state changes the run made, for a failure message. */
export function whatChanged(state: RunState): string {
  const s = state.steps;
  const changes: string[] = [];
  if (s.drainSelf?.Payload) changes.push(`${s.drainSelf.Payload.region} DRAINED`);
  if (s.fence?.Payload) changes.push(`${s.fence.Payload.region} ${s.fence.Payload.state}`);
  if (s.drain?.Payload) changes.push(`${s.drain.Payload.region} DRAINED (drill)`);
  if (s.stopWrites?.Payload?.stopped) changes.push(`${s.stopWrites.Payload.functionName} stopped`);
  if (s.promote?.Payload) changes.push(`${s.promote.Payload.region} ACTIVE (epoch ${s.promote.Payload.epoch})`);
  if (s.clearFenceMetric?.Payload && s.clearFenceMetric.Payload.publishedAt !== null)
    changes.push(`PrimaryFenced=${s.clearFenceMetric.Payload.value} in ${s.clearFenceMetric.Payload.region}`);
  if (s.markStandby?.Payload) changes.push(`${s.markStandby.Payload.region} STANDBY`);
  if (s.compensation?.Payload) changes.push(`compensation: ${s.compensation.Payload.detail}`);
  return changes.length > 0 ? `${changes.join("; ")}.` : "no region state was changed.";
}
