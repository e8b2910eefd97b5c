/**
 * A timeline the randomized sweep printed (`npm start -- --scenario <base> --fault ... --operator
 * ...`), rehearsed in this process on the file's stack. One stack per test file: test/support/stack.ts
 * keeps the first evaluation it was asked for, so strong and eventual replays live in separate files.
 */
import { parseFaultSpec } from "../../../sim/experiments";
import type { RehearsalResult } from "../../../sim/rehearsal/runner";
import { scenarioNamed } from "../../../sim/rehearsal/scenarios";
import { parseOperatorSpec, withOperatorActions } from "../../../sim/sweep/operator-actions";
import { SimulatedAws } from "../../../sim/testing";
import type { EvaluateOptions } from "../../../infra/offline/evaluate";
import { stack } from "../../support/stack";

/**
 * `npm run sweep -- --runs 12 --seed 3 --shrink-runs 0 --scenario full`, run 4, in either mode:
 * the regions cut off from each other, each dying in turn, two `drctl failback`s.
 */
export const SEED_3_FULL_RUN_4 = {
  faults: [
    "network-partition:from=us-east-1,to=us-east-2,paths=app+replication,at=20s,for=140s",
    "region-outage:region=us-east-1,at=110s,for=120s",
    "region-outage:region=us-east-2,at=140s,for=160s",
    "network-partition:from=us-east-1,to=us-east-2,paths=app+replication,oneWay=true,at=200s,for=50s",
    "pause-replication:table=payments,region=us-east-2,at=240s,for=60s",
  ],
  operator: ["failback:region=us-east-1,at=60s", "failback:region=us-east-1,at=290s"],
};

export async function replaySweepTimeline(
  base: string,
  events: { faults?: string[]; operator?: string[] },
  options?: EvaluateOptions,
): Promise<RehearsalResult> {
  const scenario = scenarioNamed(base);
  if (!scenario) throw new Error(`no scenario ${base}`);
  const aws = SimulatedAws.fromEvaluation(await stack(options));
  try {
    return await aws.rehearse(withOperatorActions(scenario, (events.operator ?? []).map(parseOperatorSpec)), {
      faults: (events.faults ?? []).map((f) => parseFaultSpec(f)),
    });
  } finally {
    aws.dispose();
  }
}

/** One check's verdict and detail, by name; throws when the rehearsal has no such check. */
/** Asserts that each named check passed; a failure names every check that did not, with its verdict. */
export function expectPassed(result: RehearsalResult, ...names: string[]): void {
  expect(Object.fromEntries(names.map((n) => [n, checkNamed(result, n).verdict]))).toEqual(
    Object.fromEntries(names.map((n) => [n, "pass"])),
  );
}

export function checkNamed(result: RehearsalResult, name: string): { verdict: string; detail: string } {
  const check = result.checks.find((c) => c.name === name);
  if (!check) throw new Error(`no check "${name}"`);
  return { verdict: check.verdict, detail: check.detail };
}
