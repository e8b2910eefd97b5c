import { Harness, approve, reject } from "./support/harness";
import { FENCE_ALARM_NAME, PRIMARY, SECONDARY, World, writeFunctionArn, type AlarmState } from "./support/world";

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

  it("waits for the fence alarm to clear before confirming DNS and marking the secondary STANDBY", async () => {
    const world = harness.reset(World.failedOver());
    // A Maximum over 60 s still reports ALARM for a while after PrimaryFenced=0: here, three checks.
    world.fenceAlarmClearsAfterChecks = 3;
    const alarmWhenStandby: AlarmState[] = [];
    world.onControlWrite.push((_region, item, key) => {
      if (key === `region#${SECONDARY}` && item?.state === "STANDBY") alarmWhenStandby.push(world.fenceAlarmState());
    });

    const result = await harness.run(PRIMARY, failback);

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states.filter((s) => s === "CheckFenceAlarm")).toHaveLength(4);
    expect(world.effects.filter((e) => e.kind === "fence-alarm").map((e) => e.detail)).toEqual(["ALARM", "ALARM", "ALARM", "OK"]);
    // The alarm was read in the secondary, by name, from the primary's function.
    expect(world.calls.filter((c) => c.op === "describe-alarms").map((c) => [c.region, c.detail])).toEqual(
      Array(4).fill([SECONDARY, [FENCE_ALARM_NAME]]),
    );
    // DNS is consulted only after the alarm said OK, and the secondary became STANDBY only then.
    const clearedAt = world.effects.find((e) => e.kind === "fence-alarm" && e.detail === "OK")!.seq;
    const dnsQueries = world.calls.filter((c) => c.op === "resolve-txt");
    expect(dnsQueries.length).toBeGreaterThan(0);
    expect(dnsQueries.every((c) => c.seq > clearedAt)).toBe(true);
    expect(result.states.indexOf("ConfirmDnsAnswer")).toBeGreaterThan(result.states.lastIndexOf("CheckFenceAlarm"));
    expect(alarmWhenStandby).toEqual(["OK"]);
    expect(world.dnsAnswer()).toEqual([PRIMARY]);
    expect(world.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
  });

  it("fails with FenceAlarmNotClearedError when the fence alarm never clears, keeping the primary ACTIVE and the secondary FENCED, and notifies", async () => {
    const world = harness.reset(World.failedOver());
    world.fenceAlarmOverride = "ALARM";

    const result = await harness.run(PRIMARY, failback);

    expect(result).toMatchObject({ status: "FAILED", error: "FenceAlarmNotClearedError" });
    expect(result.cause).toContain(
      `Fence alarm ${FENCE_ALARM_NAME} in ${SECONDARY} was not OK after ${harness.values(PRIMARY).fenceAlarmPollMaxAttempts} checks`,
    );
    expect(result.cause).toContain(`${PRIMARY} stays ACTIVE and ${SECONDARY} stays FENCED`);
    expect(result.states.filter((s) => s === "CheckFenceAlarm")).toHaveLength(harness.values(PRIMARY).fenceAlarmPollMaxAttempts);
    // No rollback after the promotion, and no STANDBY: exactly one writer, and DNS (failing open) answers it.
    for (const absent of ["ConfirmDnsAnswer", "MarkSecondaryStandby", "CompensateFailback"]) expect(result.states).not.toContain(absent);
    for (const replica of [PRIMARY, SECONDARY]) {
      expect(world.regionRecord(replica, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
      expect(world.regionRecord(replica, SECONDARY)).toMatchObject({ state: "FENCED", epoch: 1 });
    }
    expect(world.dnsAnswer()).toEqual([PRIMARY]);
    expect(world.item(PRIMARY, "lease")).toBeUndefined();
    const failure = world.notifications.find((n) => n.attributes.event === "failed");
    expect(failure?.subject).toContain("FAILED FenceAlarmNotClearedError");
    expect(failure?.message).toContain(`${PRIMARY} ACTIVE (epoch 2)`);
    expect(failure?.message).toContain('"FenceAlarmNotClearedError" in docs/runbooks.md');
    const report = JSON.parse(
      world.objects.get([...world.objects.keys()].find((k) => k.endsWith(`${result.name}/report.json`))!) as string,
    );
    expect(report.outcome).toBe("failed");
    expect(JSON.stringify(report.timeline)).toContain(`fence alarm ${FENCE_ALARM_NAME} in ${SECONDARY}: ALARM`);
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
