import { DLQ_URL, LOCAL_REGION, PEER_REGION, QUEUE_URL, TABLES } from "./support/env";
import { handler } from "../../functions/deep-health";
import { evaluateDeepHealth, LOCAL_HEARTBEAT_STALE_SECONDS, type Observations } from "../../functions/deep-health/checks";
import { controlKeys, type RegionRecord } from "../../lib/control-record";
import { installClock, type TestClock } from "./support/clock";
import { apiEvent, lambdaContext } from "./support/events";
import { createWorld, type World } from "./support/world";

const NOW = Date.parse("2030-06-01T12:00:00.000Z");
const record: RegionRecord = {
  pk: controlKeys.authority(),
  region: LOCAL_REGION,
  state: "ACTIVE",
  epoch: 3,
  updatedAt: "2030-06-01T11:00:00.000Z",
  reason: "promoted by failover exec-1",
  executionId: "exec-1",
};
const beat = (region: string, ageSeconds: number) => ({
  pk: controlKeys.heartbeat(region),
  region,
  writtenAt: NOW - ageSeconds * 1000,
  sequence: 7,
});

function healthy(): Observations {
  return {
    region: LOCAL_REGION,
    peerRegion: PEER_REGION,
    now: NOW,
    rpoSeconds: 60,
    paymentsTable: { ok: true, value: undefined },
    regionRecord: { ok: true, value: record },
    processingQueue: { ok: true, value: { visible: 3, inFlight: 1 } },
    deadLetterQueue: { ok: true, value: { visible: 0, inFlight: 0 } },
    localHeartbeat: { ok: true, value: beat(LOCAL_REGION, 20) },
    peerHeartbeat: { ok: true, value: beat(PEER_REGION, 2.5) },
  };
}

describe("deep health rules", () => {
  it("reports ok with every check ok", () => {
    const report = evaluateDeepHealth(healthy());

    expect(report.status).toBe("ok");
    expect(Object.values(report.checks).map((c) => c.status)).toEqual(["ok", "ok", "ok", "ok", "ok", "ok"]);
    expect(report.checks.regionState).toMatchObject({ state: "ACTIVE", epoch: 3, reason: "promoted by failover exec-1" });
    expect(report.checks.processingQueue).toMatchObject({ visible: 3, inFlight: 1 });
    expect(report.checks.peerHeartbeat).toMatchObject({ ageSeconds: 2.5, thresholdSeconds: 60 });
  });

  it.each(["FENCED", "DRAINED"] as const)("fails when the region is %s", (state) => {
    const report = evaluateDeepHealth({ ...healthy(), regionRecord: { ok: true, value: { ...record, state } } });

    expect(report.status).toBe("failed");
    expect(report.checks.regionState).toMatchObject({ status: "fail", state });
  });

  it("fails when the payments table does not answer", () => {
    const report = evaluateDeepHealth({
      ...healthy(),
      paymentsTable: { ok: false, error: Object.assign(new Error("x"), { name: "TimeoutError" }) },
    });

    expect(report.status).toBe("failed");
    expect(report.checks.paymentsTable.detail).toBe("the local payments table did not answer (TimeoutError)");
  });

  it("fails when the region record is missing or a queue cannot be inspected", () => {
    expect(evaluateDeepHealth({ ...healthy(), regionRecord: { ok: true, value: undefined } }).status).toBe("failed");
    expect(evaluateDeepHealth({ ...healthy(), processingQueue: { ok: false, error: new Error("denied") } }).status).toBe("failed");
  });

  it("degrades (still 200-worthy) when the DLQ holds messages", () => {
    const report = evaluateDeepHealth({ ...healthy(), deadLetterQueue: { ok: true, value: { visible: 2, inFlight: 0 } } });

    expect(report.status).toBe("degraded");
    expect(report.checks.deadLetterQueue).toMatchObject({ status: "warn", visible: 2 });
  });

  it("degrades when the peer heartbeat is older than the RPO", () => {
    const report = evaluateDeepHealth({ ...healthy(), peerHeartbeat: { ok: true, value: beat(PEER_REGION, 61) } });

    expect(report.status).toBe("degraded");
    expect(report.checks.peerHeartbeat).toMatchObject({ status: "warn", ageSeconds: 61 });
  });

  it("degrades when this region's canary stopped writing its heartbeat", () => {
    const stale = evaluateDeepHealth({
      ...healthy(),
      localHeartbeat: { ok: true, value: beat(LOCAL_REGION, LOCAL_HEARTBEAT_STALE_SECONDS + 1) },
    });
    const missing = evaluateDeepHealth({ ...healthy(), localHeartbeat: { ok: true, value: undefined } });

    expect(stale.checks.localHeartbeat.status).toBe("warn");
    expect(missing.checks.localHeartbeat.status).toBe("warn");
  });
});

describe("GET /health/deep", () => {
  let world: World;
  let clock: TestClock;
  beforeEach(() => {
    clock = installClock(NOW);
    world = createWorld();
    world.dynamo.put(TABLES.control, beat(LOCAL_REGION, 30));
    world.dynamo.put(TABLES.control, beat(PEER_REGION, 4));
  });
  afterEach(() => {
    world.reset();
    clock.restore();
  });

  const call = async () => {
    const response = await handler(apiEvent({ httpMethod: "GET", path: "/health/deep" }), lambdaContext());
    return { statusCode: response.statusCode, body: JSON.parse(response.body) };
  };

  it("answers 200 with a per-check breakdown from local resources only", async () => {
    world.sqs.seed(QUEUE_URL, { paymentId: "x" });

    const { statusCode, body } = await call();

    expect(statusCode).toBe(200);
    expect(body).toMatchObject({
      status: "ok",
      region: LOCAL_REGION,
      peerRegion: PEER_REGION,
      checks: {
        paymentsTable: { status: "ok" },
        regionState: { status: "ok", state: "ACTIVE", epoch: 1 },
        processingQueue: { status: "ok", visible: 1, inFlight: 0 },
        deadLetterQueue: { status: "ok", visible: 0 },
        localHeartbeat: { status: "ok", ageSeconds: 30 },
        peerHeartbeat: { status: "ok", ageSeconds: 4 },
      },
    });
    expect(world.sqs.calls.map((c) => c.queueUrl).sort()).toEqual([DLQ_URL, QUEUE_URL].sort());
    expect(new Set([...world.dynamo.log.map((c) => c.region), ...world.sqs.calls.map((c) => c.region)])).toEqual(new Set([LOCAL_REGION]));
  });

  it("fails with 503 when the region is fenced", async () => {
    world.setRegionState("FENCED");

    const { statusCode, body } = await call();

    expect(statusCode).toBe(503);
    expect(body.checks.regionState).toMatchObject({ status: "fail", state: "FENCED", reason: "set to FENCED by a test" });
  });

  it("reads the region record fresh on every call (no cache)", async () => {
    expect((await call()).statusCode).toBe(200);
    world.setRegionState("DRAINED");

    expect((await call()).statusCode).toBe(503);
  });

  it("fails with 503 when the DLQ cannot be inspected, and still reports the other checks", async () => {
    world.sqs.fail("GetQueueAttributes", () => Object.assign(new Error("denied"), { name: "AccessDenied" }));

    const { statusCode, body } = await call();

    expect(statusCode).toBe(503);
    expect(Object.values(body.checks).filter((c) => (c as { status: string }).status === "fail")).toHaveLength(1);
    expect(body.checks.paymentsTable.status).toBe("ok");
  });
});
