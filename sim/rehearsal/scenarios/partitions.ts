/**
 * The regions cannot reach each other, but both are alive and clients reach both: the incident a
 * clean outage never shows. The secondary's canary sees the primary's /health time out and its
 * alarm fails over; the primary, still answering its clients and Route 53, keeps taking payments
 * unless the data layer or the protocol stops it. Two stories:
 * - `partition`: the link comes back after three minutes;
 * - `partition-then-primary-dies`: the isolated primary dies while cut off, taking with it
 *   whatever it acknowledged that never left it.
 */
import { dataConsistencyOf } from "../../deployment/deployment";
import type { WorldFault } from "../../experiments";
import { automaticExecutions, type Scenario, type ScenarioContext } from "../scenario";
import { check, seconds } from "./helpers";

/** Both directions, every path between the two regions except Route 53's checkers (which still reach both). */
function regionalPartition(ctx: ScenarioContext): WorldFault {
  return { action: "network-partition", from: ctx.primary, to: ctx.secondary, paths: ["app", "replication"] };
}

export const PARTITION_MS = 180_000;

/**
 * Eventual mode (MREC) cannot keep one writer through a partition: each side's conditional writes
 * see only its own replica, and last-writer-wins settles the rest later. The figures these checks
 * show ARE eventual mode's residual hazard (README, "Consistency modes"); strong mode passes them.
 */
const eventualModeSplits = (d: Parameters<NonNullable<Scenario["knownFailures"]>>[0]) =>
  dataConsistencyOf(d) === "eventual"
    ? {
        checks: [
          "one writer at a time",
          "never two ACTIVE regions",
          "no acknowledged payment lost",
          "every payment settled where its region may serve",
          "replicas converged",
        ],
        reason:
          "eventual mode (MREC): each region decides on its own replica, so a partition gives two writers and a writer that dies " +
          "while cut off takes its acknowledged payments with it — use dataConsistency: strong",
      }
    : undefined;

/** Checks both partition stories share: the data and the writer survive the split. */
function splitChecks(ctx: ScenarioContext, f: Parameters<Scenario["expectations"]>[1]) {
  return [
    check(
      "exactly one region ACTIVE at the end",
      f.activeAtEnd.length === 1,
      `ACTIVE at the end (regions up): ${f.activeAtEnd.join(", ") || "none"}`,
    ),
    check(
      "the runs that acted said so",
      automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart ?? 0).every((e) => e.status !== "RUNNING"),
      automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart ?? 0)
        .map((e) => `${e.name} ${e.status}`)
        .join("; ") || "no automatic run",
    ),
  ];
}

export const partition: Scenario = {
  name: "partition",
  title: "partition between the regions, both alive: one writer throughout, no payment lost",
  story:
    `The network between ${"the"} two regions fails both ways for ${PARTITION_MS / 60_000} minutes — DynamoDB's replication and the ` +
    "cross-region calls alike — while clients and Route 53's checkers still reach both. The secondary's canary cannot reach the " +
    "primary and its alarm starts a failover; the primary is alive and answers its clients. Whatever the runbook decides, at no " +
    "moment may both regions accept payments, and nothing either acknowledged may be lost.",
  knownFailures: eventualModeSplits,
  async run(ctx) {
    await ctx.clock.advance(30_000);
    ctx.marks.outageStart = ctx.clock.now();
    const heal = ctx.inject(regionalPartition(ctx));
    await ctx.clock.advance(PARTITION_MS);
    heal();
    ctx.note("the network between the regions is back");
    await ctx.waitFor(() => ctx.deployment.regions.every((r) => ctx.executions(r).every((e) => e.status !== "RUNNING")), 10 * 60_000);
    await ctx.clock.advance(60_000);
    ctx.marks.measuredExecution = automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart)[0]?.name;
  },
  expectations(ctx, f) {
    return splitChecks(ctx, f);
  },
};

export const partitionThenPrimaryDies: Scenario = {
  name: "partition-then-primary-dies",
  title: "partition, then the isolated primary dies: what it acknowledged must survive",
  story:
    "The regions are cut off from each other (both alive, clients reach both). Two minutes in, the isolated primary fails " +
    "outright. Every payment it acknowledged while cut off must be in the surviving region: a payment the primary could not " +
    "make durable elsewhere must never have been acknowledged.",
  knownFailures: eventualModeSplits,
  async run(ctx) {
    await ctx.clock.advance(30_000);
    ctx.marks.outageStart = ctx.clock.now();
    const heal = ctx.inject(regionalPartition(ctx));
    await ctx.clock.advance(120_000);
    ctx.outage(ctx.primary, "the isolated primary fails");
    await ctx.clock.advance(60_000);
    heal();
    ctx.note("the network between the regions is back (the primary is still down)");
    await ctx.waitFor(() => ctx.executions(ctx.secondary).every((e) => e.status !== "RUNNING"), 10 * 60_000);
    await ctx.clock.advance(60_000);
    ctx.marks.measuredExecution = automaticExecutions(ctx, ctx.secondary, ctx.marks.outageStart)[0]?.name;
  },
  expectations(ctx, f) {
    return [
      ...splitChecks(ctx, f),
      check(
        "the survivor serves",
        f.activeAtEnd.includes(ctx.secondary),
        `ACTIVE at the end: ${f.activeAtEnd.join(", ") || "none"}; no region ACTIVE for at most ${seconds(f.longestZeroActiveSeconds * 1000)}`,
      ),
    ];
  },
};
