import { BUCKET, CACHE_SECONDS, DLQ_URL, LOCAL_REGION, PEER_REGION, QUEUE_URL, TABLES } from "./support/env";
import { handler } from "../../functions/process-payment";
import { handler as redrive } from "../../functions/redrive-dlq";
import { handler as createPayment } from "../../functions/create-payment";
import { handler as paymentEvents } from "../../functions/payment-events";
import { newPendingPayment, paymentIdFor, type Payment } from "../../functions/domain/payments";
import { installClock, type TestClock } from "./support/clock";
import { lambdaContext, postPayment, streamRecord } from "./support/events";
import { s3Error } from "./support/s3-model";
import { createWorld, type World } from "./support/world";
import type { SQSEvent } from "aws-lambda";

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

function seed(key: string, overrides: Partial<Payment> = {}): Payment {
  const payment: Payment = {
    ...newPendingPayment({
      paymentId: paymentIdFor(key),
      request: { amount: 700, currency: "GBP", merchantReference: `m-${key}`, sourceReference: "s-1" },
      region: LOCAL_REGION,
      at: "2030-01-01T00:00:00.000Z",
    }),
    ...overrides,
  };
  world.dynamo.put(TABLES.payments, payment);
  return payment;
}

const event = (...bodies: unknown[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m-${i + 1}`,
    receiptHandle: `rh-${i + 1}`,
    body: typeof body === "string" ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:processing-us-east-1-test",
    awsRegion: LOCAL_REGION,
  })),
});

const process = (e: SQSEvent) => handler(e, lambdaContext(30_000));
const updates = () => world.dynamo.calls(TABLES.payments, "Update");

describe("process-payment", () => {
  it("moves a PENDING payment to SETTLED at version 2 and writes its PENDING and SETTLED log entries, in that order", async () => {
    const payment = seed("settle-me-1");

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(world.dynamo.get(TABLES.payments, payment.paymentId)).toMatchObject({
      status: "SETTLED",
      version: 2,
      settledAt: new Date(Date.now()).toISOString(),
    });
    expect(world.logKeys()).toEqual([
      `transactions/${payment.paymentId}/0001-PENDING.json`,
      `transactions/${payment.paymentId}/0002-SETTLED.json`,
    ]);
    expect(world.s3.puts.map((p) => p.key)).toEqual(world.logKeys());
    expect(world.s3.object(BUCKET, `transactions/${payment.paymentId}/0001-PENDING.json`)).toEqual({
      paymentId: payment.paymentId,
      version: 1,
      status: "PENDING",
      at: payment.createdAt,
      amount: 700,
      currency: "GBP",
      merchantReference: "m-settle-me-1",
      sourceReference: "s-1",
      originRegion: LOCAL_REGION,
    });
    expect(world.s3.object(BUCKET, `transactions/${payment.paymentId}/0002-SETTLED.json`)).toMatchObject({
      status: "SETTLED",
      version: 2,
      at: new Date(Date.now()).toISOString(),
    });
  });

  it("settles with an update conditional on PENDING and the version it read", async () => {
    const payment = seed("settle-me-2");

    await process(event({ paymentId: payment.paymentId }));

    expect(updates()).toEqual([expect.objectContaining({ condition: "#status = :pending AND #version = :version", outcome: "ok" })]);
  });

  it("treats an already SETTLED payment as success without a second write", async () => {
    const payment = seed("settled-already", { status: "SETTLED", version: 2, settledAt: "2030-01-01T00:00:05.000Z" });
    world.s3.seed(BUCKET, `transactions/${payment.paymentId}/0001-PENDING.json`, {});
    world.s3.seed(BUCKET, `transactions/${payment.paymentId}/0002-SETTLED.json`, {});

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([]);
    expect(updates()).toEqual([]);
    expect(world.s3.puts.map((p) => p.outcome)).toEqual(["precondition-failed", "precondition-failed"]);
  });

  it("writes the whole log of a payment settled by an attempt that never logged, without a second update", async () => {
    // The settle committed, then the invocation (or its region) died before the S3 writes.
    const payment = seed("settled-not-logged", { status: "SETTLED", version: 2, settledAt: "2030-01-01T00:00:05.000Z" });

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([]);
    expect(updates()).toEqual([]);
    expect(world.s3.puts.map((p) => [p.key, p.outcome])).toEqual([
      [`transactions/${payment.paymentId}/0001-PENDING.json`, "written"],
      [`transactions/${payment.paymentId}/0002-SETTLED.json`, "written"],
    ]);
  });

  it("settles a payment delivered twice in one batch exactly once", async () => {
    const payment = seed("duplicate-delivery");

    const result = await process(event({ paymentId: payment.paymentId }, { paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([]);
    expect(updates().map((u) => u.outcome)).toEqual(["ok", "condition-failed"]);
    expect(world.dynamo.get(TABLES.payments, payment.paymentId)).toMatchObject({ status: "SETTLED", version: 2 });
  });

  it("repairs the transaction log on a retry after the S3 write failed, without a second update", async () => {
    const payment = seed("log-fails-once");
    world.s3.fail(() => s3Error("SlowDown", 503));

    expect((await process(event({ paymentId: payment.paymentId }))).batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
    const retry = await process(event({ paymentId: payment.paymentId }));

    expect(retry.batchItemFailures).toEqual([]);
    expect(updates()).toHaveLength(1);
    expect(world.logKeys()).toEqual([
      `transactions/${payment.paymentId}/0001-PENDING.json`,
      `transactions/${payment.paymentId}/0002-SETTLED.json`,
    ]);
  });

  it("reports only the failed messages of a batch", async () => {
    const good = seed("good-one");

    const result = await process(
      event({ paymentId: good.paymentId }, "not json", { paymentId: paymentIdFor("never-stored") }, { paymentId: "pay_bad" }),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-2" }, { itemIdentifier: "m-3" }, { itemIdentifier: "m-4" }]);
    expect(world.dynamo.get(TABLES.payments, good.paymentId)).toMatchObject({ status: "SETTLED" });
  });

  it("fails a message for a payment another region accepted, without writing", async () => {
    const foreign = seed("foreign-payment", { originRegion: PEER_REGION });

    const result = await process(event({ paymentId: foreign.paymentId }));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
    expect(world.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it("settles its own payments in a STANDBY region (after a failback, nobody else will)", async () => {
    const payment = seed("standby-settles");
    world.setRegionState("STANDBY");

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([]);
    expect(world.dynamo.get(TABLES.payments, payment.paymentId)).toMatchObject({ status: "SETTLED", version: 2 });
  });

  it.each(["FENCED", "DRAINED"] as const)("leaves the whole batch for a retry in a %s region and writes nothing", async (state) => {
    const a = seed("guarded-a");
    const b = seed("guarded-b");
    world.setRegionState(state);

    const result = await process(event({ paymentId: a.paymentId }, { paymentId: b.paymentId }));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }, { itemIdentifier: "m-2" }]);
    expect(world.allWrites()).toEqual({ dynamo: [], s3: [] });
    expect(world.dynamo.calls(TABLES.payments)).toEqual([]);
  });

  it("leaves the batch for a retry when the control table cannot be read (fail closed)", async () => {
    const payment = seed("control-down");
    world.dynamo.fail({ table: TABLES.control }, () => Object.assign(new Error("x"), { name: "TimeoutError" }));

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
    expect(world.allWrites()).toEqual({ dynamo: [], s3: [] });
  });
});

describe("the transaction log of an acknowledged payment", () => {
  it("gets its PENDING entry from process-payment: nothing at acknowledgement, the whole history once settled", async () => {
    const accepted = await createPayment(
      postPayment(
        { amount: 1050, currency: "EUR", merchantReference: "order-1001", sourceReference: "tok_visa_4242" },
        "log-after-ack-0001",
      ),
      lambdaContext(),
    );
    expect(accepted.statusCode).toBe(202);
    const { paymentId } = JSON.parse(accepted.body);
    expect(world.logKeys()).toEqual([]);

    // The payments stream delivers the INSERT; payment-events queues it; the queue feeds process-payment.
    const stored = world.dynamo.get(TABLES.payments, paymentId) as Payment;
    await paymentEvents({ Records: [streamRecord({ sequenceNumber: "1", image: { ...stored } })] }, lambdaContext());
    await world.sqs.pollWith(QUEUE_URL, process);

    expect(world.sqs.messages(QUEUE_URL)).toEqual([]);
    expect(world.logKeys()).toEqual([`transactions/${paymentId}/0001-PENDING.json`, `transactions/${paymentId}/0002-SETTLED.json`]);
    expect(world.s3.object(BUCKET, `transactions/${paymentId}/0001-PENDING.json`)).toMatchObject({
      paymentId,
      version: 1,
      status: "PENDING",
      at: stored.createdAt,
      amount: 1050,
      currency: "EUR",
      originRegion: LOCAL_REGION,
    });
  });
});

describe("poison messages, the DLQ and redrive", () => {
  const MAX_RECEIVE_COUNT = 5; // the stack's redrive policy; the SQS model mirrors it
  const VISIBILITY_MS = 180_000;

  it("moves a poison message to the DLQ after N attempts; redrive replays it once and it settles once", async () => {
    const paymentId = paymentIdFor("arrives-late");
    world.sqs.seed(QUEUE_URL, { paymentId }); // its payment is not in the table: every attempt fails

    const attempts: number[] = [];
    for (let poll = 0; poll < MAX_RECEIVE_COUNT + 1; poll++) {
      attempts.push((await world.sqs.pollWith(QUEUE_URL, process)).received);
      clock.advance(VISIBILITY_MS + 1);
    }

    expect(attempts).toEqual([1, 1, 1, 1, 1, 0]);
    expect(world.sqs.messages(QUEUE_URL)).toEqual([]);
    expect(world.sqs.messages(DLQ_URL)).toEqual([expect.objectContaining({ body: JSON.stringify({ paymentId }) })]);

    // The cause is fixed (the payment is there now); an operator redrives.
    seed("arrives-late");
    const redriven = await redrive({}, lambdaContext(60_000));
    expect(redriven).toMatchObject({ received: 1, redriven: 1, sendFailures: 0, deleteFailures: 0 });
    expect(world.sqs.messages(DLQ_URL)).toEqual([]);
    expect(world.sqs.messages(QUEUE_URL)).toHaveLength(1);

    await world.sqs.pollWith(QUEUE_URL, process);
    expect(world.sqs.messages(QUEUE_URL)).toEqual([]);
    expect(world.dynamo.get(TABLES.payments, paymentId)).toMatchObject({ status: "SETTLED", version: 2 });
    expect(updates()).toHaveLength(1);

    // A second redrive finds nothing to move.
    expect(await redrive({}, lambdaContext(60_000))).toMatchObject({ received: 0, redriven: 0, stoppedBecause: "dlq-empty" });
  });

  it("keeps a message in the queue while the region is fenced and settles it once the region is ACTIVE again", async () => {
    const payment = seed("fenced-then-active");
    world.sqs.seed(QUEUE_URL, { paymentId: payment.paymentId });
    world.setRegionState("FENCED");

    await world.sqs.pollWith(QUEUE_URL, process);
    expect(world.sqs.messages(QUEUE_URL)).toEqual([expect.objectContaining({ receiveCount: 1 })]);
    // The log waits with the payment: its PENDING entry is written when it settles.
    expect(world.logKeys()).toEqual([]);

    world.setRegionState("ACTIVE", LOCAL_REGION, 2);
    clock.advance(VISIBILITY_MS + 1);
    await world.sqs.pollWith(QUEUE_URL, process);

    expect(world.sqs.messages(QUEUE_URL)).toEqual([]);
    expect(world.dynamo.get(TABLES.payments, payment.paymentId)).toMatchObject({ status: "SETTLED" });
    expect(world.logKeys()).toEqual([
      `transactions/${payment.paymentId}/0001-PENDING.json`,
      `transactions/${payment.paymentId}/0002-SETTLED.json`,
    ]);
  });
});
