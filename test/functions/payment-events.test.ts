/**
 * payment-events as deployed, in the one simulated AWS (support/simulated-region.ts): the primary's
 * function invoked with the stream records a test writes (the stack's mappings are left out, so the
 * queues keep what they are sent), sending to its region's processing and transaction-log queues.
 * And the stream filters the stack deploys, as Lambda evaluates them, against the routing in the code.
 */
import type { DynamoDBBatchResponse } from "aws-lambda";
import { paymentIdFor } from "../../functions/domain/payments";
import { deploymentFromEvaluation } from "../../sim/deployment/deployment";
import { matchesPattern } from "../../sim/eventbridge/event-pattern";
import { stack } from "../support/stack";
import { streamRecord } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const idA = paymentIdFor("events-key-aaaa");
const idB = paymentIdFor("events-key-bbbb");
const idC = paymentIdFor("events-key-cccc");

const simulated = simulatedAwsForFile({ eventSources: false });
let sim: SimulatedRegion;
beforeEach(() => {
  sim = simulated.region();
});

const image = (paymentId: string, overrides: Record<string, unknown> = {}) => ({
  paymentId,
  status: "PENDING",
  originRegion: sim.region,
  amount: 100,
  version: 1,
  ...overrides,
});
const records = (...r: ReturnType<typeof streamRecord>[]) => sim.invoke<DynamoDBBatchResponse>("payment-events", { Records: r });
const queued = () => sim.queued(sim.queueUrl);
const logged = () => sim.queued(sim.logQueueUrl);
const sends = () => sim.sqs(["SendMessage"]);

