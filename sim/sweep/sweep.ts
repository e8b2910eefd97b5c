/**
 * The randomized sweep (issue 15, item 3): rehearses a base scenario under timelines of faults and
 * on-call's runs drawn from a seed (generator.ts), holds every run to the invariants every
 * scenario is held to (checks.ts's common checks: no acknowledged payment lost or duplicated, one
 * writer at a time, never zero ACTIVE while a region can serve, every run ended and notified, no
 * automatic failback, ...), and for each check that failed — a failure class — shrinks the first
 * timeline that failed it to a smaller one that still fails it, and gives the command that replays it.
 *
 * How it runs:
 * 1. `runs` timelines, drawn by fast-check from `seed` (run i is fast-check's path "i"), each
 *    rehearsed in full and judged;
 * 2. per failure class, fast-check replays path i and shrinks it with the property "this check
 *    holds"; then each remaining event is dropped if the check still fails without it — at most
 *    `shrinkRuns` rehearsals in all (identical timelines are rehearsed once: a cache);
 * 3. the minimal timeline is rehearsed once more and its figures compared with the first time:
 *    a replay that differs is reported (the simulation would not be deterministic), and so is
 *    the exact `npm start` command line.
 *
 * Failures a base scenario declares known (Scenario.knownFailures) form classes of their own,
 * shrunk and reported like the rest, marked known: they do not fail the sweep, and they are not
 * hidden either.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { Deployment } from "../deployment/types";
import { commonChecks } from "../rehearsal/checks";
import { resultData } from "../rehearsal/output";
import { type RehearsalResult, runScenario } from "../rehearsal/runner";
import type { Scenario } from "../rehearsal/scenario";
import type { WarmHandlers } from "../session";
import type { Plant } from "./cli";
import { type SweepSpace, sweepSpace, timelineArbitrary } from "./generator";
import { withOperatorActions } from "./operator-actions";
import { replayCommand, size, type Timeline } from "./timeline";

export interface SweepOptions {
  deployment: Deployment;
  /** The story the timelines are injected into (`steady` by default, from the CLI). */
  base: Scenario;
  runs: number;
  seed: number;
  /** How long the timelines' story is (faults start and end inside it). */
  storyMs: number;
  /** Rehearsals each failure class may spend shrinking (0: report the timeline as found). */
  shrinkRuns: number;
  /**
   * What every run gets besides its timeline, never shrunk, to see the sweep find what it breaks:
   * a defect planted in the world, and faults (scheduled before the timeline's, as the replay
   * command lists them first).
   */
  plant?: readonly Plant[];
  /** The `--config` settings the deployment was evaluated with (the replay commands carry them). */
  config?: readonly { key: string; value: string }[];
  /** Where handlers come from (see RunOptions.handlers); the rehearsal's own loading by default. */
  handlers?: WarmHandlers;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

/** One rehearsal of one timeline, judged. */
export interface SweepCase {
  timeline: Timeline;
  /** Invariant (common) checks that failed, not declared known by the base. */
  failed: string[];
  /** Invariant checks that failed and the base declares known, with the reason it gives. */
  known: string[];
  knownReasons: Record<string, string>;
  /** The base's own expectations that failed (shown, not the property). */
  scenarioFailed: string[];
  /** The detail of each failed check, by name. */
  details: Record<string, string>;
  /** What npm start prints as the summary; empty when the rehearsal crashed ({@link REHEARSAL_CRASHED}). */
  summary: Partial<ReturnType<typeof resultData>["summary"]>;
  virtualSeconds: number;
  /** A digest of what the run recorded (summary, checks, timeline, executions, notifications, traffic). */
  fingerprint: string;
  wallMs: number;
}

export interface SweepRun extends SweepCase {
  /** 0-based; fast-check's path for it is `String(index)`. */
  index: number;
}

export interface FailureClass {
  /** The invariant check that failed. */
  check: string;
  /** Why the base declares it known (it does not fail the sweep), if it does. */
  knownReason?: string;
  /** Runs (indexes) that failed it. */
  runs: number[];
  /** The first of them, as drawn. */
  found: Timeline;
  /** The smallest timeline found that still fails it. */
  minimal: Timeline;
  /** The check's detail on the minimal timeline. */
  detail: string;
  /** Every invariant check the minimal timeline fails. */
  minimalFails: string[];
  /** Rehearsals spent shrinking; whether the budget ran out before fast-check had tried every smaller candidate. */
  shrinking: { rehearsals: number; steps: number; budgetExhausted: boolean };
  /** The commands that replay the minimal timeline (text, and --json for machines). */
  replay: string;
  replayJson: string;
  /** The minimal timeline's fingerprint, and whether rehearsing it again gave the same figures. */
  fingerprint: string;
  deterministic: boolean;
  /** What differed when rehearsed again (summary fields), when it was not deterministic. */
  divergence?: string;
}

