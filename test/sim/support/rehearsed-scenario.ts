/**
 * The invariants every rehearsed scenario is held to, in this process, and the figures npm start
 * prints for it (README, Measurements): the shared body of rehearsal.test.ts (the full scenario,
 * `npm test`) and rehearsal-partition.test.ts (`npm run test:e2e`).
 *
 * Each scenario is rehearsed on a fresh SimulatedAws; that rehearsing twice on one changes nothing
 * is rehearsal-reuse.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resultData } from "../../../sim/rehearsal/output";
import type { RehearsalResult } from "../../../sim/rehearsal/runner";
import { scenarioNamed } from "../../../sim/rehearsal/scenarios";
import { SimulatedAws } from "../../../sim/testing";
import { ROOT } from "../../setup/child-process";
import { stack } from "../../support/stack";

/** Rehearses `name` once (in a beforeAll) and declares the invariant tests; returns the result's getter. */
export function describeRehearsedScenario(name: string): () => RehearsalResult {
  let result: RehearsalResult | undefined;
  const rehearsed = (): RehearsalResult => {
    if (!result) throw new Error(`the ${name} scenario was not rehearsed`);
    return result;
  };
  const summary = () => resultData(rehearsed(), undefined).summary;

  beforeAll(async () => {
    const scenario = scenarioNamed(name);
    if (!scenario) throw new Error(`no scenario ${name}`);
    const aws = SimulatedAws.fromEvaluation(await stack());
    try {
      result = await aws.rehearse(scenario);
    } finally {
      aws.dispose();
    }
  });

  describe(`the ${name} scenario`, () => {
    it("passes every check, none of them a known failure", () => {
      expect({ failed: summary().failedChecks, known: summary().knownFailures, passed: summary().passed }).toEqual({
        failed: [],
        known: [],
        passed: true,
      });
    });

    it("loses no acknowledged payment, charges none twice, and takes no write in a demoted region", () => {
      const s = summary();
      expect(s.acknowledgedPayments).toBeGreaterThan(300);
      expect({ lost: s.acknowledgedPaymentsLost, duplicated: s.duplicatePayments, afterDemotion: s.writesAfterDemotion }).toEqual({
        lost: 0,
        duplicated: 0,
        afterDemotion: 0,
      });
    });

    it("has a writer again within DESIGN's 120 s target", () => {
      const { rtoSeconds } = summary();
      expect(rtoSeconds).toBeGreaterThan(20); // detection alone takes three 10 s periods
      expect(rtoSeconds).toBeLessThanOrEqual(120);
    });

    it("gives the figures npm start prints for it (README, Measurements): virtual time, RTO, lost, duplicated", () => {
      const readme = readFileSync(join(ROOT, "README.md"), "utf8");
      const row = new RegExp(
        `^\\| ${name} \\| [^|]+ \\| (\\d+) s \\| (?:([\\d.]+) s|not reached)[^|]* \\| (\\d+) \\| (\\d+) \\|$`,
        "m",
      ).exec(readme);
      expect(row).not.toBeNull();
      const [virtualSeconds, rto, lost, duplicated] = row!.slice(1).map((x) => (x === undefined ? null : Number(x)));
      const data = resultData(rehearsed(), undefined);
      expect({ virtualSeconds, rto, lost, duplicated }).toEqual({
        virtualSeconds: data.virtualSeconds,
        rto: data.summary.rtoSeconds,
        lost: data.summary.acknowledgedPaymentsLost,
        duplicated: data.summary.duplicatePayments,
      });
    });
  });
  return rehearsed;
}