describe("payment-events", () => {
  it("enqueues a new PENDING payment accepted in this region for processing, then for the transaction log", async () => {
    const result = await records(streamRecord({ sequenceNumber: "100", image: image(idA) }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(queued()).toEqual([{ paymentId: idA }]);
    expect(logged()).toEqual([{ payment: image(idA) }]);
    expect(sends().map((c) => c.resource)).toEqual([sim.queueUrl, sim.logQueueUrl]);
    expect(sim.sqs().every((c) => c.region === sim.region)).toBe(true);
  });

  it("hands the update that settles a payment to the transaction log, with the item as it now is, and not to processing", async () => {
    const settled = image(idA, { status: "SETTLED", version: 2, settledAt: "2030-01-01T00:00:05.000Z" });

    const result = await records(streamRecord({ eventName: "MODIFY", sequenceNumber: "200", image: settled }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(queued()).toEqual([]);
    expect(logged()).toEqual([{ payment: settled }]);
  });

  it("ignores a stream record of a payment accepted in the other region", async () => {
    const result = await records(streamRecord({ sequenceNumber: "100", image: image(idA, { originRegion: sim.peer }) }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sim.sqs()).toEqual([]);
  });

  it("ignores deletes, updates that leave a payment PENDING, and inserts of payments that are not PENDING", async () => {
    await records(
      streamRecord({ eventName: "MODIFY", sequenceNumber: "1", image: image(idA, { updatedAt: "2030-01-01T00:00:01.000Z" }) }),
      streamRecord({ eventName: "REMOVE", sequenceNumber: "2", image: undefined }),
      streamRecord({ sequenceNumber: "3", image: image(idB, { status: "SETTLED" }) }),
      streamRecord({ eventName: "MODIFY", sequenceNumber: "4", image: image(idC, { status: "SETTLED", originRegion: sim.peer }) }),
    );

    expect(sim.sqs()).toEqual([]);
  });

  it("skips a record without a routable image instead of blocking the shard", async () => {
    const result = await records(
      streamRecord({ sequenceNumber: "1", image: { paymentId: "not-an-id", status: "PENDING", originRegion: sim.region } }),
      streamRecord({ sequenceNumber: "2", image: image(idA) }),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(queued()).toEqual([{ paymentId: idA }]);
  });

  it("skips a record whose image cannot be read as an item (a number beyond the safe integers) instead of blocking the shard", async () => {
    const result = await records(
      streamRecord({ sequenceNumber: "1", image: image(idA, { amount: 2 ** 60 }) }),
      streamRecord({ sequenceNumber: "2", image: image(idB) }),
    );

    expect(result.batchItemFailures).toEqual([]);
    expect(queued()).toEqual([{ paymentId: idB }]);
    expect(logged()).toEqual([{ payment: image(idB) }]);
  });

  it("checkpoints at the first record it could not enqueue and does not go past it", async () => {
    // The first record's two sends go through (its log message held a moment); the next send is throttled.
    const first = sim.hold({ service: "sqs", operations: ["SendMessage"], resource: sim.logQueueUrl }, 1);
    const run = sim.begin<DynamoDBBatchResponse>("payment-events", {
      Records: [
        streamRecord({ sequenceNumber: "100", image: image(idA) }),
        streamRecord({ sequenceNumber: "200", image: image(idB) }),
        streamRecord({ sequenceNumber: "300", image: image(idC) }),
      ],
    });
    await first.reached();
    sim.fail({ service: "sqs", operations: ["SendMessage"] }, { name: "RequestThrottled", message: "throttled" });

    const result = await sim.t.settle(run);

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "200" }] });
    // Lambda retries from 200: 300 is left for that retry rather than sent out of order.
    expect(sends().map((c) => c.outcome)).toEqual(["ok", "ok", "RequestThrottled"]);
    expect(queued()).toEqual([{ paymentId: idA }]);
    expect(logged()).toEqual([{ payment: image(idA) }]);
  });

  it("checkpoints at a record whose log message failed after its processing message went out (the retry sends both again)", async () => {
    const first = sim.hold({ service: "sqs", operations: ["SendMessage"] }, 1);
    const run = sim.begin<DynamoDBBatchResponse>("payment-events", {
      Records: [streamRecord({ sequenceNumber: "100", image: image(idA) })],
    });
    await first.reached();
    sim.fail(
      { service: "sqs", operations: ["SendMessage"], resource: sim.logQueueUrl },
      { name: "RequestThrottled", message: "throttled" },
    );

    expect(await sim.t.settle(run)).toEqual({ batchItemFailures: [{ itemIdentifier: "100" }] });
    expect(queued()).toEqual([{ paymentId: idA }]);
    expect(logged()).toEqual([]);
  });
});

describe("the stream filters and the code agree", () => {
  it.each([
    ["a local PENDING insert", () => streamRecord({ sequenceNumber: "1", image: image(idA) }), true],
    ["a peer insert", () => streamRecord({ sequenceNumber: "1", image: image(idA, { originRegion: sim.peer }) }), false],
    ["a local settle", () => streamRecord({ eventName: "MODIFY", sequenceNumber: "1", image: image(idA, { status: "SETTLED" }) }), true],
    ["a local failure", () => streamRecord({ eventName: "MODIFY", sequenceNumber: "1", image: image(idA, { status: "FAILED" }) }), true],
    [
      "a peer settle",
      () => streamRecord({ eventName: "MODIFY", sequenceNumber: "1", image: image(idA, { status: "SETTLED", originRegion: sim.peer }) }),
      false,
    ],
    ["a local update still PENDING", () => streamRecord({ eventName: "MODIFY", sequenceNumber: "1", image: image(idA) }), false],
    ["a local insert already SETTLED", () => streamRecord({ sequenceNumber: "1", image: image(idA, { status: "SETTLED" }) }), false],
  ])("both route %s the same way", async (_case, record, forwarded) => {
    // The filters as the stack deploys them on the region's mapping (a record passes if any one
    // matches), evaluated as the simulated Lambda evaluates them; the code, as the deployed
    // function runs it (it always logs what it forwards).
    const mapping = deploymentFromEvaluation(await stack()).eventSourceMappings.find(
      (m) => m.region === sim.region && m.kind === "dynamodb-stream" && m.functionArn === sim.spec("payment-events").arn,
    );
    expect(mapping?.filters).toHaveLength(2);

    const passes = mapping?.filters.some((p) => matchesPattern(p as never, record() as never));
    await records(record());

    expect(passes).toBe(forwarded);
    expect(logged().length === 1).toBe(forwarded);
  });
});
