/**
 * /health as deployed, in the one simulated AWS (support/simulated-region.ts): the primary's
 * function invoked as API Gateway invokes it, reading its region's replicas. It stays warm for the
 * whole file, like a Lambda container, and each world starts minutes after the previous one, past
 * its region-state cache window.
 */
import type { ApiResult } from "../../functions/domain/http";
import { controlKeys } from "../../lib/control-schema";
import { apiEvent } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const simulated = simulatedAwsForFile({ eventSources: false });
let sim: SimulatedRegion;
beforeEach(() => {
  sim = simulated.region();
});

const check = async () => {
  const response = await sim.invoke<ApiResult>("health", apiEvent({ httpMethod: "GET", path: "/health" }));
  return { statusCode: response.statusCode, body: JSON.parse(response.body) };
};

/** The local replica of `table` stops answering: the function's client times out (TimeoutError). */
const unreachable = (table: "payments" | "control") => sim.timeOut({ service: "dynamodb", resource: sim.tables[table] });

describe("GET /health", () => {
  it("answers 200 naming the region and its state when the table answers and the region is ACTIVE", async () => {
    sim.setRegionState("ACTIVE", sim.region, 1);

    expect(await check()).toEqual({
      statusCode: 200,
      body: { status: "healthy", region: sim.region, state: "ACTIVE", epoch: 1, reasons: [] },
    });
  });

  it("answers 200 in a STANDBY region (it may serve; only writes are refused)", async () => {
    sim.setRegionState("STANDBY");

    expect((await check()).statusCode).toBe(200);
  });

  it("proves the table answers with a data-plane read of the local replica", async () => {
    await check();

    expect(sim.dynamo("payments")).toEqual([expect.objectContaining({ operation: "GetItem", region: sim.region })]);
  });

  it("fails with 503 when the local payments table is unreachable, saying why", async () => {
    unreachable("payments");

    const { statusCode, body } = await check();

    expect(statusCode).toBe(503);
    expect(body).toMatchObject({ status: "unhealthy", region: sim.region, state: "ACTIVE" });
    expect(body.reasons).toEqual(["the local payments table did not answer (TimeoutError)"]);
  });

  it.each(["FENCED", "DRAINED"] as const)("fails with 503 when the local record says %s", async (state) => {
    sim.setRegionState(state);

    const { statusCode, body } = await check();

    expect(statusCode).toBe(503);
    expect(body).toMatchObject({ status: "unhealthy", state, reasons: [`${sim.region} is ${state}`] });
  });

  it("does not expose the operator's free-text reason on the unauthenticated endpoint", async () => {
    sim.setRegionState("FENCED", sim.region, 1, "set to FENCED by a test");

    const { body } = await check();

    expect(JSON.stringify(body)).not.toContain("by a test");
  });

  it("fails with 503 when there is no region record", async () => {
    sim.removeAuthority();
    expect(sim.item("control", { pk: controlKeys.authority() })).toBeUndefined();

    const { statusCode, body } = await check();

    expect(statusCode).toBe(503);
    expect(body).toMatchObject({ state: "UNKNOWN", reasons: [`there is no region-state record for ${sim.region}`] });
  });

  it("fails with 503 when the control table is unreachable", async () => {
    unreachable("control");

    const { statusCode, body } = await check();

    expect(statusCode).toBe(503);
    expect(body.reasons).toEqual(["the local region-state record could not be read (TimeoutError)"]);
  });

  it("honours a fence written to the control record within the cache window", async () => {
    expect((await check()).statusCode).toBe(200);
    const readAt = sim.dynamo("control", ["GetItem"])[0].at;
    sim.setRegionState("FENCED");

    await sim.t.advance(readAt + sim.cacheMs - 1 - sim.t.now());
    expect((await check()).statusCode).toBe(200);
    await sim.t.advance(2);
    expect((await check()).statusCode).toBe(503);
  });

  it("never calls another region", async () => {
    await check();
    sim.setRegionState("FENCED");
    await sim.t.advance(sim.cacheMs + 1);
    await check();

    expect(sim.dynamo().length).toBeGreaterThan(0);
    expect(new Set(sim.calls().map((c) => c.region))).toEqual(new Set([sim.region]));
    expect(sim.sqs()).toEqual([]);
    expect(sim.s3Puts()).toEqual([]);
  });
});
