/**
 * The default rehearsal: the primary region fails; detection, fencing, promotion and DNS happen
 * without a human; the primary comes back (fenced, so traffic stays put); on-call fails back.
 */
import { objectiveChecks } from "../checks";
import { automaticExecutions, type Scenario } from "../scenario";
import { actingRuns, check, endsWith, failBackByHand, primaryOutageUntilFailoverEnds } from "./helpers";

export const full: Scenario = {
  name: "full",
  title: "primary outage → automatic failover → primary recovers → manual failback",
  story:
    "The primary region goes dark while clients are paying. Nobody touches anything: Route 53 and the secondary's canary notice, " +
    "the secondary's alarm starts its runbook, which fences the old primary, promotes itself and confirms DNS. Clients follow DNS. " +
    "Later the primary comes back — still fenced, so traffic stays in the secondary — and on-call starts a failback there, as `drctl failback` would.",
  async run(ctx) {
    await ctx.clock.advance(30_000);
    await primaryOutageUntilFailoverEnds(ctx);
    await ctx.clock.advance(60_000);
    ctx.recover(ctx.primary);
    // On-call checks that nothing is running and the primary is healthy again before failing back.
    await ctx.clock.advance(90_000);
    await ctx.waitFor(() => ctx.deployment.regions.every((r) => ctx.executions(r).every((e) => e.status !== "RUNNING")), 5 * 60_000);
    await failBackByHand(ctx);
    await ctx.clock.advance(60_000);
  },
  expectations(ctx, f) {
    const from = ctx.marks.outageStart as number;
    const automatic = automaticExecutions(ctx, ctx.secondary, from);
    const failback = ctx.executions(ctx.primary).find((e) => e.name === ctx.marks.manualExecutions[0]);
    return [
      check(
        "the secondary failed over on its own",
        automatic[0]?.status === "SUCCEEDED" && automatic[0].states.some((s) => s.name === "PromoteLocalRegion"),
        automatic.map((e) => `${e.name} ${e.status}`).join("; ") || "no automatic run",
      ),
      check(
        "exactly one automatic run acted",
        actingRuns(ctx, ctx.secondary, from).length + actingRuns(ctx, ctx.primary, from).length === 1,
        `${actingRuns(ctx, ctx.secondary, from).length} in ${ctx.secondary}, ${actingRuns(ctx, ctx.primary, from).length} in ${ctx.primary}`,
      ),
      check(
        "the failback succeeded",
        failback?.status === "SUCCEEDED",
        failback ? `${failback.name} ${failback.status}${failback.error ? ` (${failback.error})` : ""}` : "not started",
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
