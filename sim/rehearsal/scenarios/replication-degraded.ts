/**
 * Replication from the primary falls behind the RPO objective, then the primary fails. The
 * secondary's runbook must not promote blindly: it measures the exposure, asks for an approval
 * and waits. On-call weighs it and decides (the decision and its reasoning are in the timeline).
 */
import { dataConsistencyOf } from "../../deployment/deployment";
import { objectiveChecks } from "../checks";
import { automaticExecutions, type Scenario, type ScenarioContext } from "../scenario";
import { check, endsWith, primaryOutageUntilFailoverEnds, promotedAt } from "./helpers";

/** How far behind replication falls: beyond the 60 s RPO objective. */
export const DEGRADED_LAG_MS = 90_000;
/** How long on-call takes to decide once paged. */
export const DECISION_AFTER_MS = 90_000;

function waitingRun(ctx: ScenarioContext) {
  return automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart ?? 0).find((e) =>
    e.states.some((s) => s.name === "RequestApproval"),
  );
}

export const replicationDegraded: Scenario = {
  name: "replication-degraded",
  title: "replication beyond the RPO, then primary outage: the runbook asks before promoting (eventual mode; strong mode cannot lag)",
  story:
    `Replication from the primary to the secondary degrades to ${DEGRADED_LAG_MS / 1000} s behind — beyond the RPO objective. Then the primary fails. ` +
    "The secondary's runbook measures the exposure from the primary's last replicated heartbeat, refuses to promote blindly and pages on-call " +
    "for an approval. On-call weighs the in-doubt window against the outage and approves with a reason; the primary's unreplicated writes " +
    "arrive when it recovers. In strong mode (MRSC) a write is acknowledged only once durable in a second region: the same " +
    "degradation cannot leave acknowledged payments behind, so the runbook measures 0 s of exposure and fails over without asking.",
  knownFailures: (d) =>
    dataConsistencyOf(d) === "eventual"
      ? {
          checks: ["never zero ACTIVE while a region can serve"],
          reason: `by design: nobody writes while on-call weighs the exposure (${DECISION_AFTER_MS / 1000} s of human decision behind the approval gate)`,
        }
      : undefined,
  async run(ctx) {
    if (dataConsistencyOf(ctx.deployment) === "strong") {
      ctx.world.setLag(ctx.primary, ctx.secondary, DEGRADED_LAG_MS);
      ctx.note(
        `replication ${ctx.primary} → ${ctx.secondary} is told to lag ${DEGRADED_LAG_MS / 1000} s — but the tables are multi-Region strongly consistent: acknowledged writes are already in two regions`,
      );
      await ctx.clock.advance(150_000);
      await primaryOutageUntilFailoverEnds(ctx);
      await ctx.clock.advance(60_000);
      ctx.recover(ctx.primary);
      ctx.world.setLag(ctx.primary, ctx.secondary, undefined);
      await ctx.clock.advance(90_000);
      return;
    }
    ctx.world.setLag(ctx.primary, ctx.secondary, DEGRADED_LAG_MS);
    ctx.note(
      `replication ${ctx.primary} → ${ctx.secondary} degrades: writes arrive ${DEGRADED_LAG_MS / 1000} s late (RPO objective ${ctx.deployment.objectives.rpoSeconds} s)`,
    );
    await ctx.clock.advance(150_000);
    ctx.outage(ctx.primary);
    await ctx.waitFor(() => waitingRun(ctx) !== undefined && ctx.world.sfn.pendingTokens().length > 0, 10 * 60_000);
    const run = waitingRun(ctx);
    if (!run) return;
    ctx.marks.measuredExecution = run.name;
    const request = await ctx.act(() => ctx.operator.approvalRequest(ctx.secondary, run.name));
    ctx.note(`on-call is paged: "${request?.summary.slice(0, 220) ?? "no approval request found"}"`);
    await ctx.clock.advance(DECISION_AFTER_MS);
    const window = ctx.marks.unreplicatedAtOutage;
    const reasoning =
      `primary down ${Math.round((ctx.clock.now() - (ctx.marks.outageStart ?? 0)) / 1000)} s with no sign of return; ` +
      "payments written in the in-doubt window are held in the primary's replica, not destroyed — they replicate when it returns " +
      "(every payment has its own key, so last-writer-wins cannot overwrite them); staying down loses every new payment instead. " +
      `Approving; reconciliation ticket opened for the window${window ? ` (${window.paymentIds.length} payments outstanding)` : ""}.`;
    ctx.note(`on-call decides: ${reasoning}`);
    await ctx.act(() => ctx.operator.approve(ctx.secondary, run.name, "oncall@example.com", reasoning));
    await ctx.waitFor(() => run.status !== "RUNNING", 10 * 60_000);
    await ctx.clock.advance(60_000);
    ctx.recover(ctx.primary);
    ctx.world.setLag(ctx.primary, ctx.secondary, undefined);
    ctx.note("the primary is back and replication is healthy again: the writes that were in doubt replicate");
    await ctx.clock.advance(90_000);
  },
  expectations(ctx, f) {
    if (dataConsistencyOf(ctx.deployment) === "strong") {
      const run = automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart ?? 0)[0];
      const verdict = (f.runbook?.report.decisions as { step: string; decision: string }[] | undefined)?.find(
        (d) => d.step === "CheckReplication",
      )?.decision;
      return [
        check(
          "nothing acknowledged was left behind",
          f.rpoExposureSeconds === 0,
          `runbook exposure ${f.rpoExposureSeconds ?? "?"} s (verdict ${verdict ?? "none"})`,
        ),
        check(
          "no approval was needed",
          !ctx.world.sns.inbox.some((m) => (m.subject ?? "").includes("APPROVAL NEEDED")),
          "strong mode: the exposure is 0 by construction",
        ),
        check("the failover succeeded on its own", run?.status === "SUCCEEDED", run ? `${run.name} ${run.status}` : "no run"),
        endsWith(ctx, { [ctx.primary]: "FENCED", [ctx.secondary]: "ACTIVE" }),
        ...objectiveChecks(f, ctx.deployment.objectives, { rto: true, rpo: true }),
      ];
    }
    const run = waitingRun(ctx);
    const approvedAt = ctx.world.timeline.entries.find((e) => e.kind === "operator" && e.text.includes("approves"))?.at;
    const promoted = promotedAt(ctx, ctx.secondary, ctx.marks.outageStart ?? 0);
    const asked = ctx.world.sns.inbox.some((m) => (m.subject ?? "").includes("APPROVAL NEEDED"));
    const verdict = (f.runbook?.report.decisions as { step: string; decision: string }[] | undefined)?.find(
      (d) => d.step === "CheckReplication",
    )?.decision;
    return [
      check(
        "the exposure beyond the RPO was detected",
        verdict === "lag-exceeded" && (f.rpoExposureSeconds ?? 0) > ctx.deployment.objectives.rpoSeconds,
        `replication verdict ${verdict ?? "none"}, exposure ${f.rpoExposureSeconds ?? "?"} s`,
      ),
      check(
        "the runbook asked for an approval",
        asked && run !== undefined,
        asked ? "APPROVAL NEEDED notification sent" : "no approval request",
      ),
      check(
        "no promotion before the approval",
        promoted !== undefined && approvedAt !== undefined && promoted > approvedAt,
        `approved at ${approvedAt ? new Date(approvedAt).toISOString() : "never"}, promoted at ${promoted ? new Date(promoted).toISOString() : "never"}`,
      ),
      check("the approved failover succeeded", run?.status === "SUCCEEDED", run ? `${run.name} ${run.status}` : "no run"),
      endsWith(ctx, { [ctx.primary]: "FENCED", [ctx.secondary]: "ACTIVE" }),
      ...objectiveChecks(f, ctx.deployment.objectives, {
        rto: true,
        designTarget: `includes ${DECISION_AFTER_MS / 1000} s of human decision (approval gate)`,
        rpo: "replication was degraded on purpose: the runbook's job is to refuse to promote without a human",
      }),
    ];
  },
};
