import { Harness } from "./support/harness";
import { PRIMARY, SECONDARY, World } from "./support/world";

const harness = Harness.create();

function snapshot(world: World) {
  return JSON.stringify({
    tables: [...world.tables].map(([r, t]) => [r, [...t]]),
    metrics: world.metrics,
    objects: [...world.objects],
    concurrency: [...world.concurrency],
    tags: [...world.tags],
  });
}

describe("dry-run", () => {
  it("checks every precondition, sends one summary and changes nothing", async () => {
    const world = harness.reset(World.healthy());
    const before = snapshot(world);

    const result = await harness.run(SECONDARY, { mode: "dry-run", checkMode: "drill" });

    expect(result.status).toBe("SUCCEEDED");
    expect(snapshot(world)).toBe(before);
    expect(world.writes().map((c) => c.op)).toEqual(["publish"]);
    expect(world.notifications).toHaveLength(1);
    expect(world.notifications[0].subject).toContain("READY");
    for (const check of ["lease", "decision", "replication", "dns", "approval", "anti-flap"]) {
      expect(world.notifications[0].message).toContain(check);
    }
    expect(result.states).toEqual(
      expect.arrayContaining(["InspectLease", "AssessRegionsForDryRun", "CheckReplicationForDryRun", "CheckDnsForDryRun"]),
    );
  });

  it("fails with PreconditionFailedError, still changing nothing, when a run would not proceed", async () => {
    const world = harness.reset(World.healthy());
    world.seed({
      pk: "lease",
      holder: "someone",
      mode: "failover",
      region: PRIMARY,
      acquiredAt: Date.now(),
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    });
    const before = snapshot(world);

    const result = await harness.run(SECONDARY, { mode: "dry-run" });

    expect(result).toMatchObject({ status: "FAILED", error: "PreconditionFailedError" });
    expect(result.cause).toContain("lease: held by someone");
    expect(snapshot(world)).toBe(before);
    expect(world.notifications.map((n) => n.subject)).toEqual([expect.stringContaining("NOT READY")]);
  });
});
