/**
 * Transaction-log queue → the transaction log (S3), in the region that accepted the payment.
 *
 * `payment-events` puts a message here for every state a payment of this region reaches: its
 * INSERT (PENDING) and the update that settles it (or fails it), each carrying the payment item as
 * the stream delivered it. This function is the log's only writer. Each message writes the
 * payment's whole history as of that item ({@link historyOf}: the PENDING entry, then the entry of
 * the state it reached), with deterministic keys and `If-None-Match`: messages may arrive twice or
 * out of order, and an entry already there is success, never a second object.
 *
 * Why a function of its own (docs/architecture.md, "Payment path"): the log is derived from what
 * the table committed, so it needs no read of the table and no write guard. A fenced region still
 * logs the payments it accepted; what it may not do is write payments, and this writes none. And
 * the S3 client stays out of `process-payment`, whose job is the settlement alone.
 *
 * Partial batch response: each failed message is returned in `batchItemFailures` and only it is
 * retried; after the queue's maxReceiveCount receives SQS moves it to the transaction-log DLQ,
 * whose depth alarms, and from where SQS's own redrive brings it back (docs/runbooks.md).
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { WORKER_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import { handlerEnv } from "../../lib/handlers";
import { createObservability, MetricUnit, withInvocation } from "../../lib/observability";
import { parseMessageBody, workOnEach } from "../domain/message-batch";
import { type Payment, transactionLogMessageSchema } from "../domain/payments";
import { TransactionLog } from "../domain/transaction-log";

const env = handlerEnv("record-transactions");
const region = env.LOCAL_REGION;

const obs = createObservability({ service: "record-transactions", namespace: env.METRIC_NAMESPACE, environment: env.ENVIRONMENT, region });
const { logger, metrics } = obs;
const s3 = obs.tracer.captureAWSv3Client(awsClient(S3Client, region, WORKER_CALL_TUNING));
const transactionLog = new TransactionLog(s3, env.TRANSACTION_BUCKET);

export class InvalidTransactionLogMessageError extends Error {
  constructor(detail: string) {
    super(`Transaction-log message is invalid: ${detail}`);
    this.name = "InvalidTransactionLogMessageError";
  }
}

/** The payment was accepted elsewhere: its log is written by its origin region (and replicated here by S3). */
export class ForeignPaymentLogError extends Error {
  constructor(
    readonly paymentId: string,
    readonly originRegion: string,
  ) {
    super(`Payment ${paymentId} belongs to ${originRegion}, not ${region}: its origin region writes its log`);
    this.name = "ForeignPaymentLogError";
  }
}

const OWN_ERRORS = new Set(["InvalidTransactionLogMessageError", "ForeignPaymentLogError"]);

function parseMessage(record: SQSRecord): Payment {
  const { payment } = parseMessageBody(record, transactionLogMessageSchema, (detail) => new InvalidTransactionLogMessageError(detail));
  if (payment.originRegion !== region) throw new ForeignPaymentLogError(payment.paymentId, payment.originRegion);
  return payment;
}

export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  return withInvocation(obs, context, async () => {
    const { done, batchItemFailures } = await workOnEach(
      event.Records,
      async (record) => transactionLog.appendHistory(parseMessage(record)),
      {
        logger,
        failure: "transaction-log entry not written; the message will be retried",
        ownErrors: OWN_ERRORS,
      },
    );
    const written = done.flat().filter((outcome) => outcome === "written").length;
    if (written > 0) metrics.addMetric("TransactionLogEntriesWritten", MetricUnit.Count, written);
    if (batchItemFailures.length > 0) metrics.addMetric("TransactionLogFailed", MetricUnit.Count, batchItemFailures.length);
    return { batchItemFailures };
  });
}
