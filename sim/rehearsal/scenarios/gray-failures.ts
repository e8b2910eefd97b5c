/**
 * Incidents that are not a region going dark (issue 15):
 * - `gray-failure`: the primary answers `/health` and Route 53, but its payment path cannot write
 *   to DynamoDB. Nothing is down; every payment fails. The payment path's own alarm must notice
 *   and move the writer to the secondary.
 * - `late-outage`: the primary fails again a few minutes after a failback. Automation that only
 *   reacts to an alarm's edge, or that suppresses a second failover inside an anti-flap interval
 *   without looking again, would leave payments down for as long as the primary is.
 * - `lagging-payments`: only the payments table's replication falls behind (the control table
 *   replicates on time, so a heartbeat there looks fresh), then the primary fails. An exposure
 *   measured from the control table alone would promote over acknowledged payments still in flight.
 */
import { dataConsistencyOf } from "../../deployment/deployment";
import { tableName } from "../../experiments";
import { objectiveChecks } from "../checks";
import { automaticExecutions, type Scenario } from "../scenario";
import {
  check,
  failBackByHand,
  failedOverThenRecovered,
  nothingRunning,
  paymentWritesFail,
  primaryOutageUntilFailoverEnds,
  promotedAt,
  seconds,
} from "./helpers";

export const grayFailure: Scenario = {
  name: "gray-failure",
  title: "gray failure: the primary answers /health but cannot write payments",
  // Strong mode meets the 120 s target: the payment-failures alarm drains the primary after one
  // minute of failures (5 of 6 ten-second periods), and the secondary's canary takes over.
  knownFailures: (d) =>
    dataConsistencyOf(d) === "eventual"
      ? {
          checks: ["RTO ≤ 120 s (DESIGN target)", "RPO exposure < 60 s (objective)", "never zero ACTIVE while a region can serve"],
          reason:
            "eventual mode: after the one-minute payment-failures alarm drains the primary, its payments-table heartbeat is stale (it cannot write it), " +
            "so the runbook measures that staleness as the exposure (nothing was acknowledged in it: every write failed), cannot tell, " +
            "and asks on-call, who takes 90 s to approve",
        }
      : undefined,
  story:
    "Thirty seconds in, the primary's payment functions can no longer write to the payments table (DynamoDB answers " +
    "ServiceUnavailable), while the region is otherwise healthy: `/health` answers, Route 53 sees it up, the canary's probe " +
    "succeeds. Every payment fails. The payment path's failure alarm must start a failover that moves the writer and DNS to " +
    "the secondary, and the broken primary must not be restored over it; clients get acknowledgements again within the objective.",
  async run(ctx) {
    await ctx.clock.advance(30_000);
    ctx.marks.outageStart = ctx.clock.now();
    ctx.note(`${ctx.primary}'s payment functions can no longer write the payments table (the region is otherwise healthy)`);
    paymentWritesFail(ctx);
    // Eventual mode: the failover may ask for an approval (the primary's heartbeat in the payments
    // table is stale, since it cannot write it); on-call reads the page and approves after 90 s.
    const from = ctx.marks.outageStart;
    await ctx.waitFor(
      () =>
        (promotedAt(ctx, ctx.secondary, from) !== undefined && nothingRunning(ctx)) ||
        automaticExecutions(ctx, ctx.secondary, from).some(
          (e) => e.status === "RUNNING" && e.states.some((s) => s.name === "RequestApproval"),
        ),
      15 * 60_000,
    );
    const waiting = automaticExecutions(ctx, ctx.secondary, from).find((e) => e.status === "RUNNING");
    if (waiting) {
      await ctx.clock.advance(90_000);
      await ctx.act(() =>
        ctx.operator.approve(
          ctx.secondary,
          waiting.name,
          "oncall@example.com",
          "the primary cannot write at all: nothing is in flight there; fail over",
        ),
      );
    }
    await ctx.waitFor(() => promotedAt(ctx, ctx.secondary, from) !== undefined && nothingRunning(ctx), 15 * 60_000);
    await ctx.clock.advance(120_000);
    ctx.marks.measuredExecution = automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart)[0]?.name;
  },
  expectations(ctx, f) {
    const promoted = promotedAt(ctx, ctx.secondary, ctx.marks.outageStart);
    return [
      check(
        "the secondary took over the writes",
        promoted !== undefined,
        promoted === undefined
          ? "the secondary was never promoted"
          : `promoted ${seconds(promoted - (ctx.marks.outageStart ?? 0))} after the writes started failing`,
      ),
      check(
        "the broken primary is not the writer at the end",
        f.activeAtEnd.length === 1 && f.activeAtEnd[0] === ctx.secondary,
        `ACTIVE at the end: ${f.activeAtEnd.join(", ") || "none"}`,
      ),
      check(
        "DNS answers the secondary",
        ctx.world.route53.servingRegion() === ctx.secondary,
        `api answers ${ctx.world.route53.servingRegion()}`,
      ),
      // Detection is the payment path's own alarm: a minute of failures (5 of 6 ten-second periods,
      // infra/core/alarm-catalog.ts), so a burst does not drain the region (the flapping scenario).
      ...objectiveChecks(f, ctx.deployment.objectives, { rto: true, rpo: true }),
    ];
  },
};

/** How long after the failback the primary fails again: inside any anti-flap interval. */
export const LATE_OUTAGE_AFTER_FAILBACK_MS = 3 * 60_000;

