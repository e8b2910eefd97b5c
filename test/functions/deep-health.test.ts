/**
 * Deep health: its rules as a pure function, and GET /health/deep as deployed, in the one simulated
 * AWS (support/simulated-region.ts) — the primary's function reading its region's replicas and
 * queues.
 */
import type { ApiResult } from "../../functions/domain/http";
import { evaluateDeepHealth, LOCAL_HEARTBEAT_STALE_SECONDS, type Observations } from "../../functions/deep-health/checks";
import { controlKeys, type RegionRecord } from "../../lib/control-record";
import { apiEvent } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const LOCAL_REGION = "us-east-1";
const PEER_REGION = "us-east-2";
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
const beat = (region: string, ageSeconds: number, now = NOW) => ({
  pk: controlKeys.heartbeat(region),
  region,
  writtenAt: now - ageSeconds * 1000,
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
  const simulated = simulatedAwsForFile({ eventSources: false });
  let sim: SimulatedRegion;
  beforeEach(() => {
    sim = simulated.region();
    sim.setRegionState("ACTIVE");
    sim.seed("control", beat(sim.region, 30, sim.t.now()));
    sim.seed("control", beat(sim.peer, 4, sim.t.now()));
  });

  const call = async () => {
    const response = await sim.invoke<ApiResult>("deep-health", apiEvent({ httpMethod: "GET", path: "/health/deep" }));
    return { statusCode: response.statusCode, body: JSON.parse(response.body) };
  };

  it("answers 200 with a per-check breakdown from local resources only", async () => {
    sim.seedMessage(sim.queueUrl, { paymentId: "x" });

    const { statusCode, body } = await call();

    expect(statusCode).toBe(200);
    expect(body).toMatchObject({
      status: "ok",
      region: sim.region,
      peerRegion: sim.peer,
      checks: {
        paymentsTable: { status: "ok" },
        regionState: { status: "ok", state: "ACTIVE", epoch: 1 },
        processingQueue: { status: "ok", visible: 1, inFlight: 0 },
        deadLetterQueue: { status: "ok", visible: 0 },
        localHeartbeat: { status: "ok", ageSeconds: 30 },
        peerHeartbeat: { status: "ok", ageSeconds: 4 },
      },
    });
    expect(
      sim
        .sqs()
        .map((c) => c.resource)
        .sort(),
    ).toEqual([sim.dlqUrl, sim.queueUrl].sort());
    expect(new Set(sim.calls().map((c) => c.region))).toEqual(new Set([sim.region]));
  });

  it("fails with 503 when the region is fenced", async () => {
    sim.setRegionState("FENCED", sim.region, 1, "set to FENCED by a test");

    const { statusCode, body } = await call();

    expect(statusCode).toBe(503);
    expect(body.checks.regionState).toMatchObject({ status: "fail", state: "FENCED", reason: "set to FENCED by a test" });
  });

  it("reads the region record fresh on every call (no cache)", async () => {
    expect((await call()).statusCode).toBe(200);
    sim.setRegionState("DRAINED");

    expect((await call()).statusCode).toBe(503);
  });

  it("fails with 503 when the DLQ cannot be inspected, and still reports the other checks", async () => {
    sim.fail(
      { service: "sqs", operations: ["GetQueueAttributes"], resource: sim.dlqUrl },
      { name: "AccessDenied", message: "denied", httpStatusCode: 403 },
    );

    const { statusCode, body } = await call();

    expect(statusCode).toBe(503);
    expect(Object.values(body.checks).filter((c) => (c as { status: string }).status === "fail")).toHaveLength(1);
    expect(body.checks.deadLetterQueue.status).toBe("fail");
    expect(body.checks.paymentsTable.status).toBe("ok");
  });
});
