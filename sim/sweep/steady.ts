/**
 * `steady`: the base the randomized sweep (and `npm start -- --fault ...`) injects incidents into.
 * Payments flow for a fixed story; nothing is scripted. Whatever happens comes from the faults and
 * on-call's runs given on the command line, and the rehearsal holds the result to the checks every
 * scenario is held to (no acknowledged payment lost or duplicated, one writer at a time, never
 * zero ACTIVE while a region can serve, every run ended and notified, no automatic failback, ...).
 */
import { letRunsEnd, RUNS_END_LIMIT_MS } from "../rehearsal/runs-end";
import type { Scenario } from "../rehearsal/scenario";

/** How long the story lasts: room for an outage, a failover, a recovery and a failback. */
export const STEADY_STORY_MS = 5 * 60_000;
/** How long, after the story, runs still going may take to end before the world settles (sim/rehearsal/runs-end.ts). */
export const STEADY_RUNS_END_LIMIT_MS = RUNS_END_LIMIT_MS;

export const steady: Scenario = {
  name: "steady",
  title: "steady state: payments flow, nothing scripted (the base for --fault, --operator and the sweep)",
  story:
    `Clients pay for ${STEADY_STORY_MS / 60_000} minutes and nothing is scripted: the incident, if any, is the faults and on-call's runs given ` +
    "with --fault and --operator (the randomized sweep composes them). Then the runs still going get time to end, and the world settles " +
    "before it is measured.",
  async run(ctx) {
    await ctx.clock.advance(STEADY_STORY_MS);
    ctx.note("the story ends: runs still going get time to end");
    await letRunsEnd(ctx, STEADY_RUNS_END_LIMIT_MS);
    await ctx.clock.advance(60_000);
  },
  // Its checks are the ones every scenario is held to (checks.ts); a story with nothing scripted expects nothing more.
  expectations: () => [],
};