export const lateOutage: Scenario = {
  name: "late-outage",
  title: "the primary fails again minutes after a failback: the automation fails over again",
  story:
    "The primary fails, the secondary takes over, the primary recovers and on-call fails back. Three minutes later the primary " +
    "fails again. A second automatic failover is what the business needs: the automation must reconsider a condition that " +
    "persists rather than suppress it as flapping and forget it, and must have a writer again within the objective.",
  async run(ctx) {
    await failedOverThenRecovered(ctx);
    await failBackByHand(ctx);
    await ctx.clock.advance(LATE_OUTAGE_AFTER_FAILBACK_MS);
    // The figures (RTO, exposure) are measured from the second outage.
    ctx.marks.outageStart = undefined;
    ctx.marks.unreplicatedAtOutage = undefined;
    ctx.marks.recoveredAt = undefined;
    ctx.note("the primary fails again, minutes after the failback");
    await primaryOutageUntilFailoverEnds(ctx, 20 * 60_000);
    await ctx.waitFor(() => nothingRunning(ctx), 10 * 60_000);
    await ctx.clock.advance(60_000);
    // It comes back fenced; whatever it had not replicated before it died arrives now (eventual mode).
    ctx.recover(ctx.primary);
    await ctx.clock.advance(2 * 60_000);
  },
  expectations(ctx, f) {
    const second = automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart ?? 0);
    const failback = ctx.executions(ctx.primary).find((e) => e.name === ctx.marks.manualExecutions[0]);
    return [
      check(
        "the failback succeeded",
        failback?.status === "SUCCEEDED",
        failback ? `${failback.name} ${failback.status}${failback.error ? ` (${failback.error})` : ""}` : "not started",
      ),
      check(
        "the secondary failed over again after the second outage",
        promotedAt(ctx, ctx.secondary, ctx.marks.outageStart ?? 0) !== undefined,
        second.map((e) => `${e.name} ${e.status}`).join("; ") || "no automatic run after the second outage",
      ),
      check(
        "the secondary is the writer at the end",
        f.activeAtEnd.join(",") === ctx.secondary,
        `ACTIVE at the end: ${f.activeAtEnd.join(", ") || "none"}`,
      ),
      ...objectiveChecks(f, ctx.deployment.objectives, { rto: true, rpo: true }),
    ];
  },
};

/** How far the payments table's replication falls behind: beyond the 60 s RPO objective. */
export const PAYMENTS_LAG_MS = 90_000;

export const laggingPayments: Scenario = {
  name: "lagging-payments",
  title: "only the payments table lags beyond the RPO, then the primary fails: exposure measured per table",
  story:
    `Replication of the payments table alone falls ${PAYMENTS_LAG_MS / 1000} s behind; the control table, where the heartbeats are, ` +
    "replicates on time. Then the primary fails. In eventual mode the secondary's runbook must measure the exposure of the payments " +
    "table itself, not trust the control table's fresh heartbeat, and ask before promoting over payments still in flight. In strong " +
    "mode (MRSC) an acknowledged payment is already durable in a second region: no exposure, no approval.",
  knownFailures: (d) =>
    dataConsistencyOf(d) === "eventual"
      ? {
          checks: ["never zero ACTIVE while a region can serve"],
          reason: "by design: nobody writes while on-call weighs the exposure (the approval gate, as in replication-degraded)",
        }
      : undefined,
  async run(ctx) {
    const table = tableName(ctx.world, "payments");
    ctx.note(`replication of ${table} from ${ctx.primary} falls ${PAYMENTS_LAG_MS / 1000} s behind; the control table is on time`);
    ctx.inject({ action: "replication-lag", table: "payments", from: ctx.primary, to: ctx.secondary, lagMs: PAYMENTS_LAG_MS });
    await ctx.clock.advance(PAYMENTS_LAG_MS + 30_000);
    ctx.marks.outageStart = ctx.clock.now();
    ctx.outage(ctx.primary);
    const from = ctx.marks.outageStart;
    await ctx.waitFor(
      () =>
        automaticExecutions(ctx, ctx.secondary, from).some(
          (e) => e.states.some((s) => s.name === "RequestApproval") || e.status !== "RUNNING",
        ),
      10 * 60_000,
    );
    const waiting = automaticExecutions(ctx, ctx.secondary, from).find((e) => e.status === "RUNNING");
    if (waiting) {
      await ctx.clock.advance(90_000);
      await ctx.act(() =>
        ctx.operator.approve(ctx.secondary, waiting.name, "oncall@example.com", "payments table exposure weighed; approve the failover"),
      );
    }
    await ctx.waitFor(() => automaticExecutions(ctx, ctx.secondary, from).every((e) => e.status !== "RUNNING"), 10 * 60_000);
    ctx.marks.measuredExecution = automaticExecutions(ctx, ctx.secondary, from)[0]?.name;
    await ctx.clock.advance(60_000);
    ctx.recover(ctx.primary);
    await ctx.clock.advance(3 * 60_000);
  },
  expectations(ctx, f) {
    const run = automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart ?? 0)[0];
    const asked = run?.states.some((s) => s.name === "RequestApproval") ?? false;
    const strong = dataConsistencyOf(ctx.deployment) === "strong";
    return [
      check(
        strong
          ? "failed over without asking: nothing acknowledged was exposed"
          : "asked on-call before promoting over the lagging payments table",
        strong ? !asked && run?.status === "SUCCEEDED" : asked,
        run
          ? `${run.name} ${run.status}; approval ${asked ? "requested" : "not requested"}; exposure ${f.rpoExposureSeconds ?? "not measured"} s`
          : "no automatic run",
      ),
      check(
        "the secondary is the writer at the end",
        f.activeAtEnd.join(",") === ctx.secondary,
        `ACTIVE at the end: ${f.activeAtEnd.join(", ") || "none"}`,
      ),
    ];
  },
};
