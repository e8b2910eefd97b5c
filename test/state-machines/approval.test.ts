import { Harness, approve, noAnswer, reject, type ApprovalRequest } from "./support/harness";
import { PRIMARY, SECONDARY, World } from "./support/world";

// autoFailover=false in the secondary: alarm-started runs assess, notify and wait for a human.
const harness = Harness.create({ env: { [SECONDARY]: { AUTO_FAILOVER: "false" } } });

function alarm(eventId: string) {
  return {
    mode: "failover",
    targetRegion: SECONDARY,
    trigger: {
      source: "alarm",
      alarmName: "payments-dr-peer-health-us-east-2-test",
      alarmArn: "arn:aws:cloudwatch:us-east-2:123456789012:alarm:payments-dr-peer-health-us-east-2-test",
      state: "ALARM",
      changedAt: new Date().toISOString(),
      eventId,
      subjectRegion: PRIMARY,
    },
  };
}

describe("autoFailover=false: approval gate", () => {
  it("waits for an approval with the token stored for drctl, then proceeds when approved", async () => {
    const world = harness.reset(World.healthy());
    const seen: ApprovalRequest[] = [];

    const result = await harness.run(SECONDARY, alarm("a1"), {
      approval: async (request) => {
        seen.push(request);
        // While waiting: nothing has changed yet, and on-call has been asked.
        expect(world.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE" });
        expect(world.item(SECONDARY, `approval#${request.execution}`)).toMatchObject({ taskToken: `token-${request.execution}` });
        expect(world.notifications.at(-1)?.subject).toContain("APPROVAL NEEDED");
        return approve(request);
      },
    });

    expect(seen).toHaveLength(1);
    expect(result.status).toBe("SUCCEEDED");
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
  });

  it("fails cleanly when rejected: nothing fenced, lease released, failure notified", async () => {
    const world = harness.reset(World.healthy());

    const result = await harness.run(SECONDARY, alarm("a2"), { approval: reject });

    expect(result).toMatchObject({ status: "FAILED", error: "ApprovalRejectedError" });
    expect(world.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 0 });
    expect(world.lastMetric(SECONDARY, "PrimaryFenced")).toBeUndefined();
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
    expect(world.notifications.at(-1)?.attributes.event).toBe("failed");
  });

  it("fails with ApprovalTimedOutError when nobody answers", async () => {
    const world = harness.reset(World.healthy());

    const result = await harness.run(SECONDARY, alarm("a3"), { approval: noAnswer });

    expect(result).toMatchObject({ status: "FAILED", error: "ApprovalTimedOutError" });
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
  });

  it("treats a callback without approved=true as a rejection", async () => {
    const world = harness.reset(World.healthy());

    const result = await harness.run(SECONDARY, alarm("a4"), { approval: async () => ({ approved: false }) });

    expect(result).toMatchObject({ status: "FAILED", error: "ApprovalRejectedError" });
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
  });

  it("does not gate operator-started runs without requireApproval", async () => {
    const world = harness.reset(World.healthy());

    const result = await harness.run(SECONDARY, { mode: "failover", targetRegion: SECONDARY }, { approval: reject });

    expect(result.status).toBe("SUCCEEDED");
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE" });
  });
});
