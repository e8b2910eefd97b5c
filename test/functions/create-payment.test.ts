import { CACHE_SECONDS, LOCAL_REGION, PEER_API_ORIGIN, PEER_REGION, TABLES } from "./support/env";
import { handler, IDEMPOTENCY_EXPIRY_SECONDS } from "../../functions/create-payment";
import { installClock, type TestClock } from "./support/clock";
import { lambdaContext, postPayment } from "./support/events";
import { createWorld, type World } from "./support/world";
import { s3Error } from "./support/s3-model";
import { paymentIdFor, PAYMENT_ID_PATTERN } from "../../functions/domain/payments";

const KEY = "order-7f3c2a9e-4b1d-4c55-9a8e-1d2f3a4b5c6d";
const BODY = { amount: 1050, currency: "EUR", merchantReference: "order-1001", sourceReference: "tok_visa_4242" };

let world: World;
let clock: TestClock;

beforeAll(() => {
  clock = installClock();
});

afterAll(() => clock.restore());

beforeEach(() => {
  // The handler module (and its region-state cache) lives for the whole file, like a warm
  // Lambda container: each test starts past the previous test's cache window.
  clock.advance(CACHE_SECONDS * 1000 + 1);
  world = createWorld();
});

afterEach(() => world.reset());

const post = (body: unknown = BODY, key: string | undefined = KEY, headers?: Record<string, string>) =>
  handler(postPayment(body, key, headers), lambdaContext());

const paymentWrites = () => world.dynamo.calls(TABLES.payments).filter((c) => c.op !== "Get");

describe("POST /payments: accepting a payment", () => {
  it("answers 202 with a payment id, PENDING and the region that accepted it", async () => {
    const response = await post();

    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body);
    expect(body).toEqual({ paymentId: expect.stringMatching(PAYMENT_ID_PATTERN), status: "PENDING", region: LOCAL_REGION });
  });

  it("stores the payment PENDING at version 1 with its origin region, once, under a conditional put", async () => {
    const { paymentId } = JSON.parse((await post()).body);

    expect(world.dynamo.get(TABLES.payments, paymentId)).toMatchObject({
      paymentId,
      status: "PENDING",
      amount: 1050,
      currency: "EUR",
      merchantReference: "order-1001",
      sourceReference: "tok_visa_4242",
      originRegion: LOCAL_REGION,
      version: 1,
    });
    expect(paymentWrites()).toEqual([expect.objectContaining({ op: "Put", outcome: "ok", condition: "attribute_not_exists(paymentId)" })]);
  });

  it("acknowledges with the payment item and the idempotency record only, leaving the transaction log to process-payment", async () => {
    const response = await post();

    expect(response.statusCode).toBe(202);
    expect(world.dynamo.writes().map((w) => [w.table, w.op])).toEqual([
      [TABLES.idempotency, "Put"],
      [TABLES.payments, "Put"],
      [TABLES.idempotency, "Update"],
    ]);
    expect(world.s3.puts).toEqual([]);
  });

  it("derives the payment id from the Idempotency-Key", async () => {
    const { paymentId } = JSON.parse((await post()).body);

    expect(paymentId).toBe(paymentIdFor(KEY));
  });

  it("stores the optional description and accepts a base64-encoded body", async () => {
    const event = postPayment("", KEY);
    event.body = Buffer.from(JSON.stringify({ ...BODY, description: "Two coffees" })).toString("base64");
    event.isBase64Encoded = true;

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(202);
    expect(world.dynamo.get(TABLES.payments, JSON.parse(response.body).paymentId)).toMatchObject({ description: "Two coffees" });
  });

  it("reads the header case-insensitively", async () => {
    const response = await handler(postPayment(BODY, undefined, { "idempotency-key": KEY }), lambdaContext());

    expect(response.statusCode).toBe(202);
  });

  it("sends every call to the local region's tables", async () => {
    await post();

    expect(new Set(world.dynamo.log.map((c) => c.region))).toEqual(new Set([LOCAL_REGION]));
  });
});

