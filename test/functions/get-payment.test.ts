import { LOCAL_REGION, TABLES } from "./support/env";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { handler } from "../../functions/get-payment";
import { apiEvent, lambdaContext } from "./support/events";
import { createWorld, type World } from "./support/world";
import { newPendingPayment, paymentIdFor } from "../../functions/domain/payments";

let world: World;
beforeEach(() => {
  world = createWorld();
});
afterEach(() => world.reset());

const get = (id: string | undefined) =>
  handler(apiEvent({ httpMethod: "GET", path: `/payments/${id}`, pathParameters: id === undefined ? null : { id } }), lambdaContext());

function seedPayment() {
  const payment = newPendingPayment({
    paymentId: paymentIdFor("get-payment-test-key"),
    request: { amount: 250, currency: "USD", merchantReference: "m-1", sourceReference: "s-1", description: "tea" },
    region: LOCAL_REGION,
    at: "2030-01-01T00:00:00.000Z",
  });
  world.dynamo.put(TABLES.payments, payment);
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

    expect(world.dynamo.calls(TABLES.payments, "Get")).toEqual([expect.objectContaining({ region: LOCAL_REGION, outcome: "ok" })]);
    expect(world.dynamo.doc.commandCalls(GetCommand)[0].args[0].input).toMatchObject({
      ConsistentRead: true,
    });
  });

  it("answers reads in a fenced region (reads work in any region state)", async () => {
    const payment = seedPayment();
    world.setRegionState("FENCED");

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
    expect(world.dynamo.log).toEqual([]);
  });

  it("fails with 500 (and no internals) when the table cannot be read", async () => {
    world.dynamo.fail({ table: TABLES.payments }, () => Object.assign(new Error("secret detail"), { name: "InternalServerError" }));

    const response = await get(paymentIdFor("any-key-123"));

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("secret detail");
  });
});
