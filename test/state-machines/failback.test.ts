import { Harness, approve, reject } from "./support/harness";
import { PRIMARY, SECONDARY, World, writeFunctionArn } from "./support/world";

const harness = Harness.create();
const failback = { mode: "failback", targetRegion: PRIMARY };

describe("failback (manual, in the primary)", () => {
  it("fences the secondary, proves replication with a sentinel, restores the primary and returns DNS, then puts the secondary on STANDBY", async () => {
    const world = harness.reset(World.failedOver());

    const result = await harness.run(PRIMARY, failback);

    expect(result.status).toBe("SUCCEEDED");
    expect(world.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(world.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(world.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "STANDBY", epoch: 1 });
    expect(world.lastMetric(SECONDARY, "PrimaryFenced")).toMatchObject({ value: 0 });
    expect(world.dnsAnswer()).toEqual([PRIMARY]);
    expect(world.concurrency.get(writeFunctionArn(PRIMARY))).toBe(50);
    expect(world.tags.get(writeFunctionArn(PRIMARY))).toEqual({});
    expect(world.item(PRIMARY, "lease")).toBeUndefined();

    // The secondary was fenced and the sentinel written through the SECONDARY's replica, in that order.
    const fenceCall = world.calls.find((c) => c.region === SECONDARY && c.op === "put" && c.detail === `region#${SECONDARY}`);
    const sentinelCall = world.calls.find((c) => c.region === SECONDARY && c.op === "put" && String(c.detail).startsWith("sentinel#"));
    const promoteCall = world.calls.find((c) => c.region === PRIMARY && c.op === "put" && c.detail === `region#${PRIMARY}`);
    expect(fenceCall && sentinelCall && promoteCall).toBeTruthy();
    expect(fenceCall!.seq).toBeLessThan(sentinelCall!.seq);
    expect(sentinelCall!.seq).toBeLessThan(promoteCall!.seq);
    expect(result.states.indexOf("MarkSecondaryStandby")).toBeGreaterThan(result.states.indexOf("RouteAfterDns"));
  });

  it("fails with SentinelNotReplicatedError when replication to the primary is stuck, and puts the secondary back to ACTIVE", async () => {
    const world = harness.reset(World.failedOver());
    world.pauseReplication(SECONDARY, PRIMARY);

    const result = await harness.run(PRIMARY, failback);

    expect(result).toMatchObject({ status: "FAILED", error: "SentinelNotReplicatedError" });
    expect(result.states).toContain("CompensateFailback");
    expect(result.states).not.toContain("PromotePrimary");
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(world.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "FENCED" });
    expect(world.item(PRIMARY, "lease")).toBeUndefined();
    expect(world.notifications.find((n) => n.attributes.event === "failed")?.message).toContain("compensation");
  });

  it("refuses before fencing anything when the secondary's heartbeat is stale (ReplicationLagExceededError)", async () => {
    const world = harness.reset(World.failedOver());
    world.seed({ pk: `heartbeat#${SECONDARY}`, region: SECONDARY, writtenAt: Date.now() - 10 * 60_000, sequence: 1 });

    const result = await harness.run(PRIMARY, failback);

    expect(result).toMatchObject({ status: "FAILED", error: "ReplicationLagExceededError" });
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
    expect(world.item(PRIMARY, "lease")).toBeUndefined();
  });

  it("waits for an approval when asked to, and changes nothing when it is rejected", async () => {
    const world = harness.reset(World.failedOver());

    const rejected = await harness.run(PRIMARY, { ...failback, requireApproval: true }, { approval: reject });

    expect(rejected).toMatchObject({ status: "FAILED", error: "ApprovalRejectedError" });
    expect(world.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
    expect(world.item(PRIMARY, `approval#${rejected.name}`)).toMatchObject({ taskToken: `token-${rejected.name}` });

    const approved = await harness.run(PRIMARY, { ...failback, requireApproval: true }, { approval: approve });
    expect(approved.status).toBe("SUCCEEDED");
  });

  it("does nothing but report when the primary is already ACTIVE", async () => {
    const world = harness.reset(World.healthy());

    const result = await harness.run(PRIMARY, failback);

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).not.toContain("FenceSecondary");
    expect(world.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
  });
});
