import { Harness } from "./support/harness";
import { PRIMARY, SECONDARY, World } from "./support/world";

const harness = Harness.create();

/** The secondary's canary notices a drained primary two seconds after the drain. */
function canaryDetectsDrain(world: World): World {
  world.onControlWrite.push((region, item, key) => {
    if (key === `region#${PRIMARY}` && item?.state === "DRAINED" && region === SECONDARY) {
      const drainedAt = Date.parse(String(item.updatedAt));
      world.recordFailingProbes(SECONDARY, PRIMARY, drainedAt + 2000, drainedAt - 8000, 1);
    }
  });
  return world;
}

const bucket = (region: string) => `payments-dr-evidence-${region}-test-123456789012`;

describe("drill (in the secondary)", () => {
  it("drains the primary, measures detection and DNS, promotes, holds, fails back through the primary's machine and writes the report", async () => {
    const world = harness.reset(canaryDetectsDrain(World.healthy()));

    const result = await harness.run(SECONDARY, { mode: "drill", targetRegion: SECONDARY, holdSeconds: 0 });

    expect(result.status).toBe("SUCCEEDED");
    // The failback ran as its own execution in the primary, under the drill's lease.
    expect(harness.childRuns).toHaveLength(1);
    expect(harness.childRuns[0]).toMatchObject({ region: PRIMARY, status: "SUCCEEDED", name: `${result.name}-failback` });
    // Back to normal: the primary serves at a newer epoch, the secondary is on standby.
    expect(world.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY", epoch: 1 });
    expect(world.dnsAnswer()).toEqual([PRIMARY]);
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
    expect(world.item(PRIMARY, "lease")).toBeUndefined();

    const json = world.objects.get(`${SECONDARY}/${bucket(SECONDARY)}/reports/${result.name}/report.json`);
    const markdown = world.objects.get(`${SECONDARY}/${bucket(SECONDARY)}/reports/${result.name}/report.md`);
    const report = JSON.parse(json ?? "{}");
    expect(report).toMatchObject({
      outcome: "drill-completed",
      execution: { mode: "drill", status: "SUCCEEDED" },
      evaluation: { passed: true, rto: "pass", rpo: "pass" },
    });
    expect(report.measurements.detectionSeconds).toBe(2);
    expect(report.measurements.dnsShiftSeconds).not.toBeNull();
    expect(report.measurements.failbackSeconds).not.toBeNull();
    expect(report.measurements.outageStartBasis).toBe("drain");
    expect(markdown).toContain("**Result: PASSED**");
    // The failback wrote its own report in the primary.
    expect(world.objects.has(`${PRIMARY}/${bucket(PRIMARY)}/reports/${result.name}-failback/report.json`)).toBe(true);
  });

  it("fails with ReplicaNotReadyError before draining anything when a local replica is not ACTIVE", async () => {
    const world = harness.reset(World.healthy());
    world.tableStatus.get(SECONDARY)!.get("payments-dr-control-global-test")!.status = "UPDATING";

    const result = await harness.run(SECONDARY, { mode: "drill", targetRegion: SECONDARY });

    expect(result).toMatchObject({ status: "FAILED", error: "ReplicaNotReadyError" });
    expect(world.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 0 });
    expect(world.metrics).toEqual([]);
  });

  it("undrains the primary when the drill fails between the drain and the promotion", async () => {
    const world = harness.reset(canaryDetectsDrain(World.healthy()));
    // Someone else moves the secondary's epoch while the drill waits: the promotion must fail.
    world.onControlWrite.push((region, item, key) => {
      if (key === `region#${PRIMARY}` && item?.state === "DRAINED" && region === SECONDARY) {
        world.seedRegion(SECONDARY, "STANDBY", 7, Date.now());
      }
    });

    const result = await harness.run(SECONDARY, { mode: "drill", targetRegion: SECONDARY });

    expect(result).toMatchObject({ status: "FAILED", error: "EpochConflictError" });
    expect(result.states).toContain("CompensateDrill");
    expect(world.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 8 });
    expect(world.lastMetric(SECONDARY, "PrimaryFenced")).toMatchObject({ value: 0 });
    expect(world.dnsAnswer()).toEqual([PRIMARY]);
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
  });

  it("refuses a drill while the secondary is already ACTIVE", async () => {
    const world = harness.reset(World.failedOver());

    const result = await harness.run(SECONDARY, { mode: "drill", targetRegion: SECONDARY });

    expect(result).toMatchObject({ status: "FAILED", error: "PreconditionFailedError" });
    expect(world.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "FENCED", epoch: 0 });
  });
});
