/**
 * Payments-table stream → processing queue, for payments accepted in THIS region only.
 *
 * A global table streams every replica's writes in every region: the INSERT of a payment
 * accepted in us-east-1 also appears on us-east-2's stream once replicated. Only the origin
 * region processes a payment, so records are forwarded only when they are an INSERT of a
 * PENDING payment whose `originRegion` is the local region. The stack also sets an event-source
 * filter with the same rule (`paymentStreamFilterPattern` in lib/handlers/payment-functions.ts); this check
 * stays because a filter is configuration and a missing one must not double-process payments.
 *
 * Partial batch response: records are handled in order and the first failure is returned as
 * the checkpoint; Lambda retries from it. Records after it that were already sent are sent
 * again: the processor is idempotent, so duplicates are harmless and nothing is skipped.
 */
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { WORKER_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import { handlerEnv } from "../../lib/handlers";
import { createObservability, errorName, MetricUnit, withInvocation } from "../../lib/observability";
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

export type Routing = { forward: ProcessingMessage } | { skip: "not-an-insert" | "other-region" | "not-pending" | "malformed" };

/** Pure routing rule for one stream record, given the region this copy runs in. */
export function routeStreamRecord(record: DynamoDBRecord, localRegion: string): Routing {
  if (record.eventName !== "INSERT") return { skip: "not-an-insert" };
  const image = newImageSchema.safeParse(record.dynamodb?.NewImage);
  if (!image.success) return { skip: "malformed" };
  if (image.data.originRegion.S !== localRegion) return { skip: "other-region" };
  if (image.data.status.S !== "PENDING") return { skip: "not-pending" };
  return { forward: { paymentId: image.data.paymentId.S } };
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
      try {
        await sqs.send(new SendMessageCommand({ QueueUrl: env.PROCESSING_QUEUE_URL, MessageBody: JSON.stringify(routing.forward) }));
        forwarded += 1;
      } catch (error) {
        logger.error("could not enqueue payment; checkpointing here", {
          paymentId: routing.forward.paymentId,
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
