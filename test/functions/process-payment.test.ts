/**
 * process-payment as deployed, in the one simulated AWS (support/simulated-region.ts): invoked in
 * the primary region with the SQS events a test writes, or fed by the stack's own pipeline — the
 * payments stream's mapping to payment-events, the processing queue's mapping to process-payment
 * (partial batch responses, visibility timeout, the redrive policy's maxReceiveCount and its DLQ)
 * and redrive-dlq. The transaction log lands in the region's simulated S3 bucket.
 */
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { ApiResult } from "../../functions/domain/http";
import { newPendingPayment, type Payment, paymentIdFor } from "../../functions/domain/payments";
import { postPayment } from "./support/events";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const simulated = simulatedAwsForFile();
let sim: SimulatedRegion;
beforeEach(() => {
  sim = simulated.region();
});

function seed(key: string, overrides: Partial<Payment> = {}): Payment {
  const payment: Payment = {
    ...newPendingPayment({
      paymentId: paymentIdFor(key),
      request: { amount: 700, currency: "GBP", merchantReference: `m-${key}`, sourceReference: "s-1" },
      region: sim.region,
      at: "2030-01-01T00:00:00.000Z",
    }),
    ...overrides,
  };
  sim.seed("payments", payment);
  return payment;
}

const event = (...bodies: unknown[]): SQSEvent => sim.queueEvent(...bodies);
const process = (e: SQSEvent) => sim.invoke<SQSBatchResponse>("process-payment", e);
const updates = () => sim.dynamo("payments", ["UpdateItem"]);
const paymentItem = (paymentId: string) => sim.item("payments", { paymentId });
const queued = (url: string) => sim.t.world.sqs.messages(url);

