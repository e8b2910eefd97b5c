/**
 * Payments stream → this region's queues, for payments accepted in THIS region only.
 *
 * - The INSERT of a PENDING payment goes to the processing queue (`process-payment` settles it)
 *   and to the transaction-log queue (`record-transactions` writes its PENDING entry).
 * - The update that moves a payment out of PENDING (SETTLED, FAILED) goes to the transaction-log
 *   queue, carrying the item as it now is, so the log records the state the table committed.
 *
 * A global table streams every replica's writes in every region: the INSERT of a payment
 * accepted in us-east-1 also appears on us-east-2's stream once replicated. Only the origin
 * region processes a payment and writes its log, so only records whose `originRegion` is the
 * local region are forwarded. The stack also sets event-source filters with the same rule
 * (`paymentStreamFilterPatterns` in lib/handlers/payment-functions.ts); this check stays because a
 * filter is configuration and a missing one must not double-process payments.
 *
 * One function reads the stream, not one per queue: for a global table's stream AWS recommends a
 * single concurrent reader per shard (Lambda developer guide, "Concurrent reads of a shard in
 * DynamoDB Streams"), so the fan-out to the two queues happens here.
 *
 * Partial batch response: records are handled in order and the first failure is returned as
 * the checkpoint; Lambda retries from it. When a record's second send fails, its first (the
 * processing message) goes again on the retry: both consumers are idempotent, so duplicates are
 * harmless and nothing is skipped.
 */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { WORKER_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import { handlerEnv } from "../../lib/handlers";
import { createObservability, errorName, MetricUnit, withInvocation } from "../../lib/observability";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { PAYMENT_ID_PATTERN, type ProcessingMessage } from "../domain/payments";
import * as z from "../../lib/zod";

const env = handlerEnv("payment-events");
const region = env.LOCAL_REGION;

const obs = createObservability({ service: "payment-events", namespace: env.METRIC_NAMESPACE, environment: env.ENVIRONMENT, region });
const { logger, metrics } = obs;
const sqs = obs.tracer.captureAWSv3Client(awsClient(SQSClient, region, WORKER_CALL_TUNING));

const stringAttribute = z.object({ S: z.string() });
/** The attributes we route on, in the stream's DynamoDB JSON form. */
const newImageSchema = z.object({
  paymentId: z.object({ S: z.string().check(z.regex(PAYMENT_ID_PATTERN)) }),
  status: stringAttribute,
  originRegion: stringAttribute,
});

/** What one stream record is sent as: to the processing queue (new payments only) and to the log. */
export interface Forward {
  processing?: ProcessingMessage;
  /** The transaction-log message's body: the new image as an item, `{ "payment": … }`; record-transactions validates it. */
  log: string;
}

export type Routing =
  | { forward: Forward }
  | { skip: "not-a-state-change" | "other-region" | "not-pending" | "still-pending" | "malformed" };

/** Pure routing rule for one stream record, given the region this copy runs in. */
export function routeStreamRecord(record: DynamoDBRecord, localRegion: string): Routing {
  if (record.eventName !== "INSERT" && record.eventName !== "MODIFY") return { skip: "not-a-state-change" };
  const newImage = record.dynamodb?.NewImage;
  const image = newImageSchema.safeParse(newImage);
  if (!image.success) return { skip: "malformed" };
  if (image.data.originRegion.S !== localRegion) return { skip: "other-region" };
  const pending = image.data.status.S === "PENDING";
  // A payment is created PENDING; an INSERT in any other state is not one our API wrote.
  if (record.eventName === "INSERT" && !pending) return { skip: "not-pending" };
  // An update that leaves it PENDING reached no new state: the log has nothing to add.
  if (record.eventName === "MODIFY" && pending) return { skip: "still-pending" };
  let log: string;
  try {
    // The parse above proved the image is there; the stream's AttributeValue type is the SDK's own.
    // A number beyond JavaScript's safe integers unmarshalls to a BigInt, which JSON refuses: no
    // payment our API wrote, and a record that would fail on every retry and hold up the shard.
    log = JSON.stringify({ payment: unmarshall(newImage as Parameters<typeof unmarshall>[0]) });
  } catch {
    return { skip: "malformed" };
  }
  return { forward: pending ? { processing: { paymentId: image.data.paymentId.S }, log } : { log } };
}

export async function handler(event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> {
  return withInvocation(obs, context, async () => {
    let forwarded = 0;
    for (const record of event.Records) {
      const routing = routeStreamRecord(record, region);
      if ("skip" in routing) {
        // A malformed image can never succeed: retrying it would block the shard, so log and move on.
        if (routing.skip === "malformed") logger.error("stream record without a routable payment image", { eventID: record.eventID });
        continue;
      }
      const sends: [QueueUrl: string, MessageBody: string][] = [];
      if (routing.forward.processing) sends.push([env.PROCESSING_QUEUE_URL, JSON.stringify(routing.forward.processing)]);
      sends.push([env.TRANSACTION_LOG_QUEUE_URL, routing.forward.log]);
      try {
        for (const [QueueUrl, MessageBody] of sends) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody }));
        forwarded += 1;
      } catch (error) {
        logger.error("could not enqueue a payment event; checkpointing here", {
          paymentId: record.dynamodb?.Keys?.paymentId?.S,
          errorName: errorName(error),
        });
        metrics.addMetric("PaymentEventsFailed", MetricUnit.Count, 1);
        if (forwarded > 0) metrics.addMetric("PaymentEventsForwarded", MetricUnit.Count, forwarded);
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? "" }] };
      }
    }
    if (forwarded > 0) metrics.addMetric("PaymentEventsForwarded", MetricUnit.Count, forwarded);
    return { batchItemFailures: [] };
  });
}
