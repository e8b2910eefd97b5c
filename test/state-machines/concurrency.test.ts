import { Harness, type ApprovalResponder } from "./support/harness";
import { PRIMARY, SECONDARY, World } from "./support/world";

const harness = Harness.create();

function alarm(eventId: string, alarmName = "payments-dr-peer-health-us-east-2-test") {
  return {
    mode: "failover",
    targetRegion: SECONDARY,
    trigger: {
      source: "alarm",
      alarmName,
      alarmArn: `arn:aws:cloudwatch:${SECONDARY}:123456789012:alarm:${alarmName}`,
      state: "ALARM",
      changedAt: new Date().toISOString(),
      eventId,
      subjectRegion: PRIMARY,
    },
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error("condition never held");
}

describe("one run at a time", () => {
  it("refuses a concurrent second run with LeaseHeldError and leaves the first run's lease alone", async () => {
    const world = harness.reset();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const waitForOperator: ApprovalResponder = async () => {
      await held;
      return { approved: true, approvedBy: "alice@example.com" };
    };

    const first = harness.run(
      SECONDARY,
      { mode: "failover", targetRegion: SECONDARY, requireApproval: true },
      { name: "first", approval: waitForOperator },
    );
    await until(() => world.item(SECONDARY, "approval#first") !== undefined);
    const second = await harness.run(SECONDARY, alarm("evt-2"), { name: "second" });

    expect(second).toMatchObject({ status: "FAILED", error: "LeaseHeldError" });
    expect(second.cause).toContain("held by first");
    expect(world.item(SECONDARY, "lease")).toMatchObject({ holder: "first", mode: "failover" });
    expect(second.states).not.toContain("ReleaseLeaseAfterFailure");
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });

    release();
    const done = await first;
    expect(done.status).toBe("SUCCEEDED");
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
  });

  it("suppresses an automatic run that comes sooner than MIN_AUTO_INTERVAL_SECONDS after the last one", async () => {
    const world = harness.reset(World.healthy());
    world.seed({ pk: `auto#${SECONDARY}`, region: SECONDARY, executionName: "earlier", startedAt: Date.now() - 60_000 });

    const result = await harness.run(SECONDARY, alarm("evt-3"));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).not.toContain("AssessRegions");
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
    expect(world.notifications.at(-1)?.subject).toContain("suppressed");
  });

  it("records an automatic run so the next one within the interval is suppressed", async () => {
    const world = harness.reset(World.healthy());

    const first = await harness.run(SECONDARY, alarm("evt-4"), { name: "auto-1" });
    const again = await harness.run(SECONDARY, alarm("evt-5"), { name: "auto-2" });

    expect(first.states).toContain("PromoteLocalRegion");
    expect(world.item(SECONDARY, `auto#${SECONDARY}`)).toMatchObject({ executionName: "auto-1" });
    expect(again.states).not.toContain("AssessRegions");
  });

  it.each([
    ["drill", "drill-1"],
    ["failback", "failback-1"],
  ])("stands an automatic run down quietly while a %s holds the lease", async (mode, holder) => {
    const world = harness.reset(World.healthy());
    world.seed({ pk: "lease", holder, mode, region: SECONDARY, acquiredAt: Date.now(), expiresAt: Math.floor(Date.now() / 1000) + 600 });

    const result = await harness.run(SECONDARY, alarm("evt-6"));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states.at(-1)).toBe("StandDownDuringOperatorRun");
    expect(world.item(SECONDARY, "lease")).toMatchObject({ holder });
    expect(world.notifications).toEqual([]);
  });

  it("fails an automatic run with LeaseHeldError, leaving the lease alone, while another automatic failover holds it", async () => {
    const world = harness.reset(World.healthy());
    world.seed({
      pk: "lease",
      holder: "alarm-x",
      mode: "failover",
      region: PRIMARY,
      acquiredAt: Date.now(),
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    });

    const result = await harness.run(SECONDARY, alarm("evt-9"));

    expect(result).toMatchObject({ status: "FAILED", error: "LeaseHeldError" });
    expect(world.item(SECONDARY, "lease")).toMatchObject({ holder: "alarm-x" });
  });
});

describe("what a region does with an alarm", () => {
  it("does not drain itself on its own alarm when it became ACTIVE moments before (the alarm may judge the time before)", async () => {
    const world = harness.reset(World.healthy());
    world.seedRegion(PRIMARY, "ACTIVE", 2, Date.now() - 90_000); // a failback finished 90 s ago
    const input = { ...alarm("evt-8"), targetRegion: PRIMARY };
    input.trigger = {
      ...input.trigger,
      subjectRegion: PRIMARY,
      alarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:payment-failures",
    };

    const result = await harness.run(PRIMARY, input);

    expect(result.status).toBe("SUCCEEDED");
    expect(world.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(result.states).not.toContain("DrainLocalRegion");
    expect(world.notifications.find((n) => n.attributes.event === "decision")?.message).toContain(
      "became ACTIVE only 90 s before it fired",
    );
  });

  it("drains itself, and promotes nothing, when its own alarm fires while it is ACTIVE", async () => {
    const world = harness.reset(World.healthy());
    world.seedRegion(PRIMARY, "ACTIVE", 0, Date.now() - 3_600_000); // ACTIVE for an hour
    const input = { ...alarm("evt-7"), targetRegion: PRIMARY };
    input.trigger = { ...input.trigger, subjectRegion: PRIMARY, alarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx" };

    const result = await harness.run(PRIMARY, input);

    expect(result.status).toBe("SUCCEEDED");
    expect(world.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "DRAINED", epoch: 0 });
    expect(world.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
    expect(result.states).not.toContain("PromoteLocalRegion");
    expect(world.notifications.find((n) => n.attributes.event === "succeeded")?.message).toContain("drained itself");
  });

  it("only notifies when the peer looks unhealthy from the ACTIVE region", async () => {
    const world = harness.reset(World.healthy());
    const input = { ...alarm("evt-8"), targetRegion: PRIMARY };
    input.trigger = { ...input.trigger, subjectRegion: SECONDARY };

    const result = await harness.run(PRIMARY, input);

    expect(result.status).toBe("SUCCEEDED");
    expect(world.writes().filter((c) => c.op === "put" && String(c.detail).startsWith("region#"))).toEqual([]);
    expect(world.notifications.find((n) => n.attributes.event === "decision")?.subject).toContain("no-action");
  });
});
