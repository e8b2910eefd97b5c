/**
 * The invariants every scenario is held to, beyond its own expectations (DESIGN, "Coordination
 * across regions"): never zero ACTIVE while a region can serve, every run ends safe and notified,
 * no automatic failback. Measured from what the world recorded: the payments every region
 * acknowledged, runs and notifications as the services saw them, and region states as the write
 * path would read them (see invariantFigures).
 */
import { isAutomaticExecution } from "../../runbooks/domain/decisions";
import { dataConsistencyOf } from "../deployment/deployment";
import type { ExecutionRecord } from "../stepfunctions/model";
import type { ScenarioContext } from "./scenario";

export interface InvariantFigures {
  /** Longest stretch (s) after T+0 with no region ACTIVE by its own record while at least one region was up. */
  longestZeroActiveSeconds: number;
  /** Longest stretch (s) after T+0 with two regions up and ACTIVE as their write path reads it (eventual: own replica; strong: committed). */
  longestTwoActiveSeconds: number;
  /** Regions ACTIVE by their own record at the end (among those up). */
  activeAtEnd: string[];
  /** DR executions still running when the scenario ended (names). */
  unfinishedRuns: string[];
  /** DR executions that ended without a final notification (succeeded/failed) from their region. */
  unnotifiedRuns: string[];
  /**
   * Every planned move that completed (an operator's or a drill's failback or drill, SUCCEEDED):
   * the longest time clients went without an acknowledgement while it ran (from the last
   * acknowledgement before it to the first after it, when those bound the stretch).
   */
  plannedMoves: { name: string; longestGapSeconds: number }[];
  /** The longest stretch (s) after T+0 between two consecutive acknowledgements, any region. */
  longestWithoutAcknowledgementSeconds: number;
  /** Automatic executions (alarm-, reconcile-) that made the primary ACTIVE again, taking over from a serving secondary. */
  automaticFailbacks: string[];
}

/**
 * How long, at most, no live region may be ACTIVE: a writer that dies is an outage until the other
 * region is promoted, so the bound is the time to detect it and promote — DESIGN's RTO target.
 */
export const ZERO_ACTIVE_ALLOWANCE_SECONDS = 120;

