/**
 * Each runbook handler's error cases and edge behaviour, called directly (as Lambda would be) in
 * the in-memory two-region world of the state-machine tests.
 */
import * as dnsPromises from "node:dns/promises";
import { Harness } from "../state-machines/support/harness";
import { FENCE_ALARM_NAME, PRIMARY, SECONDARY, World, writeFunctionArn } from "../state-machines/support/world";
import type { Run } from "../../runbooks/domain/run";

const harness = Harness.create();
const h = (region: string) => harness.handlers[region];

async function runFor(region: string, input: Record<string, unknown>, name = "exec-1"): Promise<Run> {
  return (await h(region)["validate-input"]({
    input,
    execution: { name, id: `arn:aws:states:${region}:123456789012:execution:m:${name}`, startTime: new Date().toISOString() },
    machine: { region, peerRegion: region === PRIMARY ? SECONDARY : PRIMARY, primaryRegion: PRIMARY, secondaryRegion: SECONDARY },
  })) as Run;
}
async function assessment(region: string, run: Run) {
  return h(region)["assess-regions"]({ run });
}
const rejectsWith = async (p: Promise<unknown>, name: string) => {
  await expect(p).rejects.toMatchObject({ name });
};

describe("validate-input", () => {
  it("fails with ConfigurationError when the machine says another region than the function's", async () => {
    await rejectsWith(
      h(SECONDARY)["validate-input"]({
        input: { mode: "dry-run" },
        execution: { name: "e", id: "i", startTime: new Date().toISOString() },
        machine: { region: PRIMARY, peerRegion: SECONDARY, primaryRegion: PRIMARY, secondaryRegion: SECONDARY },
      }),
      "ConfigurationError",
    );
  });

  it("fails with InvalidStepInputError when the state machine sends a malformed event", async () => {
    await rejectsWith(h(SECONDARY)["validate-input"]({ input: {} }), "InvalidStepInputError");
  });
});

describe("acquire-lease", () => {
  it("refuses with LeaseHeldError when another run holds the lease, even a drill's for an operator run", async () => {
    const world = harness.reset(World.healthy());
    world.seed({
      pk: "lease",
      holder: "drill-9",
      mode: "drill",
      region: SECONDARY,
      acquiredAt: Date.now(),
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    });
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    await rejectsWith(h(SECONDARY)["acquire-lease"]({ run, ttlSeconds: 600 }), "LeaseHeldError");
    expect(world.item(SECONDARY, "lease")).toMatchObject({ holder: "drill-9" });
  });

  it("takes an expired lease", async () => {
    const world = harness.reset(World.healthy());
    world.seed({ pk: "lease", holder: "old", mode: "failover", region: SECONDARY, acquiredAt: 1, expiresAt: 2 });
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    await expect(h(SECONDARY)["acquire-lease"]({ run, ttlSeconds: 600 })).resolves.toMatchObject({ acquired: true });
    expect(world.item(SECONDARY, "lease")).toMatchObject({ holder: "exec-1" });
  });
});

describe("set-peer-state", () => {
  it("fails with EpochConflictError when the peer's epoch moved since the assessment", async () => {
    const world = harness.reset(World.healthy());
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    const a = await assessment(SECONDARY, run);
    world.seedRegion(PRIMARY, "ACTIVE", 3, Date.now());
    await rejectsWith(h(SECONDARY)["set-peer-state"]({ run, state: "FENCED", via: "local", assessment: a }), "EpochConflictError");
    expect(world.metrics).toEqual([]);
  });

  it("publishes the fence metric only when the peer is the primary", async () => {
    const world = harness.reset(World.failedOver());
    const run = await runFor(PRIMARY, { mode: "failback", targetRegion: PRIMARY });
    const a = await assessment(PRIMARY, run);
    const out = await h(PRIMARY)["set-peer-state"]({ run, state: "STANDBY", via: "local", assessment: a });
    expect(out).toMatchObject({ region: SECONDARY, state: "STANDBY", fenceMetric: null });
    expect(world.metrics.filter((m) => m.name === "PrimaryFenced")).toHaveLength(1); // only the seeded one
  });
});

describe("promote-local", () => {
  it("refuses with FenceRequiredError without this run's fence of the peer", async () => {
    harness.reset(World.healthy());
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    const a = await assessment(SECONDARY, run);
    await rejectsWith(h(SECONDARY)["promote-local"]({ run, assessment: a }), "FenceRequiredError");
    const wrongFence = {
      step: "s",
      startedAt: 1,
      finishedAt: 2,
      region: SECONDARY,
      state: "FENCED",
      epoch: 0,
      changedAt: 1,
      via: "local",
      fenceMetric: null,
    };
    await rejectsWith(h(SECONDARY)["promote-local"]({ run, assessment: a, fence: wrongFence }), "FenceRequiredError");
  });

  it("is idempotent: a retried promotion finds its own write", async () => {
    const world = harness.reset(World.healthy());
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    const a = await assessment(SECONDARY, run);
    const fence = await h(SECONDARY)["set-peer-state"]({ run, state: "FENCED", via: "local", assessment: a });
    const first = await h(SECONDARY)["promote-local"]({ run, assessment: a, fence });
    const again = await h(SECONDARY)["promote-local"]({ run, assessment: a, fence });
    expect(again).toMatchObject({ epoch: (first as { epoch: number }).epoch });
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
  });

  it("fails with EpochConflictError when another execution promoted first", async () => {
    const world = harness.reset(World.healthy());
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    const a = await assessment(SECONDARY, run);
    const fence = await h(SECONDARY)["set-peer-state"]({ run, state: "FENCED", via: "local", assessment: a });
    world.seedRegion(SECONDARY, "ACTIVE", 1, Date.now());
    await rejectsWith(h(SECONDARY)["promote-local"]({ run, assessment: a, fence }), "EpochConflictError");
  });
});

