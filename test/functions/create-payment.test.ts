/**
 * create-payment as deployed, in the one simulated AWS (support/simulated-region.ts): invoked in
 * the primary region with its own environment, role and timeout, its DynamoDB calls answered by
 * the simulated global tables (conditions, Powertools idempotency's records), faults injected into
 * the calls it makes. The stack's event-source mappings are left out, so nothing acts on the
 * payment once it is acknowledged (process-payment.test.ts follows it further).
 */
import type { ApiResult } from "../../functions/domain/http";
import { PAYMENT_ID_PATTERN, paymentIdFor } from "../../functions/domain/payments";
import type { RegionState } from "../../lib/control-schema";
import { postPayment } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const KEY = "order-7f3c2a9e-4b1d-4c55-9a8e-1d2f3a4b5c6d";
const BODY = { amount: 1050, currency: "EUR", merchantReference: "order-1001", sourceReference: "tok_visa_4242" };

const simulated = simulatedAwsForFile({ eventSources: false });
let sim: SimulatedRegion;
beforeEach(() => {
  // The function (and its region-state cache) stays warm for the whole file, like a Lambda
  // container; each world starts minutes after the previous one, past the cache window.
  sim = simulated.region();
});

const post = (body: unknown = BODY, key: string | undefined = KEY, headers?: Record<string, string>) =>
  sim.invoke<ApiResult>("create-payment", postPayment(body, key, headers));

const paymentWrites = () => sim.dynamoWrites("payments");

/** The function's timeout: Powertools' in-progress lock lasts an invocation's remaining time. */
const timeoutMs = () => sim.spec("create-payment").timeoutSeconds * 1000;

describe("POST /payments: accepting a payment", () => {
  it("answers 202 with a payment id, PENDING and the region that accepted it", async () => {
    const response = await post();

    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body);
    expect(body).toEqual({ paymentId: expect.stringMatching(PAYMENT_ID_PATTERN), status: "PENDING", region: sim.region });
  });

  it("stores the payment PENDING at version 1 with its origin region, once, under a conditional put", async () => {
    const { paymentId } = JSON.parse((await post()).body);

    expect(sim.item("payments", { paymentId })).toMatchObject({
      paymentId,
      status: "PENDING",
      amount: 1050,
      currency: "EUR",
      merchantReference: "order-1001",
      sourceReference: "tok_visa_4242",
      originRegion: sim.region,
      version: 1,
    });
    expect(paymentWrites()).toEqual([
      expect.objectContaining({
        operation: "PutItem",
        outcome: "ok",
        input: expect.objectContaining({ ConditionExpression: "attribute_not_exists(paymentId)" }),
      }),
    ]);
  });

  it("acknowledges with the payment item and the idempotency record only, leaving the transaction log to process-payment", async () => {
    const response = await post();

    expect(response.statusCode).toBe(202);
    expect(sim.dynamoWrites().map((w) => [w.resource, w.operation])).toEqual([
      [sim.tables.idempotency, "PutItem"],
      [sim.tables.payments, "PutItem"],
      [sim.tables.idempotency, "UpdateItem"],
    ]);
    expect(sim.calls({ service: "s3" })).toEqual([]);
  });

  it("derives the payment id from the Idempotency-Key", async () => {
    const { paymentId } = JSON.parse((await post()).body);

    expect(paymentId).toBe(paymentIdFor(KEY));
  });

  it("stores the optional description and accepts a base64-encoded body", async () => {
    const event = postPayment("", KEY);
    event.body = Buffer.from(JSON.stringify({ ...BODY, description: "Two coffees" })).toString("base64");
    event.isBase64Encoded = true;

    const response = await sim.invoke<ApiResult>("create-payment", event);

    expect(response.statusCode).toBe(202);
    expect(sim.item("payments", { paymentId: JSON.parse(response.body).paymentId })).toMatchObject({ description: "Two coffees" });
  });

  it("reads the header case-insensitively", async () => {
    const response = await post(BODY, undefined, { "idempotency-key": KEY });

    expect(response.statusCode).toBe(202);
  });

  it("sends every call to the local region's tables", async () => {
    await post();

    expect(sim.dynamo().length).toBeGreaterThan(0);
    expect(new Set(sim.dynamo().map((c) => c.region))).toEqual(new Set([sim.region]));
  });
});

