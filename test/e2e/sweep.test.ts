/**
 * The randomized sweep end to end, run as users run it — `npm run sweep` and the `npm start`
 * command it prints, in child processes — at a small size: one run with a failure planted in
 * every run (the secondary's promotion step always fails), which the sweep must find as an
 * invariant failure that the same timeline without it does not have, shrink, rehearse again with
 * the same figures, and give a replay command that reproduces the run figure for figure in a fresh
 * process; and a two-run sweep of the system as it is. The generator, the command lines and the
 * verdict are checked in the default run (test/sim/sweep.test.ts).
 *
 * Each rehearsal costs a few CPU seconds; the children are bounded by CPU budgets
 * (test/setup/child-process.ts), not by the wall clock, so a busy machine slows them without failing them.
 *
 * What this cannot prove: that the sweep would find a given real defect in so few runs (bigger
 * sweeps are for `npm run sweep -- --runs N`), nor anything the simulation does not model.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFaultSpec } from "../../sim/experiments";
import { parseCli } from "../../sim/rehearsal/cli";
import { fingerprintOf, type SweepReport } from "../../sim/sweep/sweep";
import { formatFaultSpec, replayCommand, size } from "../../sim/sweep/timeline";
import { deploymentFromEvaluation } from "../../sim/deployment/deployment";
import type { Deployment } from "../../sim/deployment/types";
import { CHILD_TEST_TIMEOUT_MS, runChild, type ChildResult } from "../setup/child-process";
import { stack } from "../support/stack";
import { argsOf, drawTimelines } from "../support/sweep";

let deployment: Deployment;
beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
});
const draw = (seed: number, numRuns: number) => drawTimelines(deployment, seed, numRuns);

/**
 * The planted failure: the secondary's promote-local function fails every invocation, all story
 * long. No design can make a region ACTIVE without its promotion step, so once the primary is down
 * longer than the promotion allowance, "never zero ACTIVE while a region can serve" must fail —
 * whatever the protocol. Seed 16's first timeline has such an outage (the primary down at T+2m for
 * 110 s, then DynamoDB errors in it); the test checks the draw first. It does not name the check
 * the sweep must find: it asks that the same timeline without the planted fault holds it.
 */
const PLANT = "lambda-invocation-error:function=promote-local,region=us-east-2";
const PLANTED = ["--runs", "1", "--seed", "16", "--shrink-runs", "2", "--plant", PLANT, "--json"];
const TINY = ["--runs", "2", "--seed", "3", "--shrink-runs", "0", "--json"];
/** CPU budgets: a few times what each needs on a quiet 2-core machine (a rehearsal ~6 s, the evaluation ~3 s). */
const BUDGET = { planted: { cpuSeconds: 180 }, tiny: { cpuSeconds: 150 }, replay: { cpuSeconds: 60 } };

const dirs = { planted: mkdtempSync(join(tmpdir(), "sweep-planted-")), tiny: mkdtempSync(join(tmpdir(), "sweep-tiny-")) };
let planted: ChildResult;
let replay: ChildResult;
let control: ChildResult;
let tiny: ChildResult;

const reportOf = (run: ChildResult, what: string): SweepReport => {
  try {
    return JSON.parse(run.stdout) as SweepReport;
  } catch {
    throw new Error(`stdout of ${what} is not one JSON document (exit ${run.code}); stderr ends:\n${run.stderr.slice(-2000)}`);
  }
};
const sweepOf = (args: string[], dir: string, budget: { cpuSeconds: number }) =>
  runChild("npm", ["run", "--silent", "sweep", "--", ...args], { env: { REHEARSAL_REPORTS_DIR: dir }, budget });
/** The first failure the planted sweep reports outside the base's known ones. */
const caught = (report: SweepReport) => report.classes.find((c) => c.knownReason === undefined);

