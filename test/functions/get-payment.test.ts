/**
 * get-payment as deployed, in the one simulated AWS (support/simulated-region.ts): invoked in the
 * primary region with the API Gateway events a test writes, reading the region's replica of the
 * payments table.
 */
import type { ApiResult } from "../../functions/domain/http";
import { newPendingPayment, paymentIdFor } from "../../functions/domain/payments";
import { apiEvent } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const simulated = simulatedAwsForFile({ eventSources: false });
let sim: SimulatedRegion;
beforeEach(() => {
  sim = simulated.region();
});

const get = (id: string | undefined) =>
  sim.invoke<ApiResult>(
    "get-payment",
    apiEvent({ httpMethod: "GET", path: `/payments/${id}`, pathParameters: id === undefined ? null : { id } }),
  );

function seedPayment() {
  const payment = newPendingPayment({
    paymentId: paymentIdFor("get-payment-test-key"),
    request: { amount: 250, currency: "USD", merchantReference: "m-1", sourceReference: "s-1", description: "tea" },
    region: sim.region,
    at: "2030-01-01T00:00:00.000Z",
  });
  sim.seed("payments", payment);
  return payment;
}

describe("GET /payments/{id}", () => {
  it("answers 200 with the payment as a merchant sees it", async () => {
    const payment = seedPayment();

    const response = await get(payment.paymentId);

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      paymentId: payment.paymentId,
      status: "PENDING",
      amount: 250,
      currency: "USD",
      merchantReference: "m-1",
      sourceReference: "s-1",
      description: "tea",
      createdAt: "2030-01-01T00:00:00.000Z",
      updatedAt: "2030-01-01T00:00:00.000Z",
    });
  });

  it("does not show internal fields (origin region, version, request hash)", async () => {
    const payment = seedPayment();

    const body = JSON.parse((await get(payment.paymentId)).body);

    expect(body).not.toHaveProperty("originRegion");
    expect(body).not.toHaveProperty("version");
    expect(body).not.toHaveProperty("requestHash");
  });

  it("reads strongly consistent from the local replica", async () => {
    const payment = seedPayment();

    await get(payment.paymentId);

    expect(sim.dynamo("payments", ["GetItem"])).toEqual([
      expect.objectContaining({ region: sim.region, outcome: "ok", input: expect.objectContaining({ ConsistentRead: true }) }),
    ]);
  });

  it("answers reads in a fenced region (reads work in any region state)", async () => {
    const payment = seedPayment();
    sim.setRegionState("FENCED");

    expect((await get(payment.paymentId)).statusCode).toBe(200);
  });

  it("rejects an absent payment with 404", async () => {
    const response = await get(paymentIdFor("never-created-key"));

    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).reason).toBe("PAYMENT_NOT_FOUND");
  });

  it.each([
    ["missing", undefined],
    ["without the prefix", "01HZX3Y4Z5A6B7C8D9E0F1G2H3"],
    ["too short", "pay_123"],
    ["lower case", "pay_01hzx3y4z5a6b7c8d9e0f1g2h3"],
    ["with letters outside Crockford base32", "pay_01HZX3Y4Z5A6B7C8D9E0F1G2HU"],
    ["with an injection attempt", "pay_' OR 1=1 --"],
  ])("rejects an id that is %s with 400 without reading the table", async (_case, id) => {
    const response = await get(id);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).reason).toBe("INVALID_PAYMENT_ID");
    expect(sim.dynamo()).toEqual([]);
  });

  it("fails with 500 (and no internals) when the table cannot be read", async () => {
    sim.fail(
      { service: "dynamodb", resource: sim.tables.payments },
      { name: "InternalServerError", message: "secret detail", httpStatusCode: 500 },
    );

    const response = await get(paymentIdFor("any-key-123"));

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("secret detail");
  });
});
