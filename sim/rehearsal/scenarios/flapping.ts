/**
 * The primary flaps: short blips first (too short to trip the peer-health alarm's three periods),
 * then an outage long enough to fail over, then more up/down cycles. At most one automatic run may
 * act; the fence keeps the flapping primary out of DNS and out of writes. What stops the ping-pong
 * here is the fence, not anti-flap: once fenced, the primary's /health answers 503 even while it
 * is up, so the secondary's peer-health alarm stays in ALARM and starts no further run. (Anti-flap,
 * the minimum interval between automatic runs, is exercised by the executed state-machine tests:
 * test/state-machines/concurrency.test.ts.)
 */
import { objectiveChecks } from "../checks";
import { automaticExecutions, type Scenario } from "../scenario";
import { runbookReport } from "../figures";
import { actingRuns, check, endsWith } from "./helpers";

/** [down, up] seconds. */
/** Outages at most this long are blips: shorter than the peer-health alarm's three 10-second periods. */
const BLIP_MS = 20_000;

export const FLAPS: [number, number][] = [
  [15, 20],
  [15, 20],
  [45, 30],
  [40, 30],
  [40, 30],
];

export const flapping: Scenario = {
  name: "flapping",
  title: "flapping primary: short blips are ignored, one automatic failover, no ping-pong",
  story:
    "The primary goes down and up repeatedly: two 15-second blips (shorter than the alarm's three 10-second periods), then " +
    "three longer outages with short recoveries in between. One automatic run fails over; the flapping primary, fenced, never " +
    "takes traffic or writes back: fenced, it answers /health with 503 even while up, so the secondary's alarm stays in ALARM " +
    "and starts no second run.",
  async run(ctx) {
    await ctx.clock.advance(30_000);
    for (const [down, up] of FLAPS) {
      ctx.outage(ctx.primary, `flap: down for ${down} s`);
      // RTO is measured from the first outage long enough to be detected, not from a blip.
      if (down * 1000 <= BLIP_MS) {
        ctx.marks.outageStart = undefined;
        ctx.marks.unreplicatedAtOutage = undefined;
      }
      await ctx.clock.advance(down * 1000);
      ctx.recover(ctx.primary);
      await ctx.clock.advance(up * 1000);
    }
    await ctx.clock.advance(120_000);
    ctx.marks.measuredExecution = actingRuns(ctx, ctx.secondary, ctx.marks.outageStart ?? 0)[0]?.name;
  },
  expectations(ctx, f) {
    const from = ctx.marks.outageStart ?? 0;
    const runs = [...automaticExecutions(ctx, ctx.secondary, from), ...automaticExecutions(ctx, ctx.primary, from)];
    const acting = [...actingRuns(ctx, ctx.secondary, from), ...actingRuns(ctx, ctx.primary, from)];
    // Each run's outcome as its own evidence report states it (failed-over, suppressed, no-action, ...).
    const outcome = (region: string, name: string) => String(runbookReport(ctx, region, name)?.outcome ?? "no report");
    return [
      check(
        "at most one automatic run acted",
        acting.length === 1,
        `${runs.length} automatic runs: ${runs.map((r) => `${r.region} ${r.name.replace(/-[0-9a-f]{16}$/, "")}: ${outcome(r.region, r.name)}`).join("; ") || "none"}`,
      ),
      check(
        "the fenced primary's flaps start no second run in the secondary",
        automaticExecutions(ctx, ctx.secondary, from).length === 1,
        `${automaticExecutions(ctx, ctx.secondary, from).length} automatic run(s) in ${ctx.secondary}`,
      ),
      endsWith(ctx, { [ctx.primary]: "FENCED", [ctx.secondary]: "ACTIVE" }),
      check(
        "traffic stays in the secondary (no automatic failback)",
        ctx.world.route53.servingRegion() === ctx.secondary,
        `api answers ${ctx.world.route53.servingRegion()}`,
      ),
      ...objectiveChecks(f, ctx.deployment.objectives, { rto: true, rpo: true }),
    ];
  },
};