describe("end to end, in child processes", () => {
  beforeAll(async () => {
    const plantedThenReplays = sweepOf(PLANTED, dirs.planted, BUDGET.planted).then(async (p) => {
      planted = p;
      const found = caught(reportOf(p, "the planted sweep"));
      if (!found) throw new Error(`the planted sweep found no failure (exit ${p.code}):\n${p.stderr.slice(-2000)}`);
      const env = { REHEARSAL_REPORTS_DIR: dirs.planted };
      // The replay exactly as printed, through the shell; and the same timeline without the planted defect.
      [replay, control] = await Promise.all([
        runChild(found.replayJson, [], { shell: true, env, budget: BUDGET.replay }),
        runChild(found.replayJson.replace(` --fault ${PLANT}`, ""), [], { shell: true, env, budget: BUDGET.replay }),
      ]);
    });
    const [t] = await Promise.all([sweepOf(TINY, dirs.tiny, BUDGET.tiny), plantedThenReplays]);
    tiny = t;
  }, CHILD_TEST_TIMEOUT_MS);

  afterAll(() => {
    for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  });

  describe("a sweep with a failure planted: the secondary cannot promote itself", () => {
    const report = () => reportOf(planted, "the planted sweep");
    const failure = () => {
      const c = caught(report());
      if (!c) throw new Error("the planted sweep reported no failure");
      return c;
    };
    const primaryOutage = () => expect.objectContaining({ fault: { action: "region-outage", region: deployment.primaryRegion } });

    it("draws a primary outage, and more (the premise of this test)", () => {
      const first = report().cases[0].timeline;
      expect(first.faults).toContainEqual(primaryOutage());
      expect(size(first)).toBeGreaterThan(1);
    });

    it("catches it as an invariant failure, and fails", () => {
      expect(failure()).toMatchObject({ runs: [0], deterministic: true });
      expect(report().passed).toBe(false);
      expect(planted.code).toBe(1);
    });

    it("blames the planted failure: the same timeline without it holds that invariant", () => {
      const withoutDefect = JSON.parse(control.stdout);
      expect(withoutDefect.checks).toContainEqual(expect.objectContaining({ name: failure().check, verdict: "pass" }));
    });

    it("shrinks the timeline to fewer events that still fail, within its budget", () => {
      const c = failure();
      expect(size(c.minimal)).toBeLessThan(size(c.found));
      expect(c.minimal.faults).toContainEqual(primaryOutage());
      expect(c.shrinking.rehearsals).toBeLessThanOrEqual(2);
      expect(c.minimalFails).toContain(c.check);
      // per failing check: at most two shrink attempts and one more rehearsal of its minimal timeline
      expect(report().rehearsals).toBeLessThanOrEqual(1 + 3 * report().classes.length);
    });

    it("prints a replay command that names the base, the planted fault and every event of the minimal timeline", () => {
      const c = failure();
      const parsed = parseCli(argsOf(c.replay));
      expect(parsed.scenarios).toEqual(["steady"]);
      expect(parsed.faults?.map((f) => f.timed) ?? []).toEqual([parseFaultSpec(PLANT), ...c.minimal.faults]);
      expect(parsed.operator?.map((o) => o.action) ?? []).toEqual(c.minimal.operator);
    });

    it("replays it in a fresh process figure for figure: the same checks, timeline, executions and traffic", () => {
      const c = failure();
      const replayed = JSON.parse(replay.stdout);
      expect(replay.code).toBe(1);
      expect(replayed.summary.failedChecks).toContain(c.check);
      expect(replayed.faults).toEqual([PLANT, ...c.minimal.faults.map(formatFaultSpec)]);
      expect(fingerprintOf(replayed)).toBe(c.fingerprint);
    });

    it("prints the command that repeats the sweep", () => {
      expect(report().command).toBe(`npm run sweep -- --runs 1 --seed 16 --shrink-runs 2 --plant ${PLANT}`);
    });
  });

  describe("a tiny random sweep of the system as it is", () => {
    const report = () => reportOf(tiny, "the tiny sweep");

    it("rehearses and judges every run drawn from the seed", () => {
      expect(report()).toMatchObject({ base: "steady", seed: 3, runs: 2, plant: [] });
      expect(report().cases.map((c) => c.index)).toEqual([0, 1]);
      expect(report().cases.map((c) => c.timeline)).toEqual(draw(3, 2));
      for (const c of report().cases) {
        expect(c.summary.acknowledgedPayments).toBeGreaterThan(100);
        expect(c.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      }
    });

    it("reports each failed invariant once, with the runs that failed it and a replay of the timeline as drawn", () => {
      const failedIn = (check: string) =>
        report()
          .cases.filter((c) => [...c.failed, ...c.known].includes(check))
          .map((c) => c.index);
      const checks = [...new Set(report().cases.flatMap((c) => [...c.failed, ...c.known]))];
      expect(report().classes.map((c) => c.check)).toEqual(checks);
      for (const c of report().classes) {
        expect(c.runs).toEqual(failedIn(c.check));
        expect(c.minimal).toEqual(c.found); // --shrink-runs 0
        expect(c.deterministic).toBe(true);
        expect(c.replay).toBe(replayCommand("steady", c.found));
      }
    });

    it("exits 0 exactly when every invariant held", () => {
      expect(tiny.code).toBe(report().classes.length === 0 ? 0 : 1);
      expect(report().passed).toBe(report().classes.length === 0);
      expect(report().rehearsals).toBe(2 + new Set(report().classes.map((c) => JSON.stringify(c.minimal))).size);
    });
  });
});
