import { Harness } from "./support/harness";
import { PRIMARY, SECONDARY, World } from "./support/world";

const harness = Harness.create();
const failover = { mode: "failover", targetRegion: SECONDARY };

describe("the failure path itself", () => {
  it("still releases the lease and fails with the original error when notifications cannot be sent", async () => {
    const world = harness.reset(World.healthy());
    world.broken.add("sns");

    const result = await harness.run(SECONDARY, failover);

    expect(result).toMatchObject({ status: "FAILED", error: "ServiceUnavailable" });
    expect(result.states.slice(-4)).toEqual(["ChooseFailureCleanup", "WriteFailureReport", "ReleaseLeaseAfterFailure", "RunFailed"]);
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
    expect([...world.objects.keys()].some((k) => k.endsWith(`${result.name}/report.json`))).toBe(true);
  });

  it("fails (and releases) when the evidence report cannot be written, after a successful failover", async () => {
    const world = harness.reset(World.healthy());
    world.broken.add("s3");

    const result = await harness.run(SECONDARY, failover);

    expect(result).toMatchObject({ status: "FAILED", error: "ServiceUnavailable" });
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
    const failure = world.notifications.find((n) => n.attributes.event === "failed");
    expect(failure?.message).toContain(`${PRIMARY} FENCED`);
    expect(failure?.message).toContain(`${SECONDARY} ACTIVE (epoch 1)`);
  });

  it("ends in RunFailed, having notified, when the control table becomes unavailable after the promotion", async () => {
    const world = harness.reset(World.healthy());
    let writes = 0;
    world.onControlWrite.push((_region, item, key) => {
      if (key === `region#${SECONDARY}` && item?.state === "ACTIVE") writes++;
      if (writes > 0) world.broken.add("dynamodb");
    });

    const result = await harness.run(SECONDARY, failover);

    // The lease cannot be released (DynamoDB down): the run fails and says so; the lease expires with its TTL.
    expect(result.status).toBe("FAILED");
    expect(result.states.at(-1)).toBe("RunFailed");
    expect(world.notifications.some((n) => n.attributes.event === "failed")).toBe(true);
  });
});
