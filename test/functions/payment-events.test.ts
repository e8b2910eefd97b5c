/**
 * payment-events as deployed, in the one simulated AWS (support/simulated-region.ts): the primary's
 * function invoked with the stream records a test writes (the stack's mappings are left out, so the
 * processing queue keeps what it is sent), sending to its region's processing queue. And the
 * stream filter the stack deploys, as Lambda evaluates it, against the routing in the code.
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
const sends = () => sim.sqs(["SendMessage"]);

describe("payment-events", () => {
  it("enqueues a new PENDING payment accepted in this region", async () => {
    const result = await records(streamRecord({ sequenceNumber: "100", image: image(idA) }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(queued()).toEqual([{ paymentId: idA }]);
    expect(sim.sqs().every((c) => c.region === sim.region)).toBe(true);
  });

  it("ignores a stream record of a payment accepted in the other region", async () => {
    const result = await records(streamRecord({ sequenceNumber: "100", image: image(idA, { originRegion: sim.peer }) }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sim.sqs()).toEqual([]);
  });

  it("ignores updates, deletes and payments that are no longer PENDING", async () => {
    await records(
      streamRecord({ eventName: "MODIFY", sequenceNumber: "1", image: image(idA, { status: "SETTLED", version: 2 }) }),
      streamRecord({ eventName: "REMOVE", sequenceNumber: "2", image: undefined }),
      streamRecord({ sequenceNumber: "3", image: image(idB, { status: "SETTLED" }) }),
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

  it("checkpoints at the first record it could not enqueue and does not go past it", async () => {
    // The first send goes through (held a moment); the one after it is throttled.
    const first = sim.hold({ service: "sqs", operations: ["SendMessage"] }, 1);
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
    expect(sends()).toHaveLength(2);
    expect(sends().map((c) => c.outcome)).toEqual(["ok", "RequestThrottled"]);
    expect(queued()).toEqual([{ paymentId: idA }]);
  });
});

describe("the stream filter and the code agree", () => {
  it.each([
    ["a local PENDING insert", () => streamRecord({ sequenceNumber: "1", image: image(idA) }), true],
    ["a peer insert", () => streamRecord({ sequenceNumber: "1", image: image(idA, { originRegion: sim.peer }) }), false],
    ["a local settle", () => streamRecord({ eventName: "MODIFY", sequenceNumber: "1", image: image(idA, { status: "SETTLED" }) }), false],
  ])("both route %s the same way", async (_case, record, forwarded) => {
    // The filter as the stack deploys it on the region's mapping, evaluated as the simulated Lambda
    // evaluates it; the code, as the deployed function runs it (it enqueues what it forwards).
    const mapping = deploymentFromEvaluation(await stack()).eventSourceMappings.find(
      (m) => m.region === sim.region && m.kind === "dynamodb-stream" && m.functionArn === sim.spec("payment-events").arn,
    );
    expect(mapping?.filters).toHaveLength(1);

    const passes = mapping?.filters.some((p) => matchesPattern(p as never, record() as never));
    await records(record());

    expect(passes).toBe(forwarded);
    expect(queued().length === 1).toBe(forwarded);
  });
});