describe("stop-peer-writes and restore-write-function", () => {
  it("reports, never throws, when the peer cannot be reached", async () => {
    const world = harness.reset(World.healthy());
    world.down.add(PRIMARY);
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    await expect(h(SECONDARY)["stop-peer-writes"]({ run })).resolves.toMatchObject({
      stopped: false,
      error: expect.stringContaining("TimeoutError"),
    });
  });

  it("keeps the saved value when the stop is retried", async () => {
    const world = harness.reset(World.healthy());
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    await h(SECONDARY)["stop-peer-writes"]({ run });
    await expect(h(SECONDARY)["stop-peer-writes"]({ run })).resolves.toMatchObject({ stopped: true, previousReservedConcurrency: 0 });
    expect(world.tags.get(writeFunctionArn(PRIMARY))).toEqual({ "payments-dr:reserved-concurrency-before-fence": "50" });
  });

  it("fails with WriteFunctionStoppedError when the write function is stopped and the value to restore is unknown", async () => {
    const world = harness.reset(World.failedOver());
    world.tags.set(writeFunctionArn(PRIMARY), {});
    const run = await runFor(PRIMARY, { mode: "failback", targetRegion: PRIMARY });
    await rejectsWith(h(PRIMARY)["restore-write-function"]({ run }), "WriteFunctionStoppedError");
  });

  it("restores an unreserved function to unreserved", async () => {
    const world = harness.reset(World.failedOver());
    world.tags.set(writeFunctionArn(PRIMARY), { "payments-dr:reserved-concurrency-before-fence": "unreserved" });
    const run = await runFor(PRIMARY, { mode: "failback", targetRegion: PRIMARY });
    await expect(h(PRIMARY)["restore-write-function"]({ run })).resolves.toMatchObject({ action: "restored", reservedConcurrency: null });
    expect(world.concurrency.get(writeFunctionArn(PRIMARY))).toBeUndefined();
  });
});

describe("check-replication", () => {
  it("enforced, fails with ReplicaNotReadyError or ReplicationLagExceededError", async () => {
    const world = harness.reset(World.healthy());
    const run = await runFor(SECONDARY, { mode: "drill", targetRegion: SECONDARY });
    world.seed({ pk: `heartbeat#${PRIMARY}`, region: PRIMARY, writtenAt: Date.now() - 600_000, sequence: 1 });
    await rejectsWith(h(SECONDARY)["check-replication"]({ run, enforce: true }), "ReplicationLagExceededError");
    world.tableStatus.get(SECONDARY)!.get("payments-dr-idempotency-global-test")!.status = "CREATING";
    await rejectsWith(h(SECONDARY)["check-replication"]({ run, enforce: true }), "ReplicaNotReadyError");
    await expect(h(SECONDARY)["check-replication"]({ run, enforce: false })).resolves.toMatchObject({ verdict: "replica-not-ready" });
  });
});

describe("confirm-dns", () => {
  it("asks the zone's authoritative name servers (ZONE_NAME_SERVERS), not the system resolver", async () => {
    harness.reset(World.healthy());
    const setServers = jest.mocked(dnsPromises.Resolver.prototype.setServers);
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    await h(SECONDARY)["confirm-dns"]({ run });
    expect(setServers).toHaveBeenCalledWith(["192.0.2.53", "192.0.2.54:53"]);
  });

  it("reports a wrong answer and a failed query as not shifted", async () => {
    const world = harness.reset(World.healthy());
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    await expect(h(SECONDARY)["confirm-dns"]({ run })).resolves.toMatchObject({ answers: [PRIMARY], matches: false });
    jest
      .spyOn(dnsPromises.Resolver.prototype, "resolveTxt")
      .mockRejectedValueOnce(Object.assign(new Error("queryTxt ETIMEOUT"), { code: "ETIMEOUT" }));
    await expect(h(SECONDARY)["confirm-dns"]({ run })).resolves.toMatchObject({
      matches: false,
      error: expect.stringContaining("ETIMEOUT"),
    });
    world.stuckAnswer = [SECONDARY];
    world.dnsMode = "stuck";
    await expect(h(SECONDARY)["confirm-dns"]({ run })).resolves.toMatchObject({ matches: true });
  });
});