describe("POST /payments: validation before any side effect", () => {
  const expectRejectedWithoutSideEffects = (field: string, response: { statusCode: number; body: string }) => {
    expect(response.statusCode).toBe(400);
    const body = JSON.parse(response.body);
    expect(body.reason).toBe("INVALID_REQUEST");
    expect(body.problems.map((p: { field: string }) => p.field)).toContain(field);
    expect(sim.dynamo()).toEqual([]);
    expect(sim.calls({ service: "s3" })).toEqual([]);
  };

  it("rejects a request without an Idempotency-Key header with 400 naming the header", async () => {
    const response = await sim.invoke<ApiResult>("create-payment", postPayment(BODY));

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

    expectRejectedWithoutSideEffects("Idempotency-Key", await sim.invoke<ApiResult>("create-payment", event));
  });

  it("rejects malformed JSON with 400 and does not echo the body", async () => {
    const response = await post('{"amount": 1050, "currency": "EUR", secret-ish', KEY);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toBe("Request body is not valid JSON");
    expect(sim.dynamo()).toEqual([]);
  });

  it("rejects an empty body with 400", async () => {
    const event = postPayment("", KEY);

    const response = await sim.invoke<ApiResult>("create-payment", event);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(/body is required/);
  });

  it("rejects a body larger than 16 KiB with 413", async () => {
    const response = await post({ ...BODY, description: "x".repeat(20_000) });

    expect(response.statusCode).toBe(413);
    expect(sim.dynamo()).toEqual([]);
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
    ["FENCED", "REGION_FENCED", "30"],
    ["DRAINED", "REGION_DRAINED", "30"],
    ["STANDBY", "REGION_STANDBY", "5"],
  ] as const)("refuses a write in a %s region with 503, the reason and Retry-After, writing nothing", async (state, reason, retryAfter) => {
    sim.setRegionState(state);

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(response.headers?.["retry-after"]).toBe(retryAfter);
    expect(JSON.parse(response.body)).toMatchObject({ reason, region: sim.region, error: expect.stringContaining("retry") });
    expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
    expect(sim.dynamo("idempotency")).toEqual([]);
  });

  it("refuses with REGION_STATE_UNKNOWN when there is no region record (fail closed)", async () => {
    sim.removeAuthority();

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body).reason).toBe("REGION_STATE_UNKNOWN");
    expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it("refuses with 503 when the control table cannot be read (fail closed)", async () => {
    sim.fail({ service: "dynamodb", resource: sim.tables.control }, { name: "TimeoutError", message: "timeout" });

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(response.headers?.["retry-after"]).toBe("5");
    expect(response.headers?.location).toBeUndefined();
    expect(JSON.parse(response.body).reason).toBe("REGION_STATE_UNKNOWN");
    expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it.each(["STANDBY", "FENCED", "DRAINED"] as const)(
    "redirects a write in a %s region with 307 to the peer's region-pinned API when the authority makes the peer the writer, writing nothing",
    async (state) => {
      sim.setRegionState(state);
      sim.setRegionState("ACTIVE", sim.peer);

      const response = await post();

      expect(response.statusCode).toBe(307);
      // 307 (not 302/303): the client repeats the same method and body, with the same Idempotency-Key.
      expect(response.headers?.location).toBe(`${sim.peerApiOrigin}/payments`);
      expect(response.headers?.["retry-after"]).toBe("0");
      expect(JSON.parse(response.body)).toEqual({
        error: `${sim.region} is not the writer; ${sim.peer} is. Send the same request there with the same Idempotency-Key`,
        reason: `REGION_${state}`,
        region: sim.region,
      });
      expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
      expect(sim.dynamo("idempotency")).toEqual([]);
    },
  );

  it("decides the redirect from the same cached authority read as the refusal (one control-table read)", async () => {
    sim.setRegionState("STANDBY");
    sim.setRegionState("ACTIVE", sim.peer);

    expect((await post(BODY, "first-key-0001")).statusCode).toBe(307);
    expect((await post(BODY, "second-key-0002")).statusCode).toBe(307);

    expect(sim.dynamo("control", ["GetItem"])).toEqual([
      expect.objectContaining({ key: JSON.stringify({ pk: "authority" }), outcome: "ok" }),
    ]);
  });

  it("redirects only to the configured peer origin, never to anything the authority item holds", async () => {
    // Whatever the item says (here a reason that looks like a URL), the Location is the peer origin from the environment.
    sim.setRegionState("STANDBY");
    sim.putAuthority({
      ...sim.authority(),
      states: { [sim.region]: "STANDBY", [sim.peer]: "ACTIVE" },
      reason: "https://attacker.example.com/payments",
    });

    const response = await post();

    expect(response.statusCode).toBe(307);
    expect(response.headers?.location).toBe(`${sim.peerApiOrigin}/payments`);
  });

  it("still refuses with 503 and no Location when the authority names no writer", async () => {
    sim.setRegionState("FENCED");
    sim.setRegionState("STANDBY", sim.peer);

    const response = await post();

    expect(response.statusCode).toBe(503);
    expect(response.headers?.location).toBeUndefined();
    expect(response.headers?.["retry-after"]).toBe("30");
    expect(JSON.parse(response.body)).toMatchObject({ reason: "REGION_FENCED", region: sim.region });
    expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it("accepts the write, and redirects nothing, while the authority makes this region the writer", async () => {
    sim.setRegionState("STANDBY", sim.peer);

    const response = await post();

    expect(response.statusCode).toBe(202);
    expect(response.headers?.location).toBeUndefined();
  });

  it("honours a fence written to the control record within the cache window", async () => {
    expect((await post(BODY, "first-key-0001")).statusCode).toBe(202);
    const readsAfterFirst = sim.dynamo("control", ["GetItem"]).length;

    sim.setRegionState("FENCED");
    await sim.t.advance(1000);
    // Inside the window the cached ACTIVE is used: no read per request.
    expect((await post(BODY, "second-key-0002")).statusCode).toBe(202);
    expect(sim.dynamo("control", ["GetItem"])).toHaveLength(readsAfterFirst);

    await sim.t.advance(sim.cacheMs);
    const refused = await post(BODY, "third-key-00003");

    expect(refused.statusCode).toBe(503);
    expect(JSON.parse(refused.body).reason).toBe("REGION_FENCED");
    expect(sim.items("payments")).toHaveLength(2);
  });
});

describe('POST /payments: the guard\'s answers, as a table (docs/architecture.md, "The write path")', () => {
  // Eventual mode's planned move records a handover in the transition that stops its source
  // (lib/control-schema.ts, handoverSchema); `open` = its window still open, `closed` = past it.
  type Case = [
    name: string,
    states: { here: RegionState; peer: RegionState },
    handover: "none" | "from-here-open" | "to-here-open" | "from-here-closed" | "to-here-closed" | "between-others",
    answer: { status: number; retryAfter?: string; reason?: string; location?: boolean },
  ];
  const cases: Case[] = [
    ["this region ACTIVE", { here: "ACTIVE", peer: "STANDBY" }, "none", { status: 202 }],
    [
      "the peer ACTIVE",
      { here: "FENCED", peer: "ACTIVE" },
      "none",
      { status: 307, retryAfter: "0", reason: "REGION_FENCED", location: true },
    ],
    [
      "the peer ACTIVE, a handover record left on the version (redirect wins)",
      { here: "STANDBY", peer: "ACTIVE" },
      "from-here-open",
      { status: 307, retryAfter: "0", reason: "REGION_STANDBY", location: true },
    ],
    ["nobody ACTIVE", { here: "FENCED", peer: "STANDBY" }, "none", { status: 503, retryAfter: "30", reason: "REGION_FENCED" }],
    [
      "nobody ACTIVE, this region STANDBY (a failover between fencing the old writer and promoting this one)",
      { here: "STANDBY", peer: "FENCED" },
      "none",
      { status: 503, retryAfter: "5", reason: "REGION_STANDBY" },
    ],
    [
      "nobody ACTIVE, this region drained",
      { here: "DRAINED", peer: "STANDBY" },
      "none",
      { status: 503, retryAfter: "30", reason: "REGION_DRAINED" },
    ],
    [
      "nobody ACTIVE, this region fenced for a handover to the peer",
      { here: "FENCED", peer: "FENCED" },
      "from-here-open",
      { status: 503, retryAfter: "1", reason: "REGION_FENCED" },
    ],
    [
      "nobody ACTIVE, this region drained for a handover to the peer",
      { here: "DRAINED", peer: "STANDBY" },
      "from-here-open",
      { status: 503, retryAfter: "1", reason: "REGION_DRAINED" },
    ],
    [
      "nobody ACTIVE, a handover to this region not yet promoted",
      { here: "FENCED", peer: "FENCED" },
      "to-here-open",
      { status: 503, retryAfter: "1", reason: "REGION_FENCED" },
    ],
    [
      "nobody ACTIVE, the handover's window closed (it never completed)",
      { here: "FENCED", peer: "FENCED" },
      "from-here-closed",
      { status: 503, retryAfter: "30", reason: "REGION_FENCED" },
    ],
    [
      "nobody ACTIVE, a handover to this region (STANDBY) whose window closed",
      { here: "STANDBY", peer: "FENCED" },
      "to-here-closed",
      { status: 503, retryAfter: "5", reason: "REGION_STANDBY" },
    ],
    [
      "nobody ACTIVE, a handover this region is no part of",
      { here: "STANDBY", peer: "FENCED" },
      "between-others",
      { status: 503, retryAfter: "5", reason: "REGION_STANDBY" },
    ],
  ];

  it.each(cases)("%s: answers as the table says", async (_name, states, handover, answer) => {
    const now = sim.t.now();
    const until = new Date(now + (handover === "from-here-closed" || handover === "to-here-closed" ? -1 : 60_000)).toISOString();
    const record =
      handover === "from-here-open" || handover === "from-here-closed"
        ? { from: sim.region, to: sim.peer, until }
        : handover === "to-here-open" || handover === "to-here-closed"
          ? { from: sim.peer, to: sim.region, until }
          : handover === "between-others"
            ? { from: "eu-west-1", to: "eu-west-2", until }
            : undefined;
    sim.putAuthority({
      ...sim.authority(),
      epoch: 7,
      states: { [sim.region]: states.here, [sim.peer]: states.peer },
      ...(record ? { handover: record } : {}),
    });

    const response = await post();

    expect(response.statusCode).toBe(answer.status);
    expect(response.headers?.["retry-after"]).toBe(answer.retryAfter);
    expect(response.headers?.location).toBe(answer.location ? `${sim.peerApiOrigin}/payments` : undefined);
    if (answer.reason) expect(JSON.parse(response.body)).toMatchObject({ reason: answer.reason, region: sim.region });
    if (answer.status !== 202) expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it("re-reads the authority every second while a handover is in progress, so the promotion is answered with a redirect within a second", async () => {
    const until = new Date(sim.t.now() + 60_000).toISOString();
    sim.putAuthority({
      ...sim.authority(),
      epoch: 7,
      states: { [sim.region]: "FENCED", [sim.peer]: "FENCED" },
      handover: { from: sim.region, to: sim.peer, until },
    });
    expect((await post(BODY, "first-key-0001")).statusCode).toBe(503);

    // The promotion of the peer (the next version: the handover is over) lands in this replica.
    sim.putAuthority({ ...sim.authority(), epoch: 8, states: { [sim.region]: "FENCED", [sim.peer]: "ACTIVE" }, handover: undefined });
    await sim.t.advance(1000);
    const response = await post(BODY, "second-key-0002");

    expect(response.statusCode).toBe(307);
    expect(sim.dynamo("control", ["GetItem"])).toHaveLength(2);
  });

  it("tells a client of a STANDBY region with nobody ACTIVE to retry after the cache bound: the first retry that sees a promotion made just after the refusal", async () => {
    sim.putAuthority({ ...sim.authority(), epoch: 7, states: { [sim.region]: "STANDBY", [sim.peer]: "FENCED" } });
    const refused = await post(BODY, "first-key-0001");
    const retryAfterMs = Number(refused.headers?.["retry-after"]) * 1000;

    // The failover promotes this region right after the refusal; the container still holds its read.
    sim.putAuthority({ ...sim.authority(), epoch: 8, states: { [sim.region]: "ACTIVE", [sim.peer]: "FENCED" } });
    await sim.t.advance(retryAfterMs);
    const retried = await post(BODY, "first-key-0001");

    expect(refused.statusCode).toBe(503);
    // Not later than needed: the container re-reads the authority once its cache bound has passed.
    expect(retryAfterMs).toBeLessThanOrEqual(sim.cacheMs);
    // Not sooner than useful: within the bound the same container answers from the same read.
    expect(retryAfterMs).toBeGreaterThanOrEqual(sim.cacheMs);
    expect(retried.statusCode).toBe(202);
  });

  it("keeps the configured cache bound when no handover is in progress, and once its window has closed", async () => {
    const until = new Date(sim.t.now() + 500).toISOString();
    sim.putAuthority({
      ...sim.authority(),
      epoch: 7,
      states: { [sim.region]: "FENCED", [sim.peer]: "FENCED" },
      handover: { from: sim.region, to: sim.peer, until },
    });
    expect(JSON.parse((await post(BODY, "first-key-0001")).body).reason).toBe("REGION_FENCED");

    await sim.t.advance(1000); // past the window: the read of a closed handover is cached for the full bound
    await post(BODY, "second-key-0002");
    const reads = sim.dynamo("control", ["GetItem"]).length;
    await sim.t.advance(1000);
    const third = await post(BODY, "third-key-00003");

    expect(third.headers?.["retry-after"]).toBe("30");
    expect(sim.dynamo("control", ["GetItem"])).toHaveLength(reads);
    expect(sim.cacheMs).toBeGreaterThan(2000);
  });
});

describe("POST /payments: idempotency", () => {
  it("returns the stored result to a retry after a client timeout, without a second PutItem", async () => {
    const first = await post();
    await sim.t.advance(30_000);

    const retry = await post();

    expect(retry.statusCode).toBe(202);
    expect(retry.body).toBe(first.body);
    expect(paymentWrites()).toHaveLength(1);
    expect(sim.s3Puts()).toEqual([]);
  });

  it("refuses a retry in a region fenced since the first attempt: the guard runs before the replay", async () => {
    await post();
    sim.setRegionState("FENCED");
    await sim.t.advance(sim.cacheMs + 1);

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
    expect(sim.items("payments")).toEqual([expect.objectContaining({ amount: 1050 })]);
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
    // The first attempt's conditional put of the payment is held for 2 s (within its timeout).
    const gate = sim.hold({ service: "dynamodb", operations: ["PutItem"], resource: sim.tables.payments }, 2000);
    const first = sim.begin<ApiResult>("create-payment", postPayment(BODY, KEY));
    await gate.reached();

    const duplicate = await post();

    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.headers?.["retry-after"]).toBe("1");
    expect(JSON.parse(duplicate.body)).toMatchObject({ reason: "IDEMPOTENCY_IN_PROGRESS", error: expect.stringMatching(/in progress/) });

    const firstResponse = await sim.t.settle(first);
    expect(firstResponse.statusCode).toBe(202);

    const later = await post();
    expect(later.body).toBe(firstResponse.body);
    expect(paymentWrites()).toHaveLength(1);
  });

  it("keys the idempotency record by a fixed prefix and a hash, never the raw key", async () => {
    await post();

    const [record] = sim.items("idempotency");
    expect(record.id).toMatch(/^create-payment#/);
    expect(JSON.stringify(record)).not.toContain(KEY);
    expect(record.status).toBe("COMPLETED");
  });
});

describe("POST /payments: partial failure", () => {
  it("answers 202 while S3 is failing: acknowledgement does not wait for the transaction log", async () => {
    sim.fail({ service: "s3" }, { name: "InternalError", httpStatusCode: 500 }, 10);

    const response = await post();

    expect(response.statusCode).toBe(202);
    expect(sim.item("payments", { paymentId: paymentIdFor(KEY) })).toMatchObject({ status: "PENDING", version: 1 });
    expect(sim.s3Puts()).toEqual([]);
  });

  it("fails with 500 when the idempotency record cannot be completed, and a retry completes the same payment", async () => {
    sim.fail(
      { service: "dynamodb", operations: ["UpdateItem"], resource: sim.tables.idempotency },
      { name: "ProvisionedThroughputExceededException", message: "throttled" },
    );

    const failed = await post();

    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body).error).toMatch(/retry with the same Idempotency-Key/);
    const [stored] = sim.items("payments");
    // The in-progress record stays until the first invocation's remaining time has passed.
    expect(sim.items("idempotency")).toEqual([expect.objectContaining({ status: "INPROGRESS" })]);

    await sim.t.advance(timeoutMs() + 1);
    const retry = await post();

    expect(retry.statusCode).toBe(202);
    expect(JSON.parse(retry.body)).toEqual({ paymentId: stored.paymentId, status: "PENDING", region: sim.region });
    expect(sim.items("payments")).toEqual([stored]);
    expect(paymentWrites().map((w) => w.outcome)).toEqual(["ok", "ConditionalCheckFailedException"]);
  });

  it("finishes an attempt that died mid-way once its in-progress lock expires", async () => {
    // The payment is stored; the invocation hangs before it completes its idempotency record.
    // Its update is held past the function's timeout, and then fails: it never lands.
    const hung = sim.hold({ service: "dynamodb", operations: ["UpdateItem"], resource: sim.tables.idempotency }, 60 * 60_000, {
      name: "TimeoutError",
      message: "Task timed out",
    });
    const abandoned = sim.begin<ApiResult>("create-payment", postPayment(BODY, KEY));
    abandoned.catch(() => undefined); // it ends in the Lambda timeout, asserted below
    await hung.reached();

    const tooSoon = await post();
    expect(tooSoon.statusCode).toBe(409);

    await sim.t.advance(timeoutMs() + 1); // past the first invocation's remaining time (its Lambda timed out)
    const retry = await post();

    expect(retry.statusCode).toBe(202);
    expect(JSON.parse(retry.body)).toMatchObject({ paymentId: paymentIdFor(KEY), status: "PENDING" });
    expect(sim.items("payments")).toHaveLength(1);
    expect(paymentWrites().map((w) => w.outcome)).toEqual(["ok", "ConditionalCheckFailedException"]);

    await expect(abandoned).rejects.toMatchObject({ name: "Sandbox.Timedout" });
  });

  it("fails with 500 when the payments table rejects the write, and a retry succeeds", async () => {
    sim.fail(
      { service: "dynamodb", operations: ["PutItem"], resource: sim.tables.payments },
      { name: "ProvisionedThroughputExceededException", message: "throttled" },
    );

    expect((await post()).statusCode).toBe(500);
    expect(sim.s3Puts()).toEqual([]);

    const retry = await post();
    expect(retry.statusCode).toBe(202);
    expect(sim.items("payments")).toHaveLength(1);
  });

  it("answers a same-key retry after the idempotency record expired from the payment item itself", async () => {
    const first = await post();
    const [{ expiration }] = sim.items("idempotency");
    // A minute past the record's expiry (24 h). Nothing runs meanwhile (no schedules, no event
    // sources), so virtual time jumps there at once.
    await sim.t.clock.advance(Number(expiration) * 1000 + 60_000 - sim.t.now());

    // The conflicting body first: no idempotency record is left to catch it, the payment item does.
    const otherBody = await post({ ...BODY, amount: 1 });
    const sameBody = await post();

    expect(otherBody.statusCode).toBe(422);
    expect(JSON.parse(otherBody.body).reason).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(sameBody.statusCode).toBe(202);
    expect(JSON.parse(sameBody.body).paymentId).toBe(JSON.parse(first.body).paymentId);
    expect(sim.items("payments")).toEqual([expect.objectContaining({ amount: 1050, version: 1 })]);
  });
});