export interface SweepReport {
  simulated: true;
  base: string;
  seed: number;
  runs: number;
  storyMs: number;
  shrinkRuns: number;
  /** What every run got besides its timeline (`--plant`), as specs. */
  plant: string[];
  /** The `--config` settings rehearsed (none: the rehearsal's defaults). */
  config: { key: string; value: string }[];
  /** Every run as drawn. */
  cases: SweepRun[];
  /** One per invariant check that failed in some run, in the order first seen. */
  classes: FailureClass[];
  /** Rehearsals made in all (runs, shrinking, determinism checks). */
  rehearsals: number;
  /** No failure outside the base's known ones, and every minimal timeline replayed identically. */
  passed: boolean;
  /** The command that repeats this sweep. */
  command: string;
  space: Pick<SweepSpace, "primary" | "secondary" | "functions" | "maxEpisodes" | "maxOperatorActions" | "stepMs">;
}

/** JSON with object keys sorted: the same value always gives the same text. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/**
 * What must be identical when the same timeline is rehearsed again, from the result as `npm start
 * --json` prints it (resultData): every figure, check, timeline line, execution, notification and
 * traffic count. Wall-clock time and file locations are left out.
 */
export function fingerprintOf(
  data: Pick<
    ReturnType<typeof resultData>,
    "summary" | "checks" | "timeline" | "executions" | "notifications" | "traffic" | "virtualSeconds"
  >,
): string {
  const { summary, checks, timeline, executions, notifications, traffic, virtualSeconds } = data;
  const hash = createHash("sha256");
  hash.update(canonical({ summary, checks, timeline, executions, notifications, traffic, virtualSeconds }));
  return hash.digest("hex").slice(0, 16);
}

/** Judges a rehearsal: which invariant checks failed (known or not), and the base's own failures. */
export function judge(result: RehearsalResult, timeline: Timeline): SweepCase {
  const invariants = new Set(commonChecks(result.figures).map((c) => c.name));
  const failedChecks = result.checks.filter((c) => c.verdict === "fail");
  const data = resultData(result, undefined);
  return {
    timeline,
    failed: failedChecks.filter((c) => invariants.has(c.name) && !c.known).map((c) => c.name),
    known: failedChecks.filter((c) => invariants.has(c.name) && c.known).map((c) => c.name),
    knownReasons: Object.fromEntries(failedChecks.flatMap((c) => (invariants.has(c.name) && c.known ? [[c.name, c.known]] : []))),
    scenarioFailed: failedChecks.filter((c) => !invariants.has(c.name)).map((c) => c.name),
    details: Object.fromEntries(failedChecks.map((c) => [c.name, c.detail])),
    summary: data.summary,
    virtualSeconds: data.virtualSeconds,
    fingerprint: fingerprintOf(data),
    wallMs: result.wallMs,
  };
}

/**
 * A timeline the rehearsal could not run to its end (an exception out of the scenario, e.g. on-call's
 * drctl call failing for good) is a failure of its own, shrunk and replayed like an invariant's.
 * Before, the exception escaped the property, fast-check shrank it unseen and the sweep said PASSED.
 */
export const REHEARSAL_CRASHED = "the rehearsal ran to its end";

/** The case of a rehearsal that threw: failed with {@link REHEARSAL_CRASHED}, the error as its detail. */
export function crashedCase(timeline: Timeline, error: unknown, wallMs: number): SweepCase {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    timeline,
    failed: [REHEARSAL_CRASHED],
    known: [],
    knownReasons: {},
    scenarioFailed: [],
    details: { [REHEARSAL_CRASHED]: detail },
    summary: {},
    virtualSeconds: 0,
    fingerprint: createHash("sha256").update(detail).digest("hex").slice(0, 16),
    wallMs,
  };
}

const events = (t: Timeline) => `${size(t)} event${size(t) === 1 ? "" : "s"}`;
const failsCheck = (c: SweepCase, check: string) => c.failed.includes(check) || c.known.includes(check);

