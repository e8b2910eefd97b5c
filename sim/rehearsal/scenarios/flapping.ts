/**
 * First a burst of payment failures: for 30 s the primary cannot write the payments table (a gray
 * blip), shorter than the payment-failures alarm's minute (5 of 6 ten-second periods), so the region
 * must not drain itself. Then the primary flaps: short blips first (too short to trip the peer-health alarm's three periods),
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
import { actingRuns, check, endsWith, paymentWritesFail } from "./helpers";

/**
 * The payment-failure burst: 30 s, starting 5 s into a 10-second period so it touches as many of
 * the alarm's periods as 30 s can (4 of the 5 needed).
 */
export const PAYMENT_FAILURE_BURST_MS = 30_000;
const BURST_OFFSET_MS = 5_000;

/** The payment-failures alarm's transitions each rehearsal saw (its world's own alarm service). */
const paymentFailureTransitions = new WeakMap<object, string[]>();

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
  title: "flapping primary: a burst of payment failures and short blips are ignored, one automatic failover, no ping-pong",
  story:
    "First, for 30 s, the primary's payment functions cannot write the payments table: a burst shorter than the payment-failures " +
    "alarm's minute, so the primary must not drain itself. Then the primary goes down and up repeatedly: two 15-second blips (shorter than the alarm's three 10-second periods), then " +
    "three longer outages with short recoveries in between. One automatic run fails over; the flapping primary, fenced, never " +
    "takes traffic or writes back: fenced, it answers /health with 503 even while up, so the secondary's alarm stays in ALARM " +
    "and starts no second run.",
  async run(ctx) {
    const transitions: string[] = [];
    paymentFailureTransitions.set(ctx.world, transitions);
    ctx.world.alarms.onTransition((t) => {
      if (t.alarm.name.startsWith("payment-failures-")) transitions.push(`${t.alarm.region} ${t.from} → ${t.to}`);
    });
    await ctx.clock.advance(BURST_OFFSET_MS);
    ctx.note(`${ctx.primary}'s payment functions cannot write the payments table for ${PAYMENT_FAILURE_BURST_MS / 1000} s (a burst)`);
    const writesBack = paymentWritesFail(ctx);
    await ctx.clock.advance(PAYMENT_FAILURE_BURST_MS);
    writesBack();
    ctx.note(`${ctx.primary}'s payment functions write again`);
    // Past the alarm's whole window (6 periods) after the burst, before the flaps start.
    await ctx.clock.advance(60_000 - BURST_OFFSET_MS);
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
    const burstRuns = ctx.executions(ctx.primary).filter((e) => e.name.startsWith("alarm-payment-failures-"));
    const seen = paymentFailureTransitions.get(ctx.world) ?? [];
    return [
      check(
        `the ${PAYMENT_FAILURE_BURST_MS / 1000} s burst of payment failures drained nothing`,
        burstRuns.length === 0 && !seen.some((t) => t.endsWith("→ ALARM")),
        `payment-failures transitions: ${seen.join("; ") || "none"}; runs it started: ${burstRuns.length}`,
      ),
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
