/**
 * The rehearsal's defining scenario, a clean primary outage, in this process (the fast version of
 * test/e2e/scenarios.test.ts, which runs every scenario as `npm start` runs it): held to the
 * invariants every scenario is held to — no acknowledged payment lost or duplicated, one writer,
 * a writer again within the objective — with the figures npm start prints for it. The partition
 * between two live regions gets the same in rehearsal-partition.test.ts (`npm run test:e2e`).
 *
 * What this cannot prove: the command line, the evidence files on disk, the other scenarios and
 * eventual mode (test/e2e), nor anything the simulation does not model (sim/rehearsal/README.md).
 */
import { describeRehearsedScenario } from "./support/rehearsed-scenario";

const full = describeRehearsedScenario("full");

describe("the full scenario's runs", () => {
  it("fails over automatically in the secondary and fails back in the primary, notifying", () => {
    const r = full();
    expect(r.executions.filter((e) => e.region === "us-east-2" && e.name.startsWith("alarm-peer-health")).map((e) => e.status)).toEqual([
      "SUCCEEDED",
    ]);
    expect(r.executions.find((e) => e.name.startsWith("failback-"))?.status).toBe("SUCCEEDED");
    expect(r.figures.notificationsSent).toBeGreaterThanOrEqual(6);
  });
});
