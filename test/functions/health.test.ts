import { CACHE_SECONDS, LOCAL_REGION, TABLES } from "./support/env";
import { handler } from "../../functions/health";
import { installClock, type TestClock } from "./support/clock";
import { apiEvent, lambdaContext } from "./support/events";
import { createWorld, type World } from "./support/world";

let world: World;
let clock: TestClock;
beforeAll(() => {
  clock = installClock();
});
afterAll(() => clock.restore());
beforeEach(() => {
  clock.advance(CACHE_SECONDS * 1000 + 1);
  world = createWorld();
});
afterEach(() => world.reset());

const check = async () => {
  const response = await handler(apiEvent({ httpMethod: "GET", path: "/health" }), lambdaContext(3000));
  return { statusCode: response.statusCode, body: JSON.parse(response.body) };
};

const timeout = () => Object.assign(new Error("socket timeout"), { name: "TimeoutError" });

describe("GET /health", () => {
  it("answers 200 naming the region and its state when the table answers and the region is ACTIVE", async () => {
    expect(await check()).toEqual({
      statusCode: 200,
      body: { status: "healthy", region: LOCAL_REGION, state: "ACTIVE", epoch: 1, reasons: [] },
    });
  });

  it("answers 200 in a STANDBY region (it may serve; only writes are refused)", async () => {
    world.setRegionState("STANDBY");

    expect((await check()).statusCode).toBe(200);
  });

  it("proves the table answers with a data-plane read of the local replica", async () => {
    await check();

    expect(world.dynamo.calls(TABLES.payments)).toEqual([expect.objectContaining({ op: "Get", region: LOCAL_REGION })]);
  });

  it("fails with 503 when the local payments table is unreachable, saying why", async () => {
    world.dynamo.fail({ table: TABLES.payments }, timeout);

    const { statusCode, body } = await check();

    expect(statusCode).toBe(503);
    expect(body).toMatchObject({ status: "unhealthy", region: LOCAL_REGION, state: "ACTIVE" });
    expect(body.reasons).toEqual(["the local payments table did not answer (TimeoutError)"]);
  });

  it.each(["FENCED", "DRAINED"] as const)("fails with 503 when the local record says %s", async (state) => {
    world.setRegionState(state);

    const { statusCode, body } = await check();

    expect(statusCode).toBe(503);
    expect(body).toMatchObject({ status: "unhealthy", state, reasons: [`${LOCAL_REGION} is ${state}`] });
  });

  it("does not expose the operator's free-text reason on the unauthenticated endpoint", async () => {
    world.setRegionState("FENCED");

    const { body } = await check();

    expect(JSON.stringify(body)).not.toContain("by a test");
  });

  it("fails with 503 when there is no region record", async () => {
    world.dynamo.remove(TABLES.control, "authority");

    const { statusCode, body } = await check();

    expect(statusCode).toBe(503);
    expect(body).toMatchObject({ state: "UNKNOWN", reasons: [`there is no region-state record for ${LOCAL_REGION}`] });
  });

  it("fails with 503 when the control table is unreachable", async () => {
    world.dynamo.fail({ table: TABLES.control }, timeout);

    const { statusCode, body } = await check();

    expect(statusCode).toBe(503);
    expect(body.reasons).toEqual(["the local region-state record could not be read (TimeoutError)"]);
  });

  it("honours a fence written to the control record within the cache window", async () => {
    expect((await check()).statusCode).toBe(200);
    world.setRegionState("FENCED");

    clock.advance(CACHE_SECONDS * 1000 - 1);
    expect((await check()).statusCode).toBe(200);
    clock.advance(2);
    expect((await check()).statusCode).toBe(503);
  });

  it("never calls another region", async () => {
    await check();
    world.setRegionState("FENCED");
    clock.advance(CACHE_SECONDS * 1000 + 1);
    await check();

    expect(world.dynamo.log.length).toBeGreaterThan(0);
    expect(new Set(world.dynamo.log.map((c) => c.region))).toEqual(new Set([LOCAL_REGION]));
    expect(world.sqs.calls).toEqual([]);
    expect(world.s3.puts).toEqual([]);
  });
});
