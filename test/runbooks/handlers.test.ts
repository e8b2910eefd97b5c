/**
 * Each runbook handler's error cases and edge behaviour, invoked directly (as Lambda invokes it,
 * with its deployed environment) in the simulated AWS (sim/testing.ts): the two regions' control
 * table replicas, Lambda, CloudWatch, Route 53 and Step Functions behave as there.
 */
import { controlKeys } from "../../lib/control-schema";
import type { Run } from "../../runbooks/domain/run";
import { RESTORE_TAG } from "../../runbooks/domain/write-function";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { failedOver, fenceAlarm, healthy, heartbeat, authorityWith, witnessAnswer } from "../state-machines/support/sim";
import { stack } from "../support/stack";
import { runFor } from "./support/run-for";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const assessment = (t: TestWorld, region: string, run: Run) => t.invoke(region, "assess-regions", { run });
const rejectsWith = async (p: Promise<unknown>, name: string) => {
  await expect(p).rejects.toMatchObject({ name });
};
const writeFunction = (t: TestWorld) => t.functionName(t.primary, "create-payment");
const lease = (t: TestWorld, holder: string, mode: string, acquiredAt: number, expiresAt: number) => ({
  pk: controlKeys.lease(),
  holder,
  mode,
  region: t.secondary,
  acquiredAt,
  expiresAt,
});

describe("validate-input", () => {
  it("fails with ConfigurationError when the machine says another region than the function's", async () => {
    const t = healthy(aws);
    await rejectsWith(
      t.invoke(t.secondary, "validate-input", {
        input: { mode: "dry-run" },
        execution: { name: "e", id: "i", startTime: new Date(t.now()).toISOString() },
        machine: { region: t.primary, peerRegion: t.secondary, primaryRegion: t.primary, secondaryRegion: t.secondary },
      }),
      "ConfigurationError",
    );
  });

  it("fails with InvalidStepInputError when the state machine sends a malformed event", async () => {
    const t = healthy(aws);
    await rejectsWith(t.invoke(t.secondary, "validate-input", { input: {} }), "InvalidStepInputError");
  });
});

describe("acquire-lease", () => {
  it("refuses with LeaseHeldError when another run holds the lease, even a drill's for an operator run", async () => {
    const t = healthy(aws);
    t.seed("control", lease(t, "drill-9", "drill", t.now(), Math.floor(t.now() / 1000) + 600));
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    await rejectsWith(t.invoke(t.secondary, "acquire-lease", { run, ttlSeconds: 600 }), "LeaseHeldError");
    expect(t.control(t.secondary, "lease")).toMatchObject({ holder: "drill-9" });
  });

  it("takes an expired lease", async () => {
    const t = healthy(aws);
    t.seed("control", lease(t, "old", "failover", 1, 2));
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    await expect(t.invoke(t.secondary, "acquire-lease", { run, ttlSeconds: 600 })).resolves.toMatchObject({ acquired: true });
    expect(t.control(t.secondary, "lease")).toMatchObject({ holder: "exec-1" });
  });
});

describe("set-peer-state", () => {
  it("fails with EpochConflictError when the peer's epoch moved since the assessment", async () => {
    const t = healthy(aws);
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    const a = await assessment(t, t.secondary, run);
    t.seed("control", authorityWith(t, { [t.primary]: "ACTIVE" }, 3, t.now()));
    await rejectsWith(t.invoke(t.secondary, "set-peer-state", { run, state: "FENCED", via: "local", assessment: a }), "EpochConflictError");
    expect(t.calls({ operation: "PutMetricData" })).toEqual([]);
  });

  it("publishes the fence metric only when the peer is the primary", async () => {
    const t = await failedOver(aws);
    const published = t.calls({ operation: "PutMetricData" }).length; // the secondary's canary, setting the scene
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    const a = await assessment(t, t.primary, run);
    const out = await t.invoke(t.primary, "set-peer-state", { run, state: "STANDBY", via: "local", assessment: a });
    expect(out).toMatchObject({ region: t.secondary, state: "STANDBY", fenceMetric: null });
    expect(t.calls({ operation: "PutMetricData" })).toHaveLength(published);
    expect(published).toBe(1);
  });
});

