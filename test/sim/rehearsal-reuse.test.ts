/**
 * Every rehearsal's story starts at the same instant, so a second rehearsal on one SimulatedAws
 * must not inherit the first one's handlers (their region-state caches, stamped later than the
 * second story's "now", would be trusted for the whole story): it must be the rehearsal a fresh
 * SimulatedAws — and `npm start` — makes. Three rehearsals: part of `npm run test:e2e`
 * (test/e2e/in-process-files.js); the scenarios themselves are rehearsal.test.ts.
 */
import { resultData } from "../../sim/rehearsal/output";
import type { RehearsalResult } from "../../sim/rehearsal/runner";
import { scenarioNamed } from "../../sim/rehearsal/scenarios";
import { fingerprintOf } from "../../sim/sweep/sweep";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

let second: RehearsalResult;
let fresh: RehearsalResult;
beforeAll(async () => {
  const evaluation = await stack();
  const scenario = (name: string) => {
    const s = scenarioNamed(name);
    if (!s) throw new Error(`no scenario ${name}`);
    return s;
  };
  const reused = SimulatedAws.fromEvaluation(evaluation);
  await reused.rehearse(scenario("full"));
  second = await reused.rehearse(scenario("partition"));
  reused.dispose();
  const other = SimulatedAws.fromEvaluation(evaluation);
  fresh = await other.rehearse(scenario("partition"));
  other.dispose();
});

it("rehearses the second scenario as a fresh SimulatedAws does: the same checks and fingerprint", () => {
  expect(second.checks).toEqual(fresh.checks);
  // Every figure, check, timeline line, execution, notification and traffic count (what the sweep compares).
  expect(fingerprintOf(resultData(second, undefined))).toBe(fingerprintOf(resultData(fresh, undefined)));
});