describe("POST /payments: validation before any side effect", () => {
  const expectRejectedWithoutSideEffects = (field: string, response: { statusCode: number; body: string }) => {
    expect(response.statusCode).toBe(400);
    const body = JSON.parse(response.body);
    expect(body.reason).toBe("INVALID_REQUEST");
    expect(body.problems.map((p: { field: string }) => p.field)).toContain(field);
    expect(world.dynamo.log).toEqual([]);
    expect(world.s3.puts).toEqual([]);
  };

  it("rejects a request without an Idempotency-Key header with 400 naming the header", async () => {
    const response = await handler(postPayment(BODY), lambdaContext());

    expectRejectedWithoutSideEffects("Idempotency-Key", response);
    expect(JSON.parse(response.body).error).toMatch(/Idempotency-Key header is required/);
  });

  it.each([
    ["too short", "abc"],
    ["containing a space", "order 1234567"],
    ["containing a quote", 'order"12345678'],
    ["longer than 128 characters", "k".repeat(129)],
    ["empty", ""],
  ])("rejects an Idempotency-Key %s with 400 naming the header", async (_case, key) => {
    const response = await post(BODY, key);

    expectRejectedWithoutSideEffects("Idempotency-Key", response);
  });

  it("rejects an Idempotency-Key sent twice with different values", async () => {
    const event = postPayment(BODY, KEY);
    event.multiValueHeaders["Idempotency-Key"] = [KEY, `${KEY}-other`];

    expectRejectedWithoutSideEffects("Idempotency-Key", await handler(event, lambdaContext()));
  });

  it("rejects malformed JSON with 400 and does not echo the body", async () => {
    const response = await post('{"amount": 1050, "currency": "EUR", secret-ish', KEY);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toBe("Request body is not valid JSON");
    expect(world.dynamo.log).toEqual([]);
  });

  it("rejects an empty body with 400", async () => {
    const event = postPayment("", KEY);

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(/body is required/);
  });

  it("rejects a body larger than 16 KiB with 413", async () => {
    const response = await post({ ...BODY, description: "x".repeat(20_000) });

    expect(response.statusCode).toBe(413);
    expect(world.dynamo.log).toEqual([]);
  });

  it.each<[string, string, Record<string, unknown>]>([
    ["amount is missing", "amount", { amount: undefined }],
    ["amount is zero", "amount", { amount: 0 }],
    ["amount is negative", "amount", { amount: -5 }],
    ["amount has a fraction", "amount", { amount: 10.5 }],
    ["amount is a string", "amount", { amount: "1050" }],
    ["amount is above the limit", "amount", { amount: 1_000_000_001 }],
    ["currency is lower case", "currency", { currency: "eur" }],
    ["currency has four letters", "currency", { currency: "EURO" }],
    ["currency is missing", "currency", { currency: undefined }],
    ["merchantReference is empty", "merchantReference", { merchantReference: "" }],
    ["merchantReference is too long", "merchantReference", { merchantReference: "m".repeat(65) }],
    ["merchantReference is a number", "merchantReference", { merchantReference: 1001 }],
    ["merchantReference has a control character", "merchantReference", { merchantReference: "order\n1001" }],
    ["sourceReference is missing", "sourceReference", { sourceReference: undefined }],
    ["sourceReference is a card number", "sourceReference", { sourceReference: "4111 1111 1111 1111" }],
    ["description is too long", "description", { description: "d".repeat(141) }],
    ["description carries a card number", "description", { description: "card 5555555555554444 exp 12/30" }],
    ["an unknown field is present", "cardNumber", { cardNumber: "4111111111111111" }],
  ])("rejects a body where %s, naming the field", async (_case, field, change) => {
    const response = await post({ ...BODY, ...change });

    expectRejectedWithoutSideEffects(field, response);
  });

  it.each([
    ["an array", [BODY]],
    ["null", null],
    ["a string", "payment"],
  ])("rejects a body that is %s", async (_case, body) => {
    const response = await post(JSON.stringify(body));

    expectRejectedWithoutSideEffects("(body)", response);
  });

  it("names every problem at once", async () => {
    const response = await post({ amount: -1, currency: "euro", merchantReference: "", sourceReference: "ok", extra: true });

    const body = JSON.parse(response.body);
    expect(body.problems.map((p: { field: string }) => p.field).sort()).toEqual(
      ["amount", "currency", "extra", "merchantReference"].sort(),
    );
    expect(body.error).toMatch(/amount: .*currency: .*merchantReference: .*extra: is not an allowed field/);
  });
});

