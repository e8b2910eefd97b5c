/**
 * The payments table (a global table; every call goes to the local replica). Writes are
 * conditional so that retries, replays and duplicate deliveries are no-ops instead of second writes.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { paymentSchema, type Payment } from "./payments";
import { describeIssues, formatProblems } from "../../lib/validation";

/** A key no payment can have (ids match PAYMENT_ID_PATTERN): reading it proves the table answers. */
export const HEALTH_PROBE_KEY = "health#probe";

export class PaymentRecordInvalidError extends Error {
  constructor(paymentId: string, detail: string) {
    super(`Payment item ${paymentId} does not match its schema: ${detail}`);
    this.name = "PaymentRecordInvalidError";
  }
}

/** A conditional write lost and the item it lost to is gone: nothing sensible to do but retry. */
export class PaymentVanishedError extends Error {
  constructor(readonly paymentId: string) {
    super(`Payment ${paymentId} failed a conditional write but could not be read back`);
    this.name = "PaymentVanishedError";
  }
}

/**
 * A payment write that could not be sent, or not answered, before its deadline (the admitting
 * authority read's lifetime plus PAYMENT_WRITE_GRACE_MS, lib/control-schema.ts): the SDK call was
 * not sent or was aborted, nothing is acknowledged, and the client retries. An aborted request may
 * still apply; the settle of a planned move assumes it does so within SENT_WRITE_APPLY_BOUND_MS.
 */
export class PaymentWriteDeadlineError extends Error {
  constructor(
    readonly paymentId: string,
    readonly sent: boolean,
    detail?: string,
  ) {
    super(
      detail
        ? `Payment ${paymentId}: ${detail}`
        : sent
          ? `Payment ${paymentId}: the write got no answer before the deadline of the authority read that admitted it; aborted`
          : `Payment ${paymentId}: the authority read that admitted it is too old to send the write`,
    );
    this.name = "PaymentWriteDeadlineError";
  }
}

export type PutPendingOutcome = { created: true; payment: Payment } | { created: false; payment: Payment };

export class PaymentStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(paymentId: string, options: { consistentRead?: boolean } = {}): Promise<Payment | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { paymentId }, ConsistentRead: options.consistentRead }),
    );
    if (!out.Item) return undefined;
    const parsed = paymentSchema.safeParse(out.Item);
    if (!parsed.success) throw new PaymentRecordInvalidError(paymentId, formatProblems(describeIssues(parsed.error.issues)));
    return parsed.data;
  }

  /** A cheap data-plane read of the local replica (eventually consistent, 0.5 RCU). */
  async probe(): Promise<void> {
    await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { paymentId: HEALTH_PROBE_KEY } }));
  }

  /**
   * Creates the payment unless an item with its id exists. When one does, returns it (read
   * strongly consistent from the local replica) so the caller can tell a retry of the same
   * request from a conflicting one; the existing item is never overwritten.
   */
  async putPending(payment: Payment, options: { sendBy?: number } = {}): Promise<PutPendingOutcome> {
    try {
      await this.sendBefore(
        payment.paymentId,
        new PutCommand({
          TableName: this.tableName,
          Item: payment,
          ConditionExpression: "attribute_not_exists(paymentId)",
        }),
        options.sendBy,
      );
      return { created: true, payment };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(payment.paymentId, { consistentRead: true });
      if (!existing) throw new PaymentVanishedError(payment.paymentId);
      return { created: false, payment: existing };
    }
  }

  /**
   * Sends `command` only before `sendBy` (epoch ms; no deadline when absent), and aborts the call —
   * the attempt in flight and any retry the SDK would make — at that instant. The abort is raced
   * here as well as signalled, so the caller learns of it at the deadline whatever the transport does.
   */
  private async sendBefore(paymentId: string, command: PutCommand, sendBy: number | undefined): Promise<void> {
    if (sendBy === undefined) {
      await this.doc.send(command);
      return;
    }
    const left = sendBy - Date.now();
    if (left <= 0) throw new PaymentWriteDeadlineError(paymentId, false);
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new PaymentWriteDeadlineError(paymentId, true));
      }, left);
    });
    const sent = this.doc.send(command, { abortSignal: abort.signal });
    // The call's own failure after the deadline is not news: the deadline error is what the caller sees.
    sent.catch(() => {});
    try {
      await Promise.race([sent, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * PENDING → SETTLED, conditional on the state and version read before deciding. Returns the
   * item as stored afterwards, or `undefined` when the condition failed (someone else moved it).
   */
  async settle(payment: Payment, at: string): Promise<Payment | undefined> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { paymentId: payment.paymentId },
          ConditionExpression: "#status = :pending AND #version = :version",
          UpdateExpression: "SET #status = :settled, #version = :next, updatedAt = :at, settledAt = :at",
          ExpressionAttributeNames: { "#status": "status", "#version": "version" },
          ExpressionAttributeValues: {
            ":pending": "PENDING",
            ":settled": "SETTLED",
            ":version": payment.version,
            ":next": payment.version + 1,
            ":at": at,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      const parsed = paymentSchema.safeParse(out.Attributes);
      if (!parsed.success) {
        throw new PaymentRecordInvalidError(payment.paymentId, formatProblems(describeIssues(parsed.error.issues)));
      }
      return parsed.data;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
