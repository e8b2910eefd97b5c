import { LOCAL_REGION, PEER_REGION, QUEUE_URL } from "./support/env";
import { handler, routeStreamRecord } from "../../functions/payment-events";
import { paymentStreamFilterPattern } from "../../lib/handlers/payment-functions";
import { paymentIdFor } from "../../functions/domain/payments";
import { lambdaContext, streamRecord } from "./support/events";
import { createWorld, type World } from "./support/world";

const idA = paymentIdFor("events-key-aaaa");
const idB = paymentIdFor("events-key-bbbb");
const idC = paymentIdFor("events-key-cccc");
const image = (paymentId: string, overrides: Record<string, unknown> = {}) => ({
  paymentId,
  status: "PENDING",
  originRegion: LOCAL_REGION,
  amount: 100,
  version: 1,
  ...overrides,
});

let world: World;
beforeEach(() => {
  world = createWorld();
});
afterEach(() => world.reset());

const queued = () => world.sqs.messages(QUEUE_URL).map((m) => JSON.parse(m.body));

describe("payment-events", () => {
  it("enqueues a new PENDING payment accepted in this region", async () => {
    const result = await handler({ Records: [streamRecord({ sequenceNumber: "100", image: image(idA) })] }, lambdaContext());

    expect(result).toEqual({ batchItemFailures: [] });
    expect(queued()).toEqual([{ paymentId: idA }]);
    expect(world.sqs.calls.every((c) => c.region === LOCAL_REGION)).toBe(true);
  });

  it("ignores a stream record of a payment accepted in the other region", async () => {
    const result = await handler(
      { Records: [streamRecord({ sequenceNumber: "100", image: image(idA, { originRegion: PEER_REGION }) })] },
      lambdaContext(),
    );

    expect(result).toEqual({ batchItemFailures: [] });
    expect(world.sqs.calls).toEqual([]);
  });

  it("ignores updates, deletes and payments that are no longer PENDING", async () => {
    await handler(
      {
        Records: [
          streamRecord({ eventName: "MODIFY", sequenceNumber: "1", image: image(idA, { status: "SETTLED", version: 2 }) }),
          streamRecord({ eventName: "REMOVE", sequenceNumber: "2", image: undefined }),
          streamRecord({ sequenceNumber: "3", image: image(idB, { status: "SETTLED" }) }),
        ],
      },
      lambdaContext(),
    );

    expect(world.sqs.calls).toEqual([]);
  });

  it("skips a record without a routable image instead of blocking the shard", async () => {
    const result = await handler(
      {
        Records: [
          streamRecord({ sequenceNumber: "1", image: { paymentId: "not-an-id", status: "PENDING", originRegion: LOCAL_REGION } }),
          streamRecord({ sequenceNumber: "2", image: image(idA) }),
        ],
      },
      lambdaContext(),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(queued()).toEqual([{ paymentId: idA }]);
  });

  it("checkpoints at the first record it could not enqueue and does not go past it", async () => {
    world.sqs.fail("SendMessage", () => Object.assign(new Error("throttled"), { name: "ThrottlingException" }), 1, 1);

    const result = await handler(
      {
        Records: [
          streamRecord({ sequenceNumber: "100", image: image(idA) }),
          streamRecord({ sequenceNumber: "200", image: image(idB) }),
          streamRecord({ sequenceNumber: "300", image: image(idC) }),
        ],
      },
      lambdaContext(),
    );

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "200" }] });
    // Lambda retries from 200: 300 is left for that retry rather than sent out of order.
    expect(world.sqs.calls.filter((c) => c.command === "SendMessage")).toHaveLength(2);
    expect(queued()).toEqual([{ paymentId: idA }]);
  });
});

describe("the stream filter and the code agree", () => {
  // Evaluates the event-source filter pattern the way Lambda does for these exact-match fields.
  const matches = (pattern: unknown, value: unknown): boolean =>
    Array.isArray(pattern)
      ? pattern.includes(value)
      : Object.entries(pattern as Record<string, unknown>).every(
          ([k, p]) => value !== null && typeof value === "object" && matches(p, (value as Record<string, unknown>)[k]),
        );

  it.each([
    ["a local PENDING insert", streamRecord({ sequenceNumber: "1", image: image(idA) }), true],
    ["a peer insert", streamRecord({ sequenceNumber: "1", image: image(idA, { originRegion: PEER_REGION }) }), false],
    ["a local settle", streamRecord({ eventName: "MODIFY", sequenceNumber: "1", image: image(idA, { status: "SETTLED" }) }), false],
  ])("both route %s the same way", (_case, record, forwarded) => {
    const pattern = JSON.parse(paymentStreamFilterPattern(LOCAL_REGION));

    expect(matches(pattern, record)).toBe(forwarded);
    expect("forward" in routeStreamRecord(record, LOCAL_REGION)).toBe(forwarded);
  });
});