export async function sweep(options: SweepOptions): Promise<SweepReport> {
  const { deployment, base, runs, seed, shrinkRuns } = options;
  const plant = options.plant ?? [];
  const defect = plant.flatMap((p) => ("defect" in p ? [p.defect] : []))[0];
  const plantedFaults = plant.flatMap((p) => ("fault" in p ? [p.fault] : []));
  const progress = options.progress ?? (() => undefined);
  const space = sweepSpace(deployment, { storyMs: options.storyMs });
  const arbitrary = timelineArbitrary(space);
  let rehearsals = 0;
  const cache = new Map<string, SweepCase>();

  const rehearse = async (timeline: Timeline): Promise<SweepCase> => {
    rehearsals += 1;
    const started = Date.now();
    try {
      const result = await runScenario(deployment, withOperatorActions(base, timeline.operator), {
        faults: [...plantedFaults, ...timeline.faults],
        ...(defect ? { fault: defect } : {}),
        ...(options.handlers ? { handlers: options.handlers } : {}),
      });
      return judge(result, timeline);
    } catch (error) {
      return crashedCase(timeline, error, Date.now() - started);
    }
  };
  /** Rehearsed once per distinct timeline. */
  const judged = async (timeline: Timeline): Promise<{ c: SweepCase; fresh: boolean }> => {
    const key = canonical(timeline);
    const seen = cache.get(key);
    if (seen) return { c: seen, fresh: false };
    const c = await rehearse(timeline);
    cache.set(key, c);
    return { c, fresh: true };
  };
  const verdict = (c: SweepCase) =>
    c.failed.length + c.known.length === 0
      ? "holds"
      : [...c.failed.map((f) => `FAILS ${f}`), ...c.known.map((k) => `fails (known) ${k}`)].join("; ");

  // 1. The runs, as fast-check draws them from the seed (the property records and never fails, so every run is made).
  const cases: SweepRun[] = [];
  await fc.check(
    fc.asyncProperty(arbitrary, async (timeline) => {
      const index = cases.length;
      const { c } = await judged(timeline);
      cases.push({ ...c, index });
      progress(`run ${index + 1}/${runs}: ${events(timeline)} — ${verdict(c)} (${Math.round(c.wallMs / 100) / 10} s)`);
      return true;
    }),
    { seed, numRuns: runs },
  );

  // 2. Failure classes, in the order first seen; each shrunk from its first run.
  const classes: FailureClass[] = [];
  const rehearsedAgain = new Map<string, SweepCase>();
  const names = [...new Set(cases.flatMap((c) => [...c.failed, ...c.known]))];
  for (const check of names) {
    const failing = cases.filter((c) => failsCheck(c, check));
    const first = failing[0];
    const knownReason = first.knownReasons[check];
    progress(
      `shrinking "${check}"${knownReason ? " (known)" : ""} from run ${first.index + 1} (${events(first.timeline)}; at most ${shrinkRuns} rehearsals) ...`,
    );
    let spent = 0;
    let exhausted = false;
    let minimal = first.timeline;
    let steps = 0;
    /** Rehearses a candidate within the budget; undefined when the budget is spent. */
    const attempt = async (timeline: Timeline, limit: number): Promise<boolean | undefined> => {
      if (!cache.has(canonical(timeline))) {
        if (spent >= limit) {
          exhausted = true;
          return undefined;
        }
        spent += 1;
      }
      const { c, fresh } = await judged(timeline);
      const fails = failsCheck(c, check);
      if (fresh) progress(`  shrink ${spent}/${shrinkRuns}: ${events(timeline)} — ${fails ? "still fails" : "holds"}`);
      return fails;
    };
    // fast-check first (fewer episodes, no follow-up, earlier, shorter, simpler), keeping a few
    // rehearsals for the last pass: fast-check moves numbers before it drops on-call's runs.
    const reserve = Math.min(size(first.timeline), Math.floor(shrinkRuns / 2));
    if (shrinkRuns - reserve > 0) {
      const details = await fc.check(
        // Out of budget: a candidate counts as holding, so fast-check stops at the smallest failing one so far.
        fc.asyncProperty(arbitrary, async (timeline) => !((await attempt(timeline, shrinkRuns - reserve)) ?? false)),
        { seed, numRuns: runs, path: String(first.index) },
      );
      if (details.failed && details.counterexample) {
        minimal = details.counterexample[0];
        steps = details.numShrinks;
      }
    }
    // Then each event on its own: dropped if the check still fails without it.
    for (let dropped = true; dropped; ) {
      dropped = false;
      for (const candidate of withoutOneEvent(minimal)) {
        const fails = await attempt(candidate, shrinkRuns);
        if (fails === undefined) break;
        if (fails) {
          minimal = candidate;
          steps += 1;
          dropped = true;
          break;
        }
      }
    }
    const found = cache.get(canonical(minimal)) as SweepCase;
    // 3. The same timeline again: the same figures, or the replay command would not reproduce it
    // (once per distinct minimal timeline: several checks may fail on the same one).
    const key = canonical(minimal);
    const again = rehearsedAgain.get(key) ?? (await rehearse(minimal));
    rehearsedAgain.set(key, again);
    const deterministic = again.fingerprint === found.fingerprint;
    const divergence = deterministic
      ? undefined
      : Object.keys(found.summary)
          .filter(
            (k) => canonical(found.summary[k as keyof SweepCase["summary"]]) !== canonical(again.summary[k as keyof SweepCase["summary"]]),
          )
          .map(
            (k) =>
              `${k}: ${canonical(found.summary[k as keyof SweepCase["summary"]])} then ${canonical(again.summary[k as keyof SweepCase["summary"]])}`,
          )
          .join("; ") || "the summary agrees; the timeline, executions, notifications or traffic differ";
    progress(
      `  minimal: ${events(minimal)} (from ${size(first.timeline)}, ${steps} shrink steps, ${spent} rehearsals${exhausted ? ", budget exhausted" : ""}); rehearsed again: ${deterministic ? "same figures" : `DIFFERENT (${divergence})`}`,
    );
    const plantOption = { plant: plant.map((p) => p.spec), config: options.config ?? [] };
    classes.push({
      check,
      ...(knownReason ? { knownReason } : {}),
      runs: failing.map((c) => c.index),
      found: first.timeline,
      minimal,
      detail: found.details[check] ?? "",
      minimalFails: [...found.failed, ...found.known],
      shrinking: { rehearsals: spent, steps, budgetExhausted: exhausted },
      replay: replayCommand(base.name, minimal, plantOption),
      replayJson: replayCommand(base.name, minimal, { ...plantOption, json: true }),
      fingerprint: found.fingerprint,
      deterministic,
      ...(divergence ? { divergence } : {}),
    });
  }

  return {
    simulated: true,
    base: base.name,
    seed,
    runs,
    storyMs: options.storyMs,
    shrinkRuns,
    plant: plant.map((p) => p.spec),
    config: [...(options.config ?? [])],
    cases,
    classes,
    rehearsals,
    passed: sweepPassed(classes),
    command: sweepCommand(options),
    space: {
      primary: space.primary,
      secondary: space.secondary,
      functions: space.functions,
      maxEpisodes: space.maxEpisodes,
      maxOperatorActions: space.maxOperatorActions,
      stepMs: space.stepMs,
    },
  };
}

