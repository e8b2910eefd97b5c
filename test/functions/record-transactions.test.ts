/**
 * record-transactions as deployed, in the one simulated AWS (support/simulated-region.ts): the
 * primary's function invoked with the transaction-log queue's events a test writes (the stack's
 * mappings are left out), writing to its region's simulated transaction-log bucket. The whole
 * pipeline, from an acknowledged payment to its last entry, is in process-payment.test.ts.
 */
import type { SQSBatchResponse } from "aws-lambda";
import { newPendingPayment, type Payment, paymentIdFor } from "../../functions/domain/payments";
import { type SimulatedRegion, simulatedAwsForFile } from "./support/simulated-region";

const simulated = simulatedAwsForFile({ eventSources: false });
let sim: SimulatedRegion;
beforeEach(() => {
  sim = simulated.region();
});

function pending(key: string, overrides: Partial<Payment> = {}): Payment {
  return {
    ...newPendingPayment({
      paymentId: paymentIdFor(key),
      request: { amount: 700, currency: "GBP", merchantReference: `m-${key}`, sourceReference: "s-1", description: "not logged" },
      region: sim.region,
      at: "2030-01-01T00:00:00.000Z",
    }),
    ...overrides,
  };
}
const settled = (payment: Payment): Payment => ({
  ...payment,
  status: "SETTLED",
  version: 2,
  settledAt: "2030-01-01T00:00:05.000Z",
  updatedAt: "2030-01-01T00:00:05.000Z",
});
const record = (...bodies: unknown[]) => sim.invoke<SQSBatchResponse>("record-transactions", sim.logQueueEvent(...bodies));
const keysOf = (payment: Payment) => ({
  pending: `transactions/${payment.paymentId}/0001-PENDING.json`,
  settled: `transactions/${payment.paymentId}/0002-SETTLED.json`,
});

describe("record-transactions", () => {
  it("writes a new payment's PENDING entry: the payment's ledger fields, none of its free text", async () => {
    const payment = pending("log-pending-1");

    const result = await record({ payment });

    expect(result).toEqual({ batchItemFailures: [] });
    expect(sim.logKeys()).toEqual([keysOf(payment).pending]);
    expect(sim.logEntry(keysOf(payment).pending)).toEqual({
      paymentId: payment.paymentId,
      version: 1,
      status: "PENDING",
      at: payment.createdAt,
      amount: 700,
      currency: "GBP",
      merchantReference: "m-log-pending-1",
      sourceReference: "s-1",
      originRegion: sim.region,
    });
    expect(sim.s3Puts().map((p) => [p.region, p.input.IfNoneMatch])).toEqual([[sim.region, "*"]]);
  });

  it("writes a settled payment's whole history, PENDING entry first, from the item alone", async () => {
    const payment = settled(pending("log-settled-1"));

    expect(await record({ payment })).toEqual({ batchItemFailures: [] });

    expect(sim.s3Puts().map((p) => p.input.Key)).toEqual([keysOf(payment).pending, keysOf(payment).settled]);
    expect(sim.logEntry(keysOf(payment).settled)).toMatchObject({ version: 2, status: "SETTLED", at: payment.settledAt });
    expect(sim.dynamo()).toEqual([]);
  });

  it("counts an entry already there as written, without a second object: duplicates and out-of-order messages", async () => {
    const payment = pending("log-twice-1");
    // The settle's message overtakes the insert's, then the insert's arrives twice.
    await record({ payment: settled(payment) });
    const result = await record({ payment }, { payment });

    expect(result.batchItemFailures).toEqual([]);
    expect(sim.s3Puts().map((p) => p.outcome)).toEqual(["ok", "ok", "PreconditionFailed", "PreconditionFailed"]);
    expect(sim.logKeys()).toEqual([keysOf(payment).pending, keysOf(payment).settled]);
  });

  it("returns a message whose S3 write failed, and its retry repairs the log", async () => {
    const payment = settled(pending("log-fails-once"));
    sim.fail({ service: "s3", operations: ["PutObject"] }, { name: "SlowDown", httpStatusCode: 503 });

    expect((await record({ payment })).batchItemFailures).toEqual([{ itemIdentifier: "m-1" }]);
    expect((await record({ payment })).batchItemFailures).toEqual([]);

    expect(sim.logKeys()).toEqual([keysOf(payment).pending, keysOf(payment).settled]);
  });

  it("reports only the failed messages of a batch: not JSON, not a payment, another region's payment", async () => {
    const good = pending("log-good-1");
    const foreign = pending("log-foreign-1", { originRegion: sim.peer });

    const result = await record({ payment: good }, "not json", { payment: { paymentId: "pay_bad" } }, { payment: foreign });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "m-2" }, { itemIdentifier: "m-3" }, { itemIdentifier: "m-4" }]);
    expect(sim.logKeys()).toEqual([keysOf(good).pending]);
    // Its metrics: what was written, and what failed (the log-DLQ's depth alarm takes it from there).
    expect(sim.logs()).toContain('"TransactionLogEntriesWritten":1,"TransactionLogFailed":3');
  });

  it.each(["FENCED", "DRAINED"] as const)(
    "writes the log of a payment the table committed, also in a %s region (it writes no payment)",
    async (state) => {
      sim.setRegionState(state);
      const payment = settled(pending(`log-${state}`));

      expect(await record({ payment })).toEqual({ batchItemFailures: [] });
      expect(sim.logKeys()).toEqual([keysOf(payment).pending, keysOf(payment).settled]);
    },
  );
});