describe("POST /payments: the write guard", () => {
  it.each([
    ["FENCED", "REGION_FENCED"],
    ["DRAINED", "REGION_DRAINED"],
    ["STANDBY", "REGION_STANDBY"],
  ] as const)("refuses a write in a %s region with 503, the reason and Retry-After, writing nothing", async (state, reason) => {
    world.setRegionState(state);

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(response.headers?.["retry-after"]).toBe("30");
    expect(JSON.parse(response.body)).toMatchObject({ reason, region: LOCAL_REGION, error: expect.stringContaining("retry") });
    expect(world.allWrites()).toEqual({ dynamo: [], s3: [] });
    expect(world.dynamo.calls(TABLES.idempotency)).toEqual([]);
  });

  it("refuses with REGION_STATE_UNKNOWN when there is no region record (fail closed)", async () => {
    world.dynamo.remove(TABLES.control, "authority");

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body).reason).toBe("REGION_STATE_UNKNOWN");
    expect(world.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it("refuses with 503 when the control table cannot be read (fail closed)", async () => {
    world.dynamo.fail({ table: TABLES.control }, () => Object.assign(new Error("timeout"), { name: "TimeoutError" }));

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(response.headers?.["retry-after"]).toBe("5");
    expect(response.headers?.location).toBeUndefined();
    expect(JSON.parse(response.body).reason).toBe("REGION_STATE_UNKNOWN");
    expect(world.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it.each(["STANDBY", "FENCED", "DRAINED"] as const)(
    "redirects a write in a %s region with 307 to the peer's region-pinned API when the authority makes the peer the writer, writing nothing",
    async (state) => {
      world.setRegionState(state);
      world.setRegionState("ACTIVE", PEER_REGION);

      const response = await post();

      expect(response.statusCode).toBe(307);
      // 307 (not 302/303): the client repeats the same method and body, with the same Idempotency-Key.
      expect(response.headers?.location).toBe(`${PEER_API_ORIGIN}/payments`);
      expect(response.headers?.["retry-after"]).toBe("0");
      expect(JSON.parse(response.body)).toEqual({
        error: `${LOCAL_REGION} is not the writer; ${PEER_REGION} is. Send the same request there with the same Idempotency-Key`,
        reason: `REGION_${state}`,
        region: LOCAL_REGION,
      });
      expect(world.allWrites()).toEqual({ dynamo: [], s3: [] });
      expect(world.dynamo.calls(TABLES.idempotency)).toEqual([]);
    },
  );

  it("decides the redirect from the same cached authority read as the refusal (one control-table read)", async () => {
    world.setRegionState("STANDBY");
    world.setRegionState("ACTIVE", PEER_REGION);

    expect((await post(BODY, "first-key-0001")).statusCode).toBe(307);
    expect((await post(BODY, "second-key-0002")).statusCode).toBe(307);

    expect(world.dynamo.calls(TABLES.control, "Get")).toEqual([expect.objectContaining({ key: { pk: "authority" }, outcome: "ok" })]);
  });

  it("redirects only to the configured peer origin, never to anything the authority item holds", async () => {
    // Whatever the item says (here a reason that looks like a URL), the Location is the peer origin from the environment.
    world.setRegionState("STANDBY");
    world.dynamo.put(TABLES.control, {
      ...world.dynamo.get(TABLES.control, "authority"),
      states: { [LOCAL_REGION]: "STANDBY", [PEER_REGION]: "ACTIVE" },
      reason: "https://attacker.example.com/payments",
    });

    const response = await post();

    expect(response.statusCode).toBe(307);
    expect(response.headers?.location).toBe(`${PEER_API_ORIGIN}/payments`);
  });

  it("still refuses with 503 and no Location when the authority names no writer", async () => {
    world.setRegionState("FENCED");
    world.setRegionState("STANDBY", PEER_REGION);

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(response.headers?.location).toBeUndefined();
    expect(response.headers?.["retry-after"]).toBe("30");
    expect(JSON.parse(response.body)).toMatchObject({ reason: "REGION_FENCED", region: LOCAL_REGION });
    expect(world.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it("accepts the write, and redirects nothing, while the authority makes this region the writer", async () => {
    world.setRegionState("STANDBY", PEER_REGION);

    const response = await post();

    expect(response.statusCode).toBe(202);
    expect(response.headers?.location).toBeUndefined();
  });

  it("honours a fence written to the control record within the cache window", async () => {
    expect((await post(BODY, "first-key-0001")).statusCode).toBe(202);
    const readsAfterFirst = world.dynamo.calls(TABLES.control, "Get").length;

    world.setRegionState("FENCED");
    clock.advance(1000);
    // Inside the window the cached ACTIVE is used: no read per request.
    expect((await post(BODY, "second-key-0002")).statusCode).toBe(202);
    expect(world.dynamo.calls(TABLES.control, "Get")).toHaveLength(readsAfterFirst);

    clock.advance(CACHE_SECONDS * 1000);
    const refused = await post(BODY, "third-key-00003");

    expect(refused.statusCode).toBe(503);
    expect(JSON.parse(refused.body).reason).toBe("REGION_FENCED");
    expect(world.dynamo.items(TABLES.payments)).toHaveLength(2);
  });
});

describe("POST /payments: idempotency", () => {
  it("returns the stored result to a retry after a client timeout, without a second PutItem", async () => {
    const first = await post();
    clock.advance(30_000);

    const retry = await post();

    expect(retry.statusCode).toBe(202);
    expect(retry.body).toBe(first.body);
    expect(paymentWrites()).toHaveLength(1);
    expect(world.s3.puts).toEqual([]);
  });

  it("refuses a retry in a region fenced since the first attempt: the guard runs before the replay", async () => {
    await post();
    world.setRegionState("FENCED");
    clock.advance(CACHE_SECONDS * 1000 + 1);

    const retry = await post();

    expect(retry.statusCode).toBe(503);
    expect(paymentWrites()).toHaveLength(1);
  });

  it("rejects the same key with a different body with 422 and a clear message", async () => {
    await post();

    const response = await post({ ...BODY, amount: 9999 });

    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body)).toEqual({
      error: "This Idempotency-Key was already used with a different request body; use a new key for a new payment",
      reason: "IDEMPOTENCY_KEY_REUSED",
    });
    expect(paymentWrites()).toHaveLength(1);
    expect(world.dynamo.items(TABLES.payments)).toEqual([expect.objectContaining({ amount: 1050 })]);
  });

  it("treats the same body with keys in another order as the same request", async () => {
    const first = await post();

    const reordered = await post(
      JSON.stringify({ sourceReference: "tok_visa_4242", merchantReference: "order-1001", currency: "EUR", amount: 1050 }),
    );

    expect(reordered.statusCode).toBe(202);
    expect(reordered.body).toBe(first.body);
  });

  it("answers a concurrent duplicate with 409 in progress, then the stored result", async () => {
    const gate = world.dynamo.hold(TABLES.payments, "Put");
    const first = post();
    await gate.reached;

    const duplicate = await post();

    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.headers?.["retry-after"]).toBe("1");
    expect(JSON.parse(duplicate.body)).toMatchObject({ reason: "IDEMPOTENCY_IN_PROGRESS", error: expect.stringMatching(/in progress/) });

    gate.release();
    const firstResponse = await first;
    expect(firstResponse.statusCode).toBe(202);

    const later = await post();
    expect(later.body).toBe(firstResponse.body);
    expect(paymentWrites()).toHaveLength(1);
  });

  it("keys the idempotency record by a fixed prefix and a hash, never the raw key", async () => {
    await post();

    const [record] = world.dynamo.items(TABLES.idempotency);
    expect(record.id).toMatch(/^create-payment#/);
    expect(JSON.stringify(record)).not.toContain(KEY);
    expect(record.status).toBe("COMPLETED");
  });
});

describe("POST /payments: partial failure", () => {
  it("answers 202 while S3 is failing: acknowledgement does not wait for the transaction log", async () => {
    world.s3.fail(() => s3Error("InternalError", 500), 10);

    const response = await post();

    expect(response.statusCode).toBe(202);
    expect(world.dynamo.get(TABLES.payments, paymentIdFor(KEY))).toMatchObject({ status: "PENDING", version: 1 });
    expect(world.s3.puts).toEqual([]);
  });

  it("fails with 500 when the idempotency record cannot be completed, and a retry completes the same payment", async () => {
    world.dynamo.fail({ table: TABLES.idempotency, op: "Update" }, () =>
      Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" }),
    );

    const failed = await post();

    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body).error).toMatch(/retry with the same Idempotency-Key/);
    const [stored] = world.dynamo.items(TABLES.payments);
    // The in-progress record stays until the first invocation's remaining time has passed.
    expect(world.dynamo.items(TABLES.idempotency)).toEqual([expect.objectContaining({ status: "INPROGRESS" })]);

    clock.advance(10_001);
    const retry = await post();

    expect(retry.statusCode).toBe(202);
    expect(JSON.parse(retry.body)).toEqual({ paymentId: stored.paymentId, status: "PENDING", region: LOCAL_REGION });
    expect(world.dynamo.items(TABLES.payments)).toEqual([stored]);
    expect(paymentWrites().map((w) => w.outcome)).toEqual(["ok", "condition-failed"]);
  });

  it("finishes an attempt that died mid-way once its in-progress lock expires", async () => {
    // The payment is stored; the invocation hangs before it completes its idempotency record.
    const hung = world.dynamo.hold(TABLES.idempotency, "Update");
    const abandoned = post();
    await hung.reached;

    const tooSoon = await post();
    expect(tooSoon.statusCode).toBe(409);

    clock.advance(10_001); // past the first invocation's remaining time (its Lambda timed out)
    const retry = await post();

    expect(retry.statusCode).toBe(202);
    expect(JSON.parse(retry.body)).toMatchObject({ paymentId: paymentIdFor(KEY), status: "PENDING" });
    expect(world.dynamo.items(TABLES.payments)).toHaveLength(1);
    expect(paymentWrites().map((w) => w.outcome)).toEqual(["ok", "condition-failed"]);

    hung.fail(Object.assign(new Error("Task timed out"), { name: "TimeoutError" }));
    await abandoned;
  });

  it("fails with 500 when the payments table rejects the write, and a retry succeeds", async () => {
    world.dynamo.fail({ table: TABLES.payments, op: "Put" }, () =>
      Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" }),
    );

    expect((await post()).statusCode).toBe(500);
    expect(world.s3.puts).toEqual([]);

    const retry = await post();
    expect(retry.statusCode).toBe(202);
    expect(world.dynamo.items(TABLES.payments)).toHaveLength(1);
  });

  it("answers a same-key retry after the idempotency record expired from the payment item itself", async () => {
    const first = await post();
    clock.advance((IDEMPOTENCY_EXPIRY_SECONDS + 60) * 1000);

    // The conflicting body first: no idempotency record is left to catch it, the payment item does.
    const otherBody = await post({ ...BODY, amount: 1 });
    const sameBody = await post();

    expect(otherBody.statusCode).toBe(422);
    expect(JSON.parse(otherBody.body).reason).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(sameBody.statusCode).toBe(202);
    expect(JSON.parse(sameBody.body).paymentId).toBe(JSON.parse(first.body).paymentId);
    expect(world.dynamo.items(TABLES.payments)).toEqual([expect.objectContaining({ amount: 1050, version: 1 })]);
  });
});
