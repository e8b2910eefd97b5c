/**
 * Processing queue → PENDING becomes SETTLED, in the region that accepted the payment.
 *
 * Idempotent per message: the update is conditional on PENDING and the version read, and a payment
 * already SETTLED is a success without a second write. The transaction log is not written here:
 * the settle's update reaches the payments stream, and `payment-events` hands it to
 * `record-transactions`, the log's only writer (docs/architecture.md, "Payment path").
 * Partial batch response: each failed message is returned in
 * `batchItemFailures` and only it is retried; after the queue's maxReceiveCount (5, set by the
 * stack) receives SQS moves it to the DLQ, from where `redrive-dlq` brings it back.
 *
 * Write guard (`settlementDecision`): a region settles the payments it accepted while it may
 * serve — ACTIVE, or STANDBY after a failback (only the origin region writes a payment's later
 * states, so that cannot conflict with the active region). While it is FENCED or DRAINED (or its
 * state cannot be read) every message of the batch is returned as failed and stays in this
 * region's queue: the payment belongs to this region (another region must not settle it, and
 * reaching across regions is off the table). A fence that outlasts maxReceiveCount × the
 * visibility timeout parks the messages in the DLQ; the operator redrives them once the region
 * may serve again. Dropping them instead would lose payments, so we accept the DLQ detour.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { ControlReader } from "../../lib/control-reader";
import { RegionStateCache } from "../../lib/region-state-cache";
import { DOCUMENT_CLIENT_OPTIONS, WORKER_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import { intEnv } from "../../lib/env";
import { handlerEnv } from "../../lib/handlers";
import { createObservability, MetricUnit, withInvocation } from "../../lib/observability";
import { parseMessageBody, workOnEach } from "../domain/message-batch";
import { PaymentStore } from "../domain/payment-store";
import { processingMessageSchema } from "../domain/payments";
import { settlementDecision } from "../../lib/control-schema";
import { checkWriteGuard } from "../domain/write-guard";

const env = handlerEnv("process-payment");
const region = env.LOCAL_REGION;
const cacheMs = intEnv("REGION_STATE_CACHE_SECONDS", 5) * 1000;

const obs = createObservability({ service: "process-payment", namespace: env.METRIC_NAMESPACE, environment: env.ENVIRONMENT, region });
const { logger, metrics } = obs;

const dynamo = obs.tracer.captureAWSv3Client(awsClient(DynamoDBClient, region, WORKER_CALL_TUNING));
const doc = DynamoDBDocumentClient.from(dynamo, DOCUMENT_CLIENT_OPTIONS);
const payments = new PaymentStore(doc, env.PAYMENTS_TABLE);
const regionState = new RegionStateCache(new ControlReader(doc, env.CONTROL_TABLE, () => Date.now()), region, cacheMs, () => Date.now());

export class InvalidProcessingMessageError extends Error {
  constructor(detail: string) {
    super(`Processing message is invalid: ${detail}`);
    this.name = "InvalidProcessingMessageError";
  }
}

export class PaymentNotFoundError extends Error {
  constructor(readonly paymentId: string) {
    super(`Payment ${paymentId} is not in the local payments table`);
    this.name = "PaymentNotFoundError";
  }
}

/** The payment was accepted elsewhere; only its origin region may settle it. */
export class ForeignPaymentError extends Error {
  constructor(
    readonly paymentId: string,
    readonly originRegion: string,
  ) {
    super(`Payment ${paymentId} belongs to ${originRegion}, not ${region}`);
    this.name = "ForeignPaymentError";
  }
}

export class SettlementConflictError extends Error {
  constructor(readonly paymentId: string) {
    super(`Payment ${paymentId} changed while it was being settled and is neither PENDING nor SETTLED`);
    this.name = "SettlementConflictError";
  }
}

const OWN_ERRORS = new Set([
  "InvalidProcessingMessageError",
  "PaymentNotFoundError",
  "ForeignPaymentError",
  "SettlementConflictError",
  "PaymentRecordInvalidError",
]);

function parseMessage(record: SQSRecord): string {
  return parseMessageBody(record, processingMessageSchema, (detail) => new InvalidProcessingMessageError(detail)).paymentId;
}

type Outcome = "settled" | "already-settled" | "final";

async function settle(paymentId: string): Promise<Outcome> {
  const payment = await payments.get(paymentId, { consistentRead: true });
  if (!payment) throw new PaymentNotFoundError(paymentId);
  if (payment.originRegion !== region) throw new ForeignPaymentError(paymentId, payment.originRegion);

  if (payment.status === "PENDING") {
    if (await payments.settle(payment, new Date(Date.now()).toISOString())) return "settled";
    // Lost the conditional update: a duplicate delivery settled it first, or it changed.
    const now = await payments.get(paymentId, { consistentRead: true });
    if (now?.status !== "SETTLED") throw new SettlementConflictError(paymentId);
    return "already-settled";
  }
  return payment.status === "SETTLED" ? "already-settled" : "final";
}

export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  return withInvocation(obs, context, async () => {
    const guard = await checkWriteGuard(regionState, region, settlementDecision);
    if (!guard.allowed) {
      logger.warn("write guard refused processing; leaving the batch for a retry", {
        reason: guard.reason,
        detail: guard.detail,
        messages: event.Records.length,
      });
      metrics.addMetric("ProcessingDeferred", MetricUnit.Count, event.Records.length);
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    }

    const { done, batchItemFailures } = await workOnEach(event.Records, async (record) => settle(parseMessage(record)), {
      logger,
      failure: "payment processing failed; the message will be retried",
      ownErrors: OWN_ERRORS,
    });
    for (const outcome of done) if (outcome === "settled") metrics.addMetric("PaymentSettled", MetricUnit.Count, 1);
    if (batchItemFailures.length > 0) metrics.addMetric("PaymentProcessingFailed", MetricUnit.Count, batchItemFailures.length);
    return { batchItemFailures };
  });
}
