/**
 * The rehearsal's two defining scenarios, in this process (the fast version of
 * test/e2e/scenarios.test.ts, which runs every scenario as `npm start` runs it): a clean primary
 * outage and a partition between two live regions, each held to the invariants every scenario is
 * held to — no acknowledged payment lost or duplicated, one writer, a writer again within the
 * objective — with the figures npm start prints for them (README, Measurements).
 *
 * Each is rehearsed on a fresh SimulatedAws; that rehearsing twice on one changes nothing is
 * rehearsal-reuse.test.ts (in `npm run test:e2e`).
 *
 * What this cannot prove: the command line, the evidence files on disk, the other scenarios and
 * eventual mode (test/e2e), nor anything the simulation does not model (sim/rehearsal/README.md).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resultData } from "../../sim/rehearsal/output";
import type { RehearsalResult } from "../../sim/rehearsal/runner";
import { scenarioNamed } from "../../sim/rehearsal/scenarios";
import { SimulatedAws } from "../../sim/testing";
import { ROOT } from "../setup/child-process";
import { stack } from "../support/stack";

const results = new Map<string, RehearsalResult>();
beforeAll(async () => {
  const evaluation = await stack();
  for (const name of ["full", "partition"]) {
    const scenario = scenarioNamed(name);
    if (!scenario) throw new Error(`no scenario ${name}`);
    const aws = SimulatedAws.fromEvaluation(evaluation);
    results.set(name, await aws.rehearse(scenario));
    aws.dispose();
  }
});

const summary = (name: string) => resultData(results.get(name)!, undefined).summary;

describe.each(["full", "partition"])("the %s scenario", (name) => {
  it("passes every check, none of them a known failure", () => {
    expect({ failed: summary(name).failedChecks, known: summary(name).knownFailures, passed: summary(name).passed }).toEqual({
      failed: [],
      known: [],
      passed: true,
    });
  });

  it("loses no acknowledged payment, charges none twice, and takes no write in a demoted region", () => {
    const s = summary(name);
    expect(s.acknowledgedPayments).toBeGreaterThan(300);
    expect({ lost: s.acknowledgedPaymentsLost, duplicated: s.duplicatePayments, afterDemotion: s.writesAfterDemotion }).toEqual({
      lost: 0,
      duplicated: 0,
      afterDemotion: 0,
    });
  });

  it("has a writer again within DESIGN's 120 s target", () => {
    const { rtoSeconds } = summary(name);
    expect(rtoSeconds).toBeGreaterThan(20); // detection alone takes three 10 s periods
    expect(rtoSeconds).toBeLessThanOrEqual(120);
  });

  it("gives the figures npm start prints for it (README, Measurements): virtual time, RTO, lost, duplicated", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const row = new RegExp(`^\\| ${name} \\| [^|]+ \\| (\\d+) s \\| (?:([\\d.]+) s|not reached)[^|]* \\| (\\d+) \\| (\\d+) \\|$`, "m").exec(
      readme,
    );
    expect(row).not.toBeNull();
    const [virtualSeconds, rto, lost, duplicated] = row!.slice(1).map((x) => (x === undefined ? null : Number(x)));
    const data = resultData(results.get(name)!, undefined);
    expect({ virtualSeconds, rto, lost, duplicated }).toEqual({
      virtualSeconds: data.virtualSeconds,
      rto: data.summary.rtoSeconds,
      lost: data.summary.acknowledgedPaymentsLost,
      duplicated: data.summary.duplicatePayments,
    });
  });
});

describe("the full scenario", () => {
  it("fails over automatically in the secondary and fails back in the primary, notifying", () => {
    const r = results.get("full")!;
    expect(r.executions.filter((e) => e.region === "us-east-2" && e.name.startsWith("alarm-peer-health")).map((e) => e.status)).toEqual([
      "SUCCEEDED",
    ]);
    expect(r.executions.find((e) => e.name.startsWith("failback-"))?.status).toBe("SUCCEEDED");
    expect(r.figures.notificationsSent).toBeGreaterThanOrEqual(6);
  });
});