describe("promote-local", () => {
  it("refuses with FenceRequiredError without this run's fence of the peer", async () => {
    const t = healthy(aws);
    const SECONDARY = t.secondary;
    const run = await runFor(t, SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    const a = await assessment(t, SECONDARY, run);
    await rejectsWith(t.invoke(SECONDARY, "promote-local", { run, assessment: a }), "FenceRequiredError");
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
    await rejectsWith(t.invoke(SECONDARY, "promote-local", { run, assessment: a, fence: wrongFence }), "FenceRequiredError");
  });

  it("is idempotent: a retried promotion finds its own write", async () => {
    const t = healthy(aws);
    const SECONDARY = t.secondary;
    const run = await runFor(t, SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    const a = await assessment(t, SECONDARY, run);
    const fence = await t.invoke(SECONDARY, "set-peer-state", { run, state: "FENCED", via: "local", assessment: a });
    const first = await t.invoke(SECONDARY, "promote-local", { run, assessment: a, fence });
    const again = await t.invoke(SECONDARY, "promote-local", { run, assessment: a, fence });
    expect(again).toMatchObject({ epoch: (first as { epoch: number }).epoch });
    // Epoch 1 is this run's fence, 2 its promotion; the retry made no third transition.
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
  });

  it("fails with EpochConflictError when another execution promoted first", async () => {
    const t = healthy(aws);
    const SECONDARY = t.secondary;
    const run = await runFor(t, SECONDARY, { mode: "failover", targetRegion: SECONDARY });
    const a = await assessment(t, SECONDARY, run);
    const fence = await t.invoke(SECONDARY, "set-peer-state", { run, state: "FENCED", via: "local", assessment: a });
    t.seed("control", authorityWith(t, { [SECONDARY]: "ACTIVE" }, 5, t.now()));
    await rejectsWith(t.invoke(SECONDARY, "promote-local", { run, assessment: a, fence }), "EpochConflictError");
  });
});

describe("stop-peer-writes and restore-write-function", () => {
  it("reports, never throws, when the peer cannot be reached", async () => {
    const t = healthy(aws);
    t.world.outage(t.primary);
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    await expect(t.invoke(t.secondary, "stop-peer-writes", { run })).resolves.toMatchObject({
      stopped: false,
      error: expect.stringContaining("TimeoutError"),
    });
  });

  it("keeps the saved value when the stop is retried", async () => {
    const t = healthy(aws);
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    await t.invoke(t.secondary, "stop-peer-writes", { run });
    await expect(t.invoke(t.secondary, "stop-peer-writes", { run })).resolves.toMatchObject({
      stopped: true,
      previousReservedConcurrency: 0,
    });
    expect(t.world.lambda.getTags(t.primary, writeFunction(t))).toEqual({ [RESTORE_TAG]: "50" });
  });

  it("fails with WriteFunctionStoppedError when the write function is stopped and the value to restore is unknown", async () => {
    const t = await failedOver(aws);
    t.world.lambda.untag(t.primary, writeFunction(t), [RESTORE_TAG]);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    await rejectsWith(t.invoke(t.primary, "restore-write-function", { run }), "WriteFunctionStoppedError");
  });

  it("restores an unreserved function to unreserved", async () => {
    const t = await failedOver(aws);
    t.world.lambda.tag(t.primary, writeFunction(t), { [RESTORE_TAG]: "unreserved" });
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    await expect(t.invoke(t.primary, "restore-write-function", { run })).resolves.toMatchObject({
      action: "restored",
      reservedConcurrency: null,
    });
    // Lambda's "unreserved": no reserved concurrency at all (the simulation's null).
    expect(t.world.lambda.getReserved(t.primary, writeFunction(t))).toBeNull();
  });
});

describe("check-replication", () => {
  // The default stack is strong mode (MRSC): the check is "can this region read and write with a
  // quorum", not a heartbeat's age (the eventual-mode check is exercised by failback.test.ts).
  it("enforced, fails with ReplicaNotReadyError when a replica is not ACTIVE or the region cannot write with a quorum", async () => {
    const t = healthy(aws);
    const run = await runFor(t, t.secondary, { mode: "drill", targetRegion: t.secondary });
    t.seed("control", heartbeat(t.primary, t.now() - 600_000));
    await expect(t.invoke(t.secondary, "check-replication", { run, enforce: true })).resolves.toMatchObject({
      consistency: "strong",
      verdict: "ok",
      exposureSeconds: 0,
    });
    // Cut off its peer and the witness (us-west-2, the default): no quorum, so no strong write.
    const cut = t.world.reachability.cut(t.secondary, t.primary, { paths: ["replication"] });
    const cutWitness = t.world.reachability.cut(t.secondary, "us-west-2", { paths: ["replication"] });
    await rejectsWith(t.invoke(t.secondary, "check-replication", { run, enforce: true }), "ReplicaNotReadyError");
    cut();
    cutWitness();
    t.world.dynamodb.replicaStatus.set(`${t.secondary}/${t.tables.idempotency}`, "CREATING");
    await rejectsWith(t.invoke(t.secondary, "check-replication", { run, enforce: true }), "ReplicaNotReadyError");
    await expect(t.invoke(t.secondary, "check-replication", { run, enforce: false })).resolves.toMatchObject({
      verdict: "replica-not-ready",
    });
  });

  it("fails as TransientAwsError (the Task retries) when DescribeTable answers a 5xx, and passes once it answers", async () => {
    const t = healthy(aws);
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    const stop = t.fault({
      action: "api-error",
      service: "dynamodb",
      operations: ["DescribeTable"],
      region: t.secondary,
      error: "internal",
    });
    await rejectsWith(t.invoke(t.secondary, "check-replication", { run, enforce: false }), "TransientAwsError");
    stop();
    await expect(t.invoke(t.secondary, "check-replication", { run, enforce: false })).resolves.toMatchObject({ verdict: "ok" });
  });
});

describe("confirm-dns", () => {
  it("asks the zone's authoritative name servers (ZONE_NAME_SERVERS), not the system resolver", async () => {
    const t = healthy(aws);
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    await t.alignTo(60_000, 30_000);
    await expect(t.invoke(t.secondary, "confirm-dns", { run })).resolves.toMatchObject({
      answers: [t.primary],
      nameServers: t.deployment.zone.nameServers,
    });
    // PrimaryFenced=1 lands in CloudWatch; at the end of the minute the fence alarm (and its data,
    // which Route 53's guard of the primary reads) says ALARM, and the zone answers the secondary.
    // That is 31 s after the first answer, inside the witness's 60 s TTL: a caching resolver would
    // still answer the primary.
    const fence = fenceAlarm(t);
    const metric = fence.metric as NonNullable<typeof fence.metric>;
    t.world.metrics.put(fence.region, metric.namespace, metric.metricName, metric.dimensions, 1, t.now());
    await t.alignTo(60_000, 1000);
    expect(witnessAnswer(t)).toBe(t.secondary);
    await expect(t.invoke(t.secondary, "confirm-dns", { run })).resolves.toMatchObject({ answers: [t.secondary], matches: true });
    expect(t.calls({ service: "dns", caller: t.functionName(t.secondary, "confirm-dns") }).map((c) => c.outcome)).toEqual([
      t.primary,
      t.secondary,
    ]);
  });

  it("reports a wrong answer and a failed query as not shifted", async () => {
    const t = healthy(aws);
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    await expect(t.invoke(t.secondary, "confirm-dns", { run })).resolves.toMatchObject({ answers: [t.primary], matches: false });
    // The witness record sets deleted: the name servers answer NXDOMAIN (the old fixture failed the
    // query with a timeout; the simulated name servers always answer, so the failure here is theirs).
    t.world.route53.deleteRecords(t.deployment.witnessName, "TXT");
    await expect(t.invoke(t.secondary, "confirm-dns", { run })).resolves.toMatchObject({
      matches: false,
      error: expect.stringContaining("ENOTFOUND"),
    });
  });

  it("confirms when the witness answers the local region", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    await expect(t.invoke(t.secondary, "confirm-dns", { run })).resolves.toMatchObject({ answers: [t.secondary], matches: true });
  });
});

describe("check-fence-alarm", () => {
  it("reads the fence alarm in the secondary from the primary, and only OK clears it", async () => {
    const t = await failedOver(aws);
    const fence = fenceAlarm(t);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });

    await expect(t.invoke(t.primary, "check-fence-alarm", { run })).resolves.toMatchObject({
      alarmName: fence.name,
      region: t.secondary,
      state: "ALARM",
      cleared: false,
    });
    t.world.alarms.setState(fence.name, fence.region, "INSUFFICIENT_DATA", "set by the test", t.now());
    await expect(t.invoke(t.primary, "check-fence-alarm", { run })).resolves.toMatchObject({ state: "INSUFFICIENT_DATA", cleared: false });
    t.world.alarms.setState(fence.name, fence.region, "OK", "set by the test", t.now());
    await expect(t.invoke(t.primary, "check-fence-alarm", { run })).resolves.toMatchObject({
      state: "OK",
      cleared: true,
      detail: expect.stringMatching(/^OK since /),
    });

    expect(t.calls({ operation: "DescribeAlarms" }).map((c) => [c.region, c.from])).toEqual(Array(3).fill([t.secondary, t.primary]));
  });

  it("reports an unreachable secondary as not cleared (the loop asks again), never throws", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    t.world.outage(t.secondary);

    // The SDK's own words for an endpoint that does not answer (the old fixture said "is down").
    await expect(t.invoke(t.primary, "check-fence-alarm", { run })).resolves.toMatchObject({
      state: null,
      cleared: false,
      error: expect.stringContaining("TimeoutError"),
    });
  });

  it("fails with ConfigurationError when the fence alarm does not exist (waiting would not help)", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    const fence = fenceAlarm(t);
    t.world.alarms.delete(fence.name, fence.region);

    await rejectsWith(t.invoke(t.primary, "check-fence-alarm", { run }), "ConfigurationError");
  });
});