export function invariantFigures(ctx: ScenarioContext): InvariantFigures {
  const { observations: obs, clock, deployment } = ctx;
  const origin = clock.origin;
  const end = clock.now();
  // Each region's state over time, and whether it is up. Eventual mode: as its own replica says
  // (that copy is what its write guard reads). Strong mode: as committed — every transition where
  // it was written — since the guard reads strongly; an isolated region's stale local copy says
  // ACTIVE but can neither be read strongly nor let it write.
  const strong = dataConsistencyOf(deployment) === "strong";
  const state = new Map<string, string>(Object.entries(obs.initialStates));
  const up = new Map<string, boolean>(deployment.regions.map((r) => [r, true]));
  // Strong mode: a region can serve only with a quorum — the other replica or the witness up
  // (sim/dynamodb/model.ts). With both gone it can neither write nor read strongly: no region
  // "could serve", and nobody ACTIVE is the design, not a gap.
  const witness = strong ? deployment.tables.find((t) => t.witness)?.witness : undefined;
  let witnessUp = true;
  const canServe = (r: string) =>
    up.get(r) === true && (!strong || witness === undefined || witnessUp || deployment.regions.some((o) => o !== r && up.get(o)));
  const events = [
    ...obs.regionRecords
      .filter((r) => (strong ? r.local : r.replica === r.region))
      .map((r) => ({ at: r.at, apply: () => state.set(r.region, r.state) })),
    ...obs.availability
      .filter((a) => deployment.regions.includes(a.region))
      .map((a) => ({ at: a.at, apply: () => up.set(a.region, a.up) })),
    ...obs.availability.filter((a) => a.region === witness).map((a) => ({ at: a.at, apply: () => (witnessUp = a.up) })),
  ].sort((a, b) => a.at - b.at);
  let zeroSince: number | null = null;
  let longest = 0;
  let twoSince: number | null = null;
  let longestTwo = 0;
  const evaluate = (at: number) => {
    const anyUp = deployment.regions.some(canServe);
    const activeUp = deployment.regions.filter((r) => up.get(r) && state.get(r) === "ACTIVE").length;
    if (anyUp && activeUp === 0) zeroSince ??= at;
    else if (zeroSince !== null) {
      if (at > origin) longest = Math.max(longest, at - Math.max(zeroSince, origin));
      zeroSince = null;
    }
    if (activeUp > 1) twoSince ??= at;
    else if (twoSince !== null) {
      if (at > origin) longestTwo = Math.max(longestTwo, at - Math.max(twoSince, origin));
      twoSince = null;
    }
  };
  for (const e of events) {
    e.apply();
    evaluate(e.at);
  }
  if (zeroSince !== null) longest = Math.max(longest, end - Math.max(zeroSince, origin));
  if (twoSince !== null) longestTwo = Math.max(longestTwo, end - Math.max(twoSince, origin));

  const executions = deployment.regions.flatMap((r) => ctx.executions(r)).filter((e) => e.startDate >= origin);
  const finalEvents = new Set(["succeeded", "failed", "stood-down"]);
  const notified = (e: ExecutionRecord) =>
    ctx.world.sns.inbox.some(
      (m) => m.region === e.region && m.attributes.execution === e.name && finalEvents.has(m.attributes.event ?? ""),
    );
  const regionUpAt = (region: string, at: number) => obs.availability.filter((a) => a.region === region && a.at <= at).at(-1)?.up ?? true;
  // The authority names the execution behind each transition: a failback is automatic when an
  // automatic run (alarm- or reconcile-) made the primary ACTIVE after the secondary had taken
  // over, while the secondary was up and still ACTIVE when that run started. (A run that finds no
  // writer and restores the primary moves no traffic off a serving region: not a failback.)
  const failedOverAt = obs.regionRecords.find((r) => r.local && r.region === ctx.secondary && r.state === "ACTIVE" && r.at >= origin)?.at;
  const secondaryStateAt = (at: number) =>
    obs.regionRecords.filter((r) => r.local && r.region === ctx.secondary && r.at <= at).at(-1)?.state ?? obs.initialStates[ctx.secondary];
  const startOf = (name: string) => executions.find((e) => e.name === name)?.startDate;
  const tookRoleAt = (promotion: { at: number; executionId: string }) =>
    obs.regionRecords.find(
      (q) =>
        q.local && q.region === ctx.secondary && q.state !== "ACTIVE" && q.executionId === promotion.executionId && q.at <= promotion.at,
    )?.at ?? promotion.at;
  const automaticFailbacks =
    failedOverAt === undefined
      ? []
      : [
          ...new Set(
            obs.regionRecords
              .filter((r) => r.local && r.region === ctx.primary && r.state === "ACTIVE" && r.at > failedOverAt)
              // Activating the primary is restoring a writer, not a failback, when the secondary was
              // down as the run took the writer's role from it (its fence of the secondary, or the
              // promotion itself when one transition did both): a run that fenced a dead writer and
              // then promoted does not become a failback because the writer came back in between.
              .filter((r) => regionUpAt(ctx.secondary, tookRoleAt(r)))
              .map((r) => r.executionId.split(":").pop() ?? r.executionId)
              .filter((name) => isAutomaticExecution(name))
              .filter((name) => {
                const started = startOf(name);
                return started === undefined || secondaryStateAt(started) === "ACTIVE";
              }),
          ),
        ];
  const ackTimes = ctx.traffic.acks.map((a) => a.at).sort((a, b) => a - b);
  // A region that was down at any moment of the move made it an outage, not a planned move: what
  // clients lose then (Route 53 finding the dead region, their cached answers) is held to the RTO
  // objective below, not to the planned move's 5 s (a strong-mode failback whose secondary dies
  // still restores the writer, and still succeeds).
  const regionDownDuring = (from: number, to: number) =>
    deployment.regions.some(
      (r) => !regionUpAt(r, from) || obs.availability.some((a) => a.region === r && !a.up && a.at >= from && a.at <= to),
    );
  const plannedMoves = executions
    .filter((e) => e.status === "SUCCEEDED" && !isAutomaticExecution(e.name))
    .filter((e) => ["failback", "drill"].includes((JSON.parse(e.input) as { mode?: string }).mode ?? ""))
    .filter((e) => !regionDownDuring(e.startDate, e.stopDate ?? end))
    .map((e) => {
      const stop = e.stopDate ?? end;
      const before = ackTimes.filter((t) => t < e.startDate).at(-1);
      const after = ackTimes.find((t) => t > stop);
      const times = [
        ...(before === undefined ? [] : [before]),
        ...ackTimes.filter((t) => t >= e.startDate && t <= stop),
        ...(after === undefined ? [] : [after]),
      ];
      let longest = 0;
      for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
      return { name: e.name, longestGapSeconds: Math.round(longest / 100) / 10 };
    });
  const longestSilence = longestSilenceMs(ackTimes, origin, end, ctx.traffic.open.size > 0);
  return {
    plannedMoves,
    longestWithoutAcknowledgementSeconds: Math.round(longestSilence / 100) / 10,
    longestZeroActiveSeconds: Math.round(longest / 100) / 10,
    longestTwoActiveSeconds: Math.round(longestTwo / 100) / 10,
    activeAtEnd: deployment.regions.filter((r) => up.get(r) && state.get(r) === "ACTIVE"),
    unfinishedRuns: executions.filter((e) => e.status === "RUNNING").map((e) => e.name),
    // A run whose region was down when it ended could notify nobody; a live region must have.
    unnotifiedRuns: executions
      .filter((e) => e.status !== "RUNNING" && !notified(e) && regionUpAt(e.region, e.stopDate ?? end))
      .map((e) => e.name),
    automaticFailbacks,
  };
}

/**
 * The longest stretch without an acknowledgement from `origin` on: between two acknowledgements,
 * and, while requests were still retrying at `end`, from the last one (or `origin`) to `end`. (The
 * sweep found payments throttled for good 30 s in, reported as "1.3 s between two acknowledgements".)
 */
export function longestSilenceMs(ackTimes: readonly number[], origin: number, end: number, stillRetrying: boolean): number {
  const since = ackTimes.filter((t) => t >= origin);
  let longest = 0;
  for (let i = 1; i < since.length; i++) longest = Math.max(longest, since[i] - since[i - 1]);
  return stillRetrying ? Math.max(longest, end - (since.at(-1) ?? origin)) : longest;
}
