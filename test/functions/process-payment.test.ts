/**
 * process-payment as deployed, in the one simulated AWS (support/simulated-region.ts): invoked in
 * the primary region with the SQS events a test writes, or fed by the stack's own pipeline — the
 * payments stream's mapping to payment-events, the processing queue's mapping to process-payment
 * (partial batch responses, visibility timeout, the redrive policy's maxReceiveCount and its DLQ)
 * and redrive-dlq. process-payment writes no transaction log: the pipeline's record-transactions
 * does (test/functions/record-transactions.test.ts), and the pipeline test below follows a payment
 * from acknowledgement to its last log entry.
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
  it("moves a PENDING payment to SETTLED at version 2, writing nothing to S3", async () => {
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
    expect(sim.s3Puts()).toEqual([]);
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

    const result = await process(event({ paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([]);
    expect(updates()).toEqual([]);
    expect(sim.allWrites()).toEqual({ dynamo: [], s3: [] });
  });

  it("settles a payment delivered twice in one batch exactly once", async () => {
    const payment = seed("duplicate-delivery");

    const result = await process(event({ paymentId: payment.paymentId }, { paymentId: payment.paymentId }));

    expect(result.batchItemFailures).toEqual([]);
    expect(updates().map((u) => u.outcome)).toEqual(["ok", "ConditionalCheckFailedException"]);
    expect(paymentItem(payment.paymentId)).toMatchObject({ status: "SETTLED", version: 2 });
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
  it("is written by record-transactions from the stream: nothing at acknowledgement, then each state the table committed", async () => {
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

    // The payments stream delivers the INSERT; payment-events queues it for processing and for the
    // log; process-payment settles it; the stream delivers that update; payment-events queues it
    // for the log; record-transactions writes each entry.
    const stored = paymentItem(paymentId) as Payment;
    await sim.t.advance(5_000);

    const events = sim.spec("payment-events").name;
    expect(sim.calls({ service: "sqs", operations: ["SendMessage"] }).map((c) => [c.caller, c.resource])).toEqual([
      [events, sim.queueUrl],
      [events, sim.logQueueUrl],
      [events, sim.logQueueUrl],
    ]);
    expect(queued(sim.queueUrl)).toEqual([]);
    expect(queued(sim.logQueueUrl)).toEqual([]);
    expect(sim.s3Puts().every((p) => p.caller === sim.spec("record-transactions").name)).toBe(true);
    expect(sim.logKeys()).toEqual([`transactions/${paymentId}/0001-PENDING.json`, `transactions/${paymentId}/0002-SETTLED.json`]);
    const settled = paymentItem(paymentId) as Payment;
    expect(sim.logEntry(`transactions/${paymentId}/0002-SETTLED.json`)).toMatchObject({
      version: 2,
      status: "SETTLED",
      at: settled.settledAt,
    });
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

  it("settles while the region's S3 refuses every write, and the log catches up once S3 is back", async () => {
    // S3 refuses every write in this region: the settlement goes on, and the log messages wait in
    // their own queue, retried after each visibility timeout, until S3 is back.
    const stopS3 = sim.fault({ action: "api-error", service: "s3", region: sim.region, error: "unavailable" });
    const accepted = await sim.invoke<ApiResult>(
      "create-payment",
      postPayment({ amount: 990, currency: "EUR", merchantReference: "order-s3-down", sourceReference: "tok" }, "log-s3-down-0001"),
    );
    const { paymentId } = JSON.parse(accepted.body);

    await sim.t.advance(10_000);
    expect(paymentItem(paymentId)).toMatchObject({ status: "SETTLED", version: 2 });
    expect(sim.logKeys()).toEqual([]);
    expect(sim.s3Puts().length).toBeGreaterThan(0);

    stopS3();
    // The failed log messages come back after the queue's visibility timeout (6 × 30 s).
    await sim.t.advance(200_000);
    expect(sim.logKeys()).toEqual([`transactions/${paymentId}/0001-PENDING.json`, `transactions/${paymentId}/0002-SETTLED.json`]);
    expect(queued(sim.logQueueUrl)).toEqual([]);
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
    // Seeded straight into the table, the payment never reached the stream as an INSERT: its log
    // entries, both of them, come from the update that settles it.
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
