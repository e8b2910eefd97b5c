/**
 * A drill whose secondary cannot write payments (issue 15): DNS moves, `/health` answers, the
 * canaries see nothing wrong, yet every payment the secondary takes during the hold fails to reach
 * its table. A drill that only measures detection, DNS and the failback would call that PASSED,
 * and an auditor would read it as proof the secondary can take payments. The drill must fail —
 * after it has moved traffic back to the primary, never leaving it in a region that cannot write —
 * and its report and notification must say why, with the figures.
 *
 * The fault (`sim/faults.ts`, api-error in FIS's words): the secondary's payment functions
 * (create-payment, process-payment) get ServiceUnavailable from DynamoDB PutItem/UpdateItem on the
 * payments table, as a broken grant or key of theirs would give; everything else in the region
 * works. It starts as the drill starts and stops when the drill has ended (the experiment's duration).
 */
import { tableName } from "../../experiments";
import type { DrReport } from "../../../runbooks/domain/report";
import { waitForExecutionEnd, type Scenario } from "../scenario";
import { check, endsWith, seconds } from "./helpers";

export const CANNOT_WRITE_HOLD_SECONDS = 60;

export const drillSecondaryCannotWrite: Scenario = {
  name: "drill-secondary-cannot-write",
  title: "drill into a secondary that cannot write payments: the drill fails back first, then fails",
  knownFailures: () => ({
    checks: ["a planned move costs clients ≤ 5 s"],
    reason:
      "by construction: the secondary cannot write during the hold, so clients go without an acknowledgement from the drill's move until " +
      "its failback hands the writes back; the measure counts that stretch against the failback, which is what ends it (see the check " +
      "on when clients were acknowledged again)",
  }),
  story:
    "The DR lead starts a drill while the secondary's payment functions cannot write the payments table (DynamoDB answers " +
    "ServiceUnavailable to their PutItem and UpdateItem; an FIS experiment in a real account). Everything the drill measured before " +
    "looks fine: the drain is detected, DNS moves, the hold runs. But every payment sent to the secondary during the hold fails. The " +
    "drill reads the payment path's own metrics for the hold in the secondary, finds failures and no payment accepted, fails back to " +
    "the primary first, then ends FAILED with the evidence and the notification saying why.",
  async run(ctx) {
    await ctx.clock.advance(60_000);
    const name = ctx.operator.executionName("drill");
    ctx.marks.manualExecutions.push(name);
    ctx.marks.measuredExecution = name;
    ctx.note(`${ctx.secondary}'s payment functions can no longer write the payments table (an FIS experiment, for the drill)`);
    const stop = ctx.inject({
      action: "api-error",
      error: "unavailable",
      service: "dynamodb",
      operations: ["PutItem", "UpdateItem"],
      region: ctx.secondary,
      from: ctx.secondary,
      resource: tableName(ctx.world, "payments"),
      // The payment path's writes only: the DR machinery of the secondary (its canary's heartbeats in
      // this table, in eventual mode) still works, as it would with a broken grant or key of these
      // functions. A fault on every caller also stops those heartbeats, and eventual mode's failback
      // then refuses to move the writes back: sim/rehearsal/README.md, "Consistency modes".
      callers: ["create-payment-", "process-payment-"],
    });
    await ctx.startRun(
      ctx.secondary,
      name,
      {
        mode: "drill",
        targetRegion: ctx.secondary,
        holdSeconds: CANNOT_WRITE_HOLD_SECONDS,
        requestedBy: "dr-lead@example.com",
        reason: "quarterly DR drill (rehearsal), secondary writes broken on purpose",
      },
      "the DR lead runs drctl drill",
    );
    await waitForExecutionEnd(ctx, ctx.secondary, name, 30 * 60_000);
    ctx.note("the experiment ends: the secondary's payment functions can write again");
    stop();
    ctx.marks.outageStart = ctx.observations.regionRecords.find((r) => r.local && r.region === ctx.primary && r.state === "DRAINED")?.at;
    await ctx.clock.advance(60_000);
  },
  expectations(ctx, f) {
    const name = ctx.marks.manualExecutions[0];
    const run = ctx.executions(ctx.secondary).find((e) => e.name === name);
    const failback = ctx.executions(ctx.primary).find((e) => e.name === `${name}-failback`);
    const report = f.runbook?.report as DrReport | undefined;
    const failbackEnded = failback?.stopDate;
    const drillEnded = run?.stopDate;
    return [
      check(
        "the drill failed because payments failed where it moved traffic",
        run?.status === "FAILED" && run.error === "DrillPaymentsFailedError",
        run ? `${run.name} ${run.status}${run.error ? ` (${run.error})` : ""}` : "not started",
      ),
      check(
        "it failed back to the primary before it ended",
        failback?.status === "SUCCEEDED" && failbackEnded !== undefined && drillEnded !== undefined && failbackEnded <= drillEnded,
        failback ? `${failback.name} ${failback.status}` : "no failback execution",
      ),
      check(
        "the evidence report says FAILED and why",
        f.runbook?.passed === false && report?.execution.error?.name === "DrillPaymentsFailedError",
        f.runbook
          ? `outcome ${f.runbook.outcome}, ${f.runbook.passed ? "PASSED" : "FAILED"}; ${report?.execution.error ? `${report.execution.error.name}: ${report.execution.error.cause}` : "no error"}`
          : "no report",
      ),
      (() => {
        // The failback is what ends the clients' wait: acknowledgements resume while it runs.
        const resumed = failback ? ctx.traffic.acks.map((a) => a.at).find((t) => t >= failback.startDate) : undefined;
        return check(
          "clients were acknowledged again once the failback moved the writes back",
          resumed !== undefined && failbackEnded !== undefined && resumed <= failbackEnded,
          failback && resumed !== undefined
            ? `first acknowledgement ${seconds(resumed - failback.startDate)} after the failback started (it ran ${seconds((failbackEnded ?? resumed) - failback.startDate)})`
            : "no acknowledgement after the failback started",
        );
      })(),
      endsWith(ctx, { [ctx.primary]: "ACTIVE", [ctx.secondary]: "STANDBY" }),
      check(
        "DNS answers the primary again",
        ctx.world.route53.servingRegion() === ctx.primary,
        `api answers ${ctx.world.route53.servingRegion()}`,
      ),
    ];
  },
};