describe("compensate", () => {
  it("leaves a peer alone that this run did not fence", async () => {
    const t = await failedOver(aws);
    const run = await runFor(t, t.primary, { mode: "failback", targetRegion: t.primary });
    await expect(t.invoke(t.primary, "compensate", { run, action: "reactivate-peer" })).resolves.toMatchObject({ changed: false });
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE", epoch: 1 });
  });

  // Falling back to the local replica when the secondary's cannot be written is eventual mode's:
  // compensate-eventual.test.ts. In strong mode a failback is one handover transition.
});

describe("start-peer-failback and check-peer-execution", () => {
  it("finds the execution it already started on a retry, and fails the drill with PeerFailbackFailedError when the failback failed", async () => {
    const t = healthy(aws);
    // Both regions ACTIVE in the primary's view: the failback refuses.
    t.seed("control", authorityWith(t, { [t.secondary]: "ACTIVE" }, 1, t.now()));
    const run = await runFor(t, t.secondary, { mode: "drill", targetRegion: t.secondary }, "drill-x");
    const started = (await t.invoke(t.secondary, "start-peer-failback", { run })) as { executionArn: string };
    expect(started).toMatchObject({ name: "drill-x-failback", alreadyStarted: false });
    // StartExecution returns at once; the failback runs in the primary meanwhile (the old fixture ran it
    // to its end inside StartExecution). While it runs, the drill's poll finds it RUNNING.
    const failback = t.world.sfn.describe(t.primary, started.executionArn);
    await expect(t.invoke(t.secondary, "check-peer-execution", { run, peerFailback: started })).resolves.toMatchObject({
      status: "RUNNING",
      done: false,
    });
    await expect(t.invoke(t.secondary, "start-peer-failback", { run })).resolves.toMatchObject({
      alreadyStarted: true,
      executionArn: started.executionArn,
    });
    await t.settle(failback.done);
    expect(failback.status).toBe("FAILED");
    await rejectsWith(t.invoke(t.secondary, "check-peer-execution", { run, peerFailback: started }), "PeerFailbackFailedError");
  });
});

