/**
 * The transaction log: one S3 object per state a payment reaches, in the regional bucket
 * (replicated to the other region by S3 CRR). Written by process-payment only, off the
 * acknowledgement path: create-payment answers once the payment item is stored.
 *
 * Keys are deterministic, `transactions/{paymentId}/{version:04d}-{status}.json`, and every entry
 * is derived only from the stored payment item (no write time, no writer region). So any retry,
 * in either region, writes the same key with the same bytes. Writes use `If-None-Match: *`
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html): the log is
 * append-only, and a replay neither duplicates an entry nor adds an object version.
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Payment, PaymentStatus } from "./payments";

export interface TransactionLogEntry {
  paymentId: string;
  version: number;
  status: PaymentStatus;
  /** When the payment entered this state (createdAt for PENDING, settledAt for SETTLED). */
  at: string;
  amount: number;
  currency: string;
  merchantReference: string;
  sourceReference: string;
  originRegion: string;
}

export function transactionLogKey(paymentId: string, version: number, status: PaymentStatus): string {
  return `transactions/${paymentId}/${String(version).padStart(4, "0")}-${status}.json`;
}

function entry(payment: Payment, version: number, status: PaymentStatus, at: string): TransactionLogEntry {
  return {
    paymentId: payment.paymentId,
    version,
    status,
    at,
    amount: payment.amount,
    currency: payment.currency,
    merchantReference: payment.merchantReference,
    sourceReference: payment.sourceReference,
    originRegion: payment.originRegion,
  };
}

/**
 * Every entry the payment's history must have, oldest first. A payment is created at version 1
 * (PENDING) and moves to its final state at its current version. Writing the whole history (not
 * just the newest entry) is how the PENDING entry gets written at all (nothing writes it at
 * acceptance), and it repairs a log an earlier attempt left incomplete.
 */
export function historyOf(payment: Payment): TransactionLogEntry[] {
  const created = entry(payment, 1, "PENDING", payment.createdAt);
  if (payment.status === "PENDING") return [created];
  return [created, entry(payment, payment.version, payment.status, payment.settledAt ?? payment.updatedAt)];
}

export type AppendOutcome = "written" | "already-present";

export class TransactionLog {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async append(logEntry: TransactionLogEntry): Promise<AppendOutcome> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: transactionLogKey(logEntry.paymentId, logEntry.version, logEntry.status),
          Body: JSON.stringify(logEntry),
          ContentType: "application/json",
          IfNoneMatch: "*",
        }),
      );
      return "written";
    } catch (error) {
      // 412: the entry exists (an earlier attempt, or S3 replication from the other region).
      // A 409 ConditionalRequestConflict (a concurrent write of the same key) is rethrown: AWS
      // says retry it, and the caller's retry path does.
      if (httpStatus(error) === 412 || (error as Error | undefined)?.name === "PreconditionFailed") return "already-present";
      throw error;
    }
  }

  /** Appends every entry of {@link historyOf} that is not there yet, oldest first. */
  async appendHistory(payment: Payment): Promise<AppendOutcome[]> {
    const outcomes: AppendOutcome[] = [];
    for (const logEntry of historyOf(payment)) outcomes.push(await this.append(logEntry));
    return outcomes;
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
