/**
 * EventBridge delivers at least once: the alarm event that starts the failover arrives twice (the
 * second copy a few seconds later, while the first run is already going). The deterministic
 * execution name derived from the alarm transition must make the second start a no-op.
 */
import { objectiveChecks } from "../checks";
import { automaticExecutions, type Scenario } from "../scenario";
import { check, primaryOutageUntilFailoverEnds } from "./helpers";

export const DUPLICATE_AFTER_MS = 3000;

export const duplicateEvents: Scenario = {
  name: "duplicate-events",
  title: "the same alarm event delivered twice: one execution",
  story:
    `The primary fails and the secondary's alarm fires — and EventBridge delivers that alarm event twice, the copy ${DUPLICATE_AFTER_MS / 1000} s later ` +
    "while the first run is already under way (at-least-once delivery). start-execution derives the execution name from the alarm transition, " +
    "so the second StartExecution finds it taken and starts nothing.",
  async run(ctx) {
    ctx.world.bus.duplicateNext = { delayMs: DUPLICATE_AFTER_MS };
    ctx.note(`EventBridge will deliver the next matching event twice (the copy after ${DUPLICATE_AFTER_MS / 1000} s)`);
    await ctx.clock.advance(30_000);
    await primaryOutageUntilFailoverEnds(ctx);
    await ctx.clock.advance(60_000);
    ctx.recover(ctx.primary);
    await ctx.clock.advance(60_000);
  },
  expectations(ctx, f) {
    const from = ctx.marks.outageStart ?? 0;
    const deliveries = ctx.world.bus.deliveries.filter((d) => d.region === ctx.secondary && d.at >= from);
    const byEvent = new Map<string, number>();
    for (const d of deliveries) byEvent.set(d.eventId, (byEvent.get(d.eventId) ?? 0) + 1);
    const duplicated = [...byEvent.entries()].find(([, n]) => n > 1);
    const runs = automaticExecutions(ctx, ctx.secondary, from);
    const outcomes = deliveries.map((d) => d.outcome ?? "pending");
    return [
      check(
        "the alarm event was delivered twice",
        duplicated !== undefined,
        `${deliveries.length} deliveries in ${ctx.secondary}: ${outcomes.join("; ")}`,
      ),
      check("exactly one execution started", runs.length === 1, runs.map((r) => `${r.name} ${r.status}`).join("; ") || "none"),
      check("the second delivery started nothing", outcomes.filter((o) => o.startsWith("duplicate")).length === 1, outcomes.join("; ")),
      check("the failover succeeded", runs[0]?.status === "SUCCEEDED", runs[0] ? `${runs[0].name} ${runs[0].status}` : "no run"),
      ...objectiveChecks(f, ctx.deployment.objectives, { rto: true, rpo: true }),
    ];
  },
};
