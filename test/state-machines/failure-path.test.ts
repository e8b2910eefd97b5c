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

describe("a lease taken by a run that then fails inside AcquireLease", () => {
  const alarmName = `peer-health-${SECONDARY}-test`;
  const automatic = (eventId: string) => ({
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
  });

  it("is released on the failure path, so the next run is not blocked until the lease expires", async () => {
    const world = harness.reset(World.healthy());
    // The conditional put of the lease succeeds; the anti-flap read right after it fails.
    let leaseTaken = false;
    world.onControlWrite.push((_region, item, key) => {
      if (key === "lease" && item) leaseTaken = true;
    });
    world.faults.push((_region, service, op) =>
      leaseTaken && service === "dynamodb" && op === "get"
        ? Object.assign(new Error("dynamodb is unavailable"), { name: "ServiceUnavailable" })
        : undefined,
    );

    const failed = await harness.run(SECONDARY, automatic("evt-lease"), { name: "alarm-run" });

    expect(failed).toMatchObject({ status: "FAILED", error: "ServiceUnavailable" });
    expect(failed.states.slice(failed.states.indexOf("AcquireLease"))).toEqual([
      "AcquireLease",
      "NoteLeaseMayBeHeld",
      "NotifyFailure",
      "ChooseFailureCleanup",
      "ReleaseLeaseAfterFailure",
      "RunFailed",
    ]);
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });

    world.faults.length = 0;
    const next = await harness.run(SECONDARY, failover, { name: "operator-run" });
    expect(next.status).toBe("SUCCEEDED");
  });
});

describe("transient AWS errors (throttling, 5xx, timeouts) that outlast the SDK's retries", () => {
  it("are retried by the state machine: one throttled publish does not stop a failover", async () => {
    const world = harness.reset(World.healthy());
    world.throttled.set("sns", 1);

    const result = await harness.run(SECONDARY, failover);

    expect(result.status).toBe("SUCCEEDED");
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
    const publishes = world.calls.filter((c) => c.service === "sns").length;
    expect(publishes).toBe(world.notifications.length + 1);
  });

  it("fail the run as TransientAwsError, naming the original, once the retries are spent (and still release the lease)", async () => {
    const world = harness.reset(World.healthy());
    world.throttled.set("cloudwatch", 1000);

    const result = await harness.run(SECONDARY, failover);
    world.throttled.clear();

    expect(result).toMatchObject({ status: "FAILED", error: "TransientAwsError" });
    expect(result.cause).toContain("ThrottlingException: Rate exceeded");
    expect(world.item(SECONDARY, "lease")).toBeUndefined();
  });
});
