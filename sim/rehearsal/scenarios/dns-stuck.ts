/**
 * Route 53 stops moving answers (a simulated fault of Route 53 itself: health checks keep
 * running, answers stay frozen). The primary fails; the secondary's runbook fences, promotes and
 * then polls DNS — it must give up after its bounded number of checks, fail with
 * DnsNotShiftedError and page on-call. When the fault clears, DNS follows the fence.
 */
import { drMachine } from "../../deployment/deployment";
import { objectiveChecks } from "../checks";
import { automaticExecutions, type Scenario, type ScenarioContext } from "../scenario";
import { check, endsWith, primaryOutageUntilFailoverEnds, seconds } from "./helpers";

/** The DNS confirmation loop's bound, read from the deployed definition. */
export function dnsLoopBound(ctx: ScenarioContext): { attempts: number; intervalSeconds: number } {
  const states = drMachine(ctx.deployment, ctx.secondary).definition.States as Record<string, Record<string, unknown>>;
  const interval = Number(states.WaitBeforeDnsCheck?.Seconds);
  const rule = (states.IsDnsShifted?.Choices as { NumericGreaterThanEquals?: number }[] | undefined)?.find(
    (c) => c.NumericGreaterThanEquals !== undefined,
  );
  return { attempts: Number(rule?.NumericGreaterThanEquals), intervalSeconds: interval };
}

export const dnsStuck: Scenario = {
  name: "dns-stuck",
  title: "DNS never moves: bounded wait, escalation, failure notified",
  story:
    "Route 53 keeps answering the primary whatever its health checks say (a simulated fault of Route 53 itself). The primary fails; the " +
    "secondary's runbook fences and promotes, then checks the DNS witness at the zone's name servers every few seconds. It must stop after " +
    "its bounded number of checks, fail with DnsNotShiftedError and notify — never wait forever. Then the fault clears and DNS follows the fence.",
  // Clients follow DNS, and DNS is broken on purpose until on-call escalates: the story's point is
  // that the runbook gives up and tells someone, not that clients are served in time.
  knownFailures: (d) => ({
    checks: [`clients without an acknowledgement < ${d.objectives.rtoSeconds} s (the RTO objective)`],
    reason:
      "Route 53 itself is broken until the escalation resolves it; the runbook's bounded wait and its notification are what this scenario proves",
  }),
  async run(ctx) {
    await ctx.clock.advance(30_000);
    ctx.world.route53.freeze();
    ctx.note("ROUTE 53 FAULT: answers are frozen as they are now (health checks still run)");
    await primaryOutageUntilFailoverEnds(ctx, 20 * 60_000);
    await ctx.clock.advance(30_000);
    ctx.recover(ctx.primary);
    await ctx.clock.advance(30_000);
    ctx.world.route53.unfreeze();
    ctx.note("the Route 53 fault is resolved (escalation): answers follow the health checks again");
    await ctx.clock.advance(120_000);
  },
  expectations(ctx, f) {
    const run = automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart ?? 0)[0];
    const bound = dnsLoopBound(ctx);
    const loopMs = bound.attempts * bound.intervalSeconds * 1000;
    const promotedAt = run?.states.find((s) => s.name === "PromoteLocalRegion")?.at;
    const waited = promotedAt !== undefined && run?.stopDate !== undefined ? run.stopDate - promotedAt : undefined;
    const failed = ctx.world.sns.inbox.find((m) => (m.subject ?? "").includes("FAILED DnsNotShiftedError"));
    return [
      check(
        "the failover ended with DnsNotShiftedError",
        run?.status === "FAILED" && run.error === "DnsNotShiftedError",
        run ? `${run.name} ${run.status} ${run.error ?? ""}` : "no run",
      ),
      check(
        "the DNS wait was bounded",
        waited !== undefined && waited <= loopMs + 60_000,
        waited !== undefined
          ? `gave up ${seconds(waited)} after promoting (bound: ${bound.attempts} checks × ${bound.intervalSeconds} s)`
          : "never gave up",
      ),
      check("on-call was notified of the failure", failed !== undefined, failed ? `SNS "${failed.subject}"` : "no failure notification"),
      endsWith(ctx, { [ctx.primary]: "FENCED", [ctx.secondary]: "ACTIVE" }),
      check(
        "DNS follows the fence once Route 53 recovers",
        ctx.world.route53.servingRegion() === ctx.secondary,
        `api answers ${ctx.world.route53.servingRegion()}`,
      ),
      ...objectiveChecks(f, ctx.deployment.objectives, {
        rto: "DNS could not move while Route 53 was failing; the runbook's job here is a bounded wait and an escalation",
        rpo: true,
      }),
    ];
  },
};