describe("request-approval", () => {
  it("stores the token for drctl and tells on-call how to answer", async () => {
    const t = healthy(aws);
    const SECONDARY = t.secondary;
    const env = t.deployment.environment;
    const run = await runFor(t, SECONDARY, { mode: "failover", targetRegion: SECONDARY, requireApproval: true }, "needs-ok");
    const a = await assessment(t, SECONDARY, run);
    const replication = await t.invoke(SECONDARY, "check-replication", { run, enforce: false });
    await t.invoke(SECONDARY, "request-approval", {
      run,
      taskToken: "tok-123",
      timeoutSeconds: 3600,
      heartbeatSeconds: 900,
      assessment: a,
      replication,
    });
    expect(t.control(SECONDARY, controlKeys.approval("needs-ok"))).toMatchObject({ taskToken: "tok-123", executionName: "needs-ok" });
    const message = t.notifications(SECONDARY).at(-1);
    // The deployment's environment (dev) is in the subject and the command (the old fixture's was "test").
    expect(message?.subject).toBe(`[payments-dr ${env}] APPROVAL NEEDED: failover in ${SECONDARY}`);
    expect(message?.message).toContain(`npx drctl approve --env ${env} --region ${SECONDARY} needs-ok`);
    expect(message?.message).toContain("after 900 s");
  });
});