/** The timelines with one event (a fault or an on-call run) fewer, in time order. */
export function withoutOneEvent(t: Timeline): Timeline[] {
  return [
    ...t.faults.map((_, i) => ({ faults: t.faults.filter((_f, j) => j !== i), operator: t.operator })),
    ...t.operator.map((_, i) => ({ faults: t.faults, operator: t.operator.filter((_o, j) => j !== i) })),
  ];
}

/** A sweep passes when every failure is one the base declares known, and every minimal timeline replayed identically. */
export function sweepPassed(classes: Pick<FailureClass, "knownReason" | "deterministic">[]): boolean {
  return classes.every((c) => c.knownReason !== undefined && c.deterministic);
}

/** The command that repeats a sweep. */
export function sweepCommand(o: Pick<SweepOptions, "runs" | "seed" | "shrinkRuns" | "plant" | "base" | "config">): string {
  return [
    "npm run sweep --",
    `--runs ${o.runs}`,
    `--seed ${o.seed}`,
    ...(o.base.name !== "steady" ? [`--scenario ${o.base.name}`] : []),
    `--shrink-runs ${o.shrinkRuns}`,
    ...(o.config ?? []).map((c) => `--config ${c.key}=${c.value}`),
    ...(o.plant ?? []).map((p) => `--plant ${p.spec}`),
  ].join(" ");
}
