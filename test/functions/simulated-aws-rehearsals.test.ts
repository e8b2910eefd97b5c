/**
 * SimulatedAws.rehearse (sim/testing.ts) run twice on one SimulatedAws: every rehearsal's story
 * starts at the same instant, so a second one must not inherit the first one's handlers (their
 * region-state caches, stamped later than the second story's "now", would be trusted for the whole
 * story). The second rehearsal must be the one a fresh SimulatedAws — and `npm start` — rehearses.
 * Two short stories: steady (nothing scripted) then partition.
 */
import type { RehearsalResult } from "../../sim/rehearsal/runner";
import { resultData } from "../../sim/rehearsal/output";
import { scenarioNamed } from "../../sim/rehearsal/scenarios";
import { fingerprintOf } from "../../sim/sweep/sweep";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

const scenario = (name: string) => {
  const s = scenarioNamed(name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
};
/** Every figure, check, timeline line, execution, notification and traffic count (what the sweep compares). */
const fingerprint = (r: RehearsalResult) => fingerprintOf(resultData(r, undefined));

describe("rehearsing twice on one SimulatedAws", () => {
  it("rehearses the second scenario as a fresh SimulatedAws does", async () => {
    const ev = await stack();
    const aws = SimulatedAws.fromEvaluation(ev);
    const first = await aws.rehearse(scenario("steady"));
    const second = await aws.rehearse(scenario("partition"));
    aws.dispose();
    const fresh = await SimulatedAws.fromEvaluation(ev).rehearse(scenario("partition"));

    expect(first.passed).toBe(true);
    expect(fresh.passed).toBe(true);
    expect(second.checks).toEqual(fresh.checks);
    expect(fingerprint(second)).toBe(fingerprint(fresh));
  });
});
