/**
 * A quarterly drill, started in the secondary with a drill input (hold shortened to a minute):
 * the primary is drained on purpose, detection and DNS are measured, traffic is held in the
 * secondary, the primary's failback runs under the drill's lease, then (the drill asks for it) a
 * restore rehearsal: the payments table's replica in the secondary restored to a point in time into
 * a scratch table, checked against the table and deleted; the evidence report carries its figures.
 * Automatic runs the drain trips stand down.
 */
import type { HoldPaymentsReport, RestoreRehearsalReport } from "../../../runbooks/domain/report";
import { objectiveChecks } from "../checks";
import { automaticExecutions, waitForExecutionEnd, type Scenario } from "../scenario";
import { actingRuns, check, endsWith } from "./helpers";

export const DRILL_HOLD_SECONDS = 60;

/** The drill's restore rehearsal (report.json restoreRehearsal): restored, checked, deleted. */
function restoreCheck(report: Record<string, unknown> | undefined) {
  const r = report?.restoreRehearsal as RestoreRehearsalReport | null | undefined;
  const c = r?.checks;
  return check(
    "the restore rehearsal restored the payments table to a point in time, the copy checked out, and its scratch table was deleted",
    r?.result === "passed" && c != null && c.copy.before > 0 && c.copy.before === c.source.before && r.cleanup?.deleted === true,
    r
      ? `${r.result}: restore point ${r.restorePoint}, ACTIVE ${r.secondsToActive} s after the request; ` +
          (c
            ? `${c.copy.before} of ${c.source.before} payments acknowledged 60 s+ before it in the copy, ${c.copy.after} later ones, ` +
              `${c.spotChecks.filter((s) => s.result === "identical").length} of ${c.spotChecks.length} compared identical; `
            : "not checked; ") +
          `scratch table ${r.cleanup?.deleted ? "deleted" : "NOT deleted"}${r.error ? ` (${r.error.name})` : ""}`
      : "no restore rehearsal in the report",
  );
}

/** The drill's payment check (report.json holdPayments): payments accepted in the secondary during the hold, failures within bounds. */
export function holdPaymentsCheck(report: Record<string, unknown> | undefined) {
  const h = report?.holdPayments as HoldPaymentsReport | null | undefined;
  return check(
    "payments succeeded where the drill moved traffic (its check of the secondary's payment path passed)",
    h?.result === "passed" && (h.counts?.accepted ?? 0) > 0,
    h ? `${h.result}: ${h.summary}` : "no payment check in the report",
  );
}

export const drill: Scenario = {
  name: "drill",
  title: "DR drill: drain the primary, hold traffic in the secondary, fail back, evidence report",
  story:
    `The DR lead starts a drill in the secondary, as \`drctl drill --hold ${DRILL_HOLD_SECONDS}\` would. The runbook drains the primary with the same switch a real ` +
    "failover uses, waits until the secondary's canary has seen it, promotes the secondary, confirms DNS, holds traffic there, then starts the " +
    "primary's failback — once its check of what the secondary's payment path reported during the hold (payments accepted, failures " +
    "within 1 %) has passed. Then it releases its lease and rehearses a backup restore: the payments table's replica in the secondary, as it was " +
    "about five minutes earlier, restored into a scratch table (CREATING for ten minutes here), checked against the table and deleted. It " +
    "writes the evidence report. The alarms the drain trips start runs that stand down during the drill.",
  async run(ctx) {
    // Payments flow for a while first: the restore point is about five minutes before the restore
    // starts, and the check judges only payments acknowledged a minute or more before it.
    await ctx.clock.advance(150_000);
    const name = ctx.operator.executionName("drill");
    ctx.marks.manualExecutions.push(name);
    ctx.marks.measuredExecution = name;
    await ctx.startRun(
      ctx.secondary,
      name,
      {
        mode: "drill",
        targetRegion: ctx.secondary,
        holdSeconds: DRILL_HOLD_SECONDS,
        restoreRehearsal: { table: "payments" },
        requestedBy: "dr-lead@example.com",
        reason: "quarterly DR drill (rehearsal)",
      },
      "the DR lead runs drctl drill",
    );
    await waitForExecutionEnd(ctx, ctx.secondary, name, 45 * 60_000);
    // The drill's "outage" is its drain of the primary.
    ctx.marks.outageStart = ctx.observations.regionRecords.find((r) => r.local && r.region === ctx.primary && r.state === "DRAINED")?.at;
    await ctx.clock.advance(60_000);
  },
  expectations(ctx, f) {
    const name = ctx.marks.manualExecutions[0];
    const run = ctx.executions(ctx.secondary).find((e) => e.name === name);
    const failback = ctx.executions(ctx.primary).find((e) => e.name === `${name}-failback`);
    const from = run?.startDate ?? 0;
    const automatic = [...automaticExecutions(ctx, ctx.secondary, from), ...automaticExecutions(ctx, ctx.primary, from)];
    const standDowns = automatic.filter((e) => e.states.some((s) => s.name === "StandDownDuringOperatorRun"));
    return [
      check(
        "the drill succeeded",
        run?.status === "SUCCEEDED",
        run ? `${run.name} ${run.status}${run.error ? ` (${run.error})` : ""}` : "not started",
      ),
      check(
        "its failback ran in the primary and succeeded",
        failback?.status === "SUCCEEDED",
        failback ? `${failback.name} ${failback.status}` : "no failback execution",
      ),
      check(
        "the evidence report says PASSED",
        f.runbook?.passed === true && f.runbook.outcome === "drill-completed",
        f.runbook
          ? `outcome ${f.runbook.outcome}, ${f.runbook.passed ? "PASSED" : "FAILED"}; detection ${f.runbook.detectionSeconds} s, RTO ${f.runbook.rtoSeconds} s`
          : "no report",
      ),
      holdPaymentsCheck(f.runbook?.report),
      restoreCheck(f.runbook?.report),
      check(
        "no automatic run acted during or after the drill",
        actingRuns(ctx, ctx.secondary, from).length + actingRuns(ctx, ctx.primary, from).length === 0,
        `${automatic.length} automatic runs started by the drain's alarms, ${standDowns.length} stood down, none acted`,
      ),
      endsWith(ctx, { [ctx.primary]: "ACTIVE", [ctx.secondary]: "STANDBY" }),
      check(
        "DNS answers the primary again",
        ctx.world.route53.servingRegion() === ctx.primary,
        `api answers ${ctx.world.route53.servingRegion()}`,
      ),
      ...objectiveChecks(f, ctx.deployment.objectives, { rto: true, rpo: true }),
    ];
  },
};