describe("check-fence-alarm", () => {
  it("reads the fence alarm in the secondary from the primary, and only OK clears it", async () => {
    const world = harness.reset(World.failedOver());
    const run = await runFor(PRIMARY, { mode: "failback", targetRegion: PRIMARY });

    await expect(h(PRIMARY)["check-fence-alarm"]({ run })).resolves.toMatchObject({
      alarmName: FENCE_ALARM_NAME,
      region: SECONDARY,
      state: "ALARM",
      cleared: false,
    });
    world.fenceAlarmOverride = "INSUFFICIENT_DATA";
    await expect(h(PRIMARY)["check-fence-alarm"]({ run })).resolves.toMatchObject({ state: "INSUFFICIENT_DATA", cleared: false });
    world.fenceAlarmOverride = "OK";
    await expect(h(PRIMARY)["check-fence-alarm"]({ run })).resolves.toMatchObject({
      state: "OK",
      cleared: true,
      detail: expect.stringMatching(/^OK since /),
    });

    expect(world.calls.filter((c) => c.op === "describe-alarms").map((c) => c.region)).toEqual([SECONDARY, SECONDARY, SECONDARY]);
  });

  it("reports an unreachable secondary as not cleared (the loop asks again), never throws", async () => {
    const world = harness.reset(World.failedOver());
    const run = await runFor(PRIMARY, { mode: "failback", targetRegion: PRIMARY });
    world.down.add(SECONDARY);

    await expect(h(PRIMARY)["check-fence-alarm"]({ run })).resolves.toMatchObject({
      state: null,
      cleared: false,
      error: expect.stringContaining("is down"),
    });
  });

  it("fails with ConfigurationError when the fence alarm does not exist (waiting would not help)", async () => {
    const world = harness.reset(World.failedOver());
    const run = await runFor(PRIMARY, { mode: "failback", targetRegion: PRIMARY });
    world.fenceAlarmExists = false;

    await rejectsWith(h(PRIMARY)["check-fence-alarm"]({ run }), "ConfigurationError");
  });
});

describe("compensate", () => {
  it("leaves a peer alone that this run did not fence", async () => {
    const world = harness.reset(World.failedOver());
    const run = await runFor(PRIMARY, { mode: "failback", targetRegion: PRIMARY });
    await expect(h(PRIMARY).compensate({ run, action: "reactivate-peer" })).resolves.toMatchObject({ changed: false });
    expect(world.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
  });

  it("falls back to the local replica when the secondary's cannot be written", async () => {
    const world = harness.reset(World.failedOver());
    const run = await runFor(PRIMARY, { mode: "failback", targetRegion: PRIMARY });
    const a = await assessment(PRIMARY, run);
    await h(PRIMARY)["set-peer-state"]({ run, state: "FENCED", via: "peer", assessment: a });
    world.down.add(SECONDARY);
    await expect(h(PRIMARY).compensate({ run, action: "reactivate-peer" })).resolves.toMatchObject({
      changed: true,
      detail: expect.stringContaining("written locally"),
    });
    expect(world.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
  });
});

describe("start-peer-failback and check-peer-execution", () => {
  it("finds the execution it already started on a retry, and fails the drill with PeerFailbackFailedError when the failback failed", async () => {
    const world = harness.reset(World.healthy());
    // Both regions ACTIVE in the primary's view: the failback refuses.
    world.seedRegion(SECONDARY, "ACTIVE", 1, Date.now());
    const run = await runFor(SECONDARY, { mode: "drill", targetRegion: SECONDARY }, "drill-x");
    const started = await h(SECONDARY)["start-peer-failback"]({ run });
    expect(started).toMatchObject({ name: "drill-x-failback", alreadyStarted: false });
    await expect(h(SECONDARY)["start-peer-failback"]({ run })).resolves.toMatchObject({
      alreadyStarted: true,
      executionArn: (started as { executionArn: string }).executionArn,
    });
    await rejectsWith(h(SECONDARY)["check-peer-execution"]({ run, peerFailback: started }), "PeerFailbackFailedError");
  });
});

describe("request-approval", () => {
  it("stores the token for drctl and tells on-call how to answer", async () => {
    const world = harness.reset(World.healthy());
    const run = await runFor(SECONDARY, { mode: "failover", targetRegion: SECONDARY, requireApproval: true }, "needs-ok");
    const a = await assessment(SECONDARY, run);
    const replication = await h(SECONDARY)["check-replication"]({ run, enforce: false });
    await h(SECONDARY)["request-approval"]({
      run,
      taskToken: "tok-123",
      timeoutSeconds: 3600,
      heartbeatSeconds: 900,
      assessment: a,
      replication,
    });
    expect(world.item(SECONDARY, "approval#needs-ok")).toMatchObject({ taskToken: "tok-123", executionName: "needs-ok" });
    const message = world.notifications.at(-1)!;
    expect(message.subject).toBe("[payments-dr test] APPROVAL NEEDED: failover in us-east-2");
    expect(message.message).toContain("npx drctl approve --env test --region us-east-2 needs-ok");
    expect(message.message).toContain("after 900 s");
  });
});