describe("process-payment", () => {
  it("moves a PENDING payment to SETTLED at version 2 and writes its PENDING and SETTLED log entries, in that order", async () => {
    const payment = seed("settle-me-1");
    // With zero latency virtual time stands still while the function runs: it settles at this instant.
    const now = new Date(sim.t.now()).toISOString();

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(paymentItem(payment.paymentId)).toMatchObject({
      status: "SETTLED",
      version: 2,
      settledAt: now,
    });
    expect(sim.logKeys()).toEqual([
      `transactions/${payment.paymentId}/0001-PENDING.json`,
      `transactions/${payment.paymentId}/0002-SETTLED.json`,
    ]);
    expect(sim.s3Puts().map((p) => p.input.Key)).toEqual(sim.logKeys());
    expect(sim.logEntry(`transactions/${payment.paymentId}/0001-PENDING.json`)).toEqual({
      paymentId: payment.paymentId,
      version: 1,
      status: "PENDING",
      at: payment.createdAt,
      amount: 700,
      currency: "GBP",
      merchantReference: "m-settle-me-1",
      sourceReference: "s-1",
      originRegion: sim.region,
    });
    expect(sim.logEntry(`transactions/${payment.paymentId}/0002-SETTLED.json`)).toMatchObject({
      status: "SETTLED",
      version: 2,
      at: now,
    });
  });

  it("settles with an update conditional on PENDING and the version it read", async () => {
    const payment = seed("settle-me-2");

    await process(event({ paymentId: payment.paymentId }));

    expect(updates()).toEqual([
      expect.objectContaining({
        input: expect.objectContaining({ ConditionExpression: "#status = :pending AND #version = :version" }),
        outcome: "ok",
      }),
    ]);
  });

  it("treats an already SETTLED payment as success without a second write", async () => {
    const payment = seed("settled-already", { status: "SETTLED", version: 2, settledAt: "2030-01-01T00:00:05.000Z" });
    sim.seedLogEntry(`transactions/${payment.paymentId}/0001-PENDING.json`, {});
    sim.seedLogEntry(`transactions/${payment.paymentId}/0002-SETTLED.json`, {});

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([]);
    expect(updates()).toEqual([]);
    expect(sim.s3Puts().map((p) => p.outcome)).toEqual(["PreconditionFailed", "PreconditionFailed"]);
  });

  it("writes the whole log of a payment settled by an attempt that never logged, without a second update", async () => {
    // The settle committed, then the invocation (or its region) died before the S3 writes.
    const payment = seed("settled-not-logged", { status: "SETTLED", version: 2, settledAt: "2030-01-01T00:00:05.000Z" });

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([]);
    expect(updates()).toEqual([]);
    expect(sim.s3Puts().map((p) => [p.input.Key, p.outcome])).toEqual([
      [`transactions/${payment.paymentId}/0001-PENDING.json`, "ok"],
      [`transactions/${payment.paymentId}/0002-SETTLED.json`, "ok"],
    ]);
  });

  it("settles a payment delivered twice in one batch exactly once", async () => {
    const payment = seed("duplicate-delivery");

    const result = await process(event({ paymentId: payment.paymentId }, { paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([]);
    expect(updates().map((u) => u.outcome)).toEqual(["ok", "ConditionalCheckFailedException"]);
    expect(paymentItem(payment.paymentId)).toMatchObject({ status: "SETTLED", version: 2 });
  });

  it("repairs the transaction log on a retry after the S3 write failed, without a second update", async () => {
    const payment = seed("log-fails-once");
    sim.fail({ service: "s3", operations: ["PutObject"] }, { name: "SlowDown", httpStatusCode: 503 });

    expect((await process(event({ paymentId: payment.paymentId }))).batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
    const retry = await process(event({ paymentId: payment.paymentId }));

    expect(retry.batchItemFailures).toEqual([]);
    expect(updates()).toHaveLength(1);
    expect(sim.logKeys()).toEqual([
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
    expect(paymentItem(good.paymentId)).toMatchObject({ status: "SETTLED" });
  });

  it("fails a message for a payment another region accepted, without writing", async () => {
    const foreign = seed("foreign-payment", { originRegion: sim.peer });

    const result = await process(event({ paymentId: foreign.paymentId }));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
    expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it("settles its own payments in a STANDBY region (after a failback, nobody else will)", async () => {
    const payment = seed("standby-settles");
    sim.setRegionState("STANDBY");

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([]);
    expect(paymentItem(payment.paymentId)).toMatchObject({ status: "SETTLED", version: 2 });
  });

  it.each(["FENCED", "DRAINED"] as const)("leaves the whole batch for a retry in a %s region and writes nothing", async (state) => {
    const a = seed("guarded-a");
    const b = seed("guarded-b");
    sim.setRegionState(state);

    const result = await process(event({ paymentId: a.paymentId }, { paymentId: b.paymentId }));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }, { itemIdentifier: "m-2" }]);
    expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
    expect(sim.dynamo("payments")).toEqual([]);
  });

  it("leaves the batch for a retry when the control table cannot be read (fail closed)", async () => {
    const payment = seed("control-down");
    sim.fail({ service: "dynamodb", resource: sim.tables.control }, { name: "TimeoutError", message: "x" });

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
    expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
  });
});

describe("the transaction log of an acknowledged payment", () => {
  it("gets its PENDING entry from process-payment: nothing at acknowledgement, the whole history once settled", async () => {
    const accepted = await sim.invoke<ApiResult>(
      "create-payment",
      postPayment(
        { amount: 1050, currency: "EUR", merchantReference: "order-1001", sourceReference: "tok_visa_4242" },
        "log-after-ack-0001",
      ),
    );
    expect(accepted.statusCode).toBe(202);
    const { paymentId } = JSON.parse(accepted.body);
    expect(sim.logKeys()).toEqual([]);

    // The payments stream delivers the INSERT; payment-events queues it; the queue feeds process-payment.
    const stored = paymentItem(paymentId) as Payment;
    await sim.t.advance(5_000);

    expect(sim.calls({ service: "sqs", operations: ["SendMessage"] }).map((c) => [c.caller, c.resource])).toEqual([
      [sim.spec("payment-events").name, sim.queueUrl],
    ]);
    expect(queued(sim.queueUrl)).toEqual([]);
    expect(sim.s3Puts().every((p) => p.caller === sim.spec("process-payment").name)).toBe(true);
    expect(sim.logKeys()).toEqual([`transactions/${paymentId}/0001-PENDING.json`, `transactions/${paymentId}/0002-SETTLED.json`]);
    expect(sim.logEntry(`transactions/${paymentId}/0001-PENDING.json`)).toMatchObject({
      paymentId,
      version: 1,
      status: "PENDING",
      at: stored.createdAt,
      amount: 1050,
      currency: "EUR",
      originRegion: sim.region,
    });
  });
});

describe("poison messages, the DLQ and redrive", () => {
  const MAX_RECEIVE_COUNT = 5; // the stack's redrive policy, as deployed on the simulated queue
  const VISIBILITY_MS = 180_000;
  /** Invocations of process-payment so far (by the queue's event-source mapping). */
  const processed = () => sim.t.world.runtime.stats.get(sim.spec("process-payment").arn)?.invocations ?? 0;
  /** A message on the processing queue, as payment-events sends it. */
  const enqueue = (paymentId: string) => sim.t.world.sqs.send(sim.queueUrl, JSON.stringify({ paymentId }));

  it("moves a poison message to the DLQ after N attempts; redrive replays it once and it settles once", async () => {
    expect(sim.t.world.sqs.queue(sim.queueUrl).redrive?.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
    const paymentId = paymentIdFor("arrives-late");
    enqueue(paymentId); // its payment is not in the table: every attempt fails

    // One visibility timeout after another: the mapping receives it once in each, until SQS moves it.
    const attempts: number[] = [];
    for (let window = 0; window < MAX_RECEIVE_COUNT + 1; window++) {
      const before = processed();
      await sim.t.advance(VISIBILITY_MS + 1);
      attempts.push(processed() - before);
    }

    expect(attempts).toEqual([1, 1, 1, 1, 1, 0]);
    expect(queued(sim.queueUrl)).toEqual([]);
    expect(queued(sim.dlqUrl)).toEqual([expect.objectContaining({ body: JSON.stringify({ paymentId }) })]);

    // The cause is fixed (the payment is there now); an operator redrives.
    seed("arrives-late");
    const redriven = await sim.invoke("redrive-dlq", {});
    expect(redriven).toMatchObject({ received: 1, redriven: 1, sendFailures: 0, deleteFailures: 0 });
    expect(queued(sim.dlqUrl)).toEqual([]);
    // Back on the processing queue (its mapping polls 20 ms after a send: not yet).
    expect(queued(sim.queueUrl)).toHaveLength(1);

    await sim.t.advance(1000);
    expect(queued(sim.queueUrl)).toEqual([]);
    expect(paymentItem(paymentId)).toMatchObject({ status: "SETTLED", version: 2 });
    expect(updates()).toHaveLength(1);

    // A second redrive finds nothing to move.
    expect(await sim.invoke("redrive-dlq", {})).toMatchObject({ received: 0, redriven: 0, stoppedBecause: "dlq-empty" });
  });

  it("keeps a message in the queue while the region is fenced and settles it once the region is ACTIVE again", async () => {
    const payment = seed("fenced-then-active");
    enqueue(payment.paymentId);
    sim.setRegionState("FENCED");

    await sim.t.advance(1000);
    expect(processed()).toBe(1);
    expect(queued(sim.queueUrl)).toEqual([expect.objectContaining({ receiveCount: 1 })]);
    // The log waits with the payment: its PENDING entry is written when it settles.
    expect(sim.logKeys()).toEqual([]);

    sim.setRegionState("ACTIVE", sim.region, 2);
    await sim.t.advance(VISIBILITY_MS + 1);

    expect(queued(sim.queueUrl)).toEqual([]);
    expect(paymentItem(payment.paymentId)).toMatchObject({ status: "SETTLED" });
    expect(sim.logKeys()).toEqual([
      `transactions/${payment.paymentId}/0001-PENDING.json`,
      `transactions/${payment.paymentId}/0002-SETTLED.json`,
    ]);
  });
});
