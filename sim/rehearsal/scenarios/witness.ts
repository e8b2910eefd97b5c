/**
 * The witness region (issue 16). In strong mode each write needs a second member of the quorum:
 * the other replica or the witness (sim/dynamodb/model.ts). Losing the witness alone costs
 * nothing; losing the witness and then the primary leaves the secondary unable to write at all —
 * the price of never acknowledging a payment that one region holds alone. What the system must
 * then do: refuse to pretend (no promotion it cannot make durable), say so clearly, and restore a
 * writer by itself as soon as a quorum is back.
 */
import { dataConsistencyOf } from "../../deployment/deployment";
import { automaticExecutions, type Scenario } from "../scenario";
import { check, nothingRunning, promotedAt, seconds } from "./helpers";

/** How long the witness stays down after the primary fails. */
export const WITNESS_DOWN_AFTER_PRIMARY_MS = 4 * 60_000;

export const witnessOutage: Scenario = {
  name: "witness-outage",
  title: "the witness region fails, then the primary: no quorum until the witness returns",
  story:
    "Thirty seconds in, the witness region of the strongly consistent tables fails; payments carry on (both replicas reach " +
    "each other). A minute later the primary fails too. The secondary is alive but reaches neither the other replica nor the " +
    `witness: it cannot write, so it must not be promoted, and the failed run must say why. After ${WITNESS_DOWN_AFTER_PRIMARY_MS / 60_000} minutes ` +
    "the witness returns: a quorum exists again, and the secondary must become the writer without anyone acting. In eventual " +
    "mode there is no witness: the secondary fails over as in a plain outage.",
  knownFailures: (d) =>
    dataConsistencyOf(d) === "strong"
      ? {
          checks: [
            // Passes with the default seed since a STANDBY region says Retry-After 5 (294.7 s), but
            // 8 of 12 seeds still give 311.9-318.6 s (scripts/rehearsal-sweep.ts --seeds 12 without it).
            "clients without an acknowledgement < 300 s (the RTO objective)",
            "RTO ≤ 300 s (objective)",
            "RTO ≤ 120 s (DESIGN target)",
          ],
          reason:
            "by design: with two of the three quorum members down no region may acknowledge a payment it alone would hold; " +
            "the objectives are for one region lost, and writes resume within a minute of the witness's return",
        }
      : undefined,
  async run(ctx) {
    const witness = ctx.deployment.tables.find((t) => t.witness)?.witness;
    await ctx.clock.advance(30_000);
    const healWitness = witness ? ctx.inject({ action: "region-outage", region: witness }) : () => {};
    if (witness) ctx.note(`the witness region ${witness} fails`);
    await ctx.clock.advance(60_000);
    ctx.outage(ctx.primary, "the primary fails while the witness is down");
    await ctx.clock.advance(WITNESS_DOWN_AFTER_PRIMARY_MS);
    healWitness();
    ctx.marks.witnessBackAt = ctx.clock.now();
    if (witness) ctx.note(`the witness region ${witness} is back`);
    await ctx.waitFor(() => promotedAt(ctx, ctx.secondary, ctx.marks.outageStart) !== undefined && nothingRunning(ctx), 10 * 60_000);
    await ctx.clock.advance(60_000);
    // The primary comes back, fenced; in eventual mode what it had not replicated arrives now.
    ctx.recover(ctx.primary);
    await ctx.clock.advance(2 * 60_000);
    ctx.marks.measuredExecution = automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart ?? 0).at(-1)?.name;
  },
  expectations(ctx, f) {
    const strong = dataConsistencyOf(ctx.deployment) === "strong";
    const promoted = promotedAt(ctx, ctx.secondary, ctx.marks.outageStart ?? 0);
    const back = ctx.marks.witnessBackAt ?? 0;
    const runs = automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart ?? 0);
    return [
      check(
        strong ? "no promotion without a quorum" : "the secondary failed over",
        strong ? promoted !== undefined && promoted >= back : promoted !== undefined,
        promoted === undefined ? "never promoted" : `promoted ${seconds(promoted - (ctx.marks.outageStart ?? 0))} after the primary failed`,
      ),
      ...(strong
        ? [
            check(
              "a writer again within 120 s of the quorum's return",
              promoted !== undefined && promoted - back <= 120_000,
              promoted === undefined ? "never promoted" : `promoted ${seconds(promoted - back)} after the witness returned`,
            ),
          ]
        : []),
      check(
        "the secondary is the writer at the end",
        f.activeAtEnd.join(",") === ctx.secondary,
        `ACTIVE at the end: ${f.activeAtEnd.join(", ") || "none"}`,
      ),
      check(
        "every run that could not act said why",
        runs.every((e) => e.status !== "FAILED" || ctx.world.sns.inbox.some((m) => m.attributes.execution === e.name)),
        runs.map((e) => `${e.name} ${e.status}${e.error ? ` (${e.error})` : ""}`).join("; ") || "no automatic run",
      ),
    ];
  },
};
