/**
 * Moves messages from this region's processing DLQ back to the processing queue. Invoked by an
 * operator (`aws lambda invoke`, docs/runbooks.md "Payments in the dead-letter queue") with an
 * optional `{ "maxMessages": n }`.
 *
 * Each message is sent to the processing queue first and deleted from the DLQ only after the
 * send succeeded, so a failure at any step loses nothing: an unsent message becomes visible in
 * the DLQ again after the receive's visibility timeout; a sent-but-undeleted one is redriven
 * twice, which is safe because processing is idempotent (at-least-once by design).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { WORKER_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import { handlerEnv } from "../../lib/handlers";
import { createObservability, MetricUnit, withInvocation } from "../../lib/observability";
import * as z from "../../lib/zod";
import { formatProblems, parseWith } from "../../lib/validation";

const env = handlerEnv("redrive-dlq");
const region = env.LOCAL_REGION;

const obs = createObservability({ service: "redrive-dlq", namespace: env.METRIC_NAMESPACE, environment: env.ENVIRONMENT, region });
const { logger, metrics } = obs;
const sqs = obs.tracer.captureAWSv3Client(awsClient(SQSClient, region, WORKER_CALL_TUNING));

export const DEFAULT_MAX_MESSAGES = 100;
export const MAX_MESSAGES_LIMIT = 1000;
/** SQS batch limit for receive, send and delete. */
const BATCH = 10;
/** A message whose send failed reappears in the DLQ after this long. */
const RECEIVE_VISIBILITY_SECONDS = 60;
/** Stop receiving when less time than this is left, so the invocation ends cleanly with its counts. */
const STOP_WHEN_REMAINING_MS = 5000;

const inputSchema = z.nullable(
  z.optional(
    z.strictObject({
      maxMessages: z.optional(
        z
          .number()
          .check(
            z.int("must be a whole number"),
            z.positive("must be at least 1"),
            z.lte(MAX_MESSAGES_LIMIT, `must be at most ${MAX_MESSAGES_LIMIT}`),
          ),
      ),
    }),
  ),
);
export type RedriveInput = z.infer<typeof inputSchema>;

export class InvalidRedriveInputError extends Error {
  constructor(detail: string) {
    super(`Invalid redrive input: ${detail}. Expected {} or { "maxMessages": 1-${MAX_MESSAGES_LIMIT} }`);
    this.name = "InvalidRedriveInputError";
  }
}

export interface RedriveResult {
  /** Messages taken from the DLQ. */
  received: number;
  /** Sent to the processing queue (and deleted from the DLQ unless counted in deleteFailures). */
  redriven: number;
  /** Not sent; they stay in the DLQ. */
  sendFailures: number;
  /** Sent but still in the DLQ; they will be redriven again (harmless: processing is idempotent). */
  deleteFailures: number;
  stoppedBecause: "dlq-empty" | "max-messages" | "time";
}

async function redriveBatch(messages: Message[], result: RedriveResult): Promise<void> {
  const sent = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: env.PROCESSING_QUEUE_URL,
      Entries: messages.map((m, i) => ({
        Id: String(i),
        MessageBody: m.Body ?? "",
        ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length > 0 ? { MessageAttributes: m.MessageAttributes } : {}),
      })),
    }),
  );
  const sentIds = new Set((sent.Successful ?? []).map((s) => s.Id));
  result.sendFailures += messages.length - sentIds.size;
  const toDelete = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })).filter((e) => sentIds.has(e.Id));
  result.redriven += toDelete.length;
  if (toDelete.length === 0) return;
  try {
    const deleted = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: env.PROCESSING_DLQ_URL, Entries: toDelete }));
    result.deleteFailures += deleted.Failed?.length ?? 0;
  } catch (error) {
    result.deleteFailures += toDelete.length;
    logger.warn("sent messages could not be deleted from the DLQ; they will be redriven again", {
      count: toDelete.length,
      errorName: error instanceof Error ? error.name : typeof error,
    });
  }
}

export async function handler(event: RedriveInput, context?: Context): Promise<RedriveResult> {
  return withInvocation(obs, context, async () => {
    const input = parseWith(inputSchema, event);
    if (!input.ok) throw new InvalidRedriveInputError(formatProblems(input.problems));
    const maxMessages = input.value?.maxMessages ?? DEFAULT_MAX_MESSAGES;

    const result: RedriveResult = { received: 0, redriven: 0, sendFailures: 0, deleteFailures: 0, stoppedBecause: "max-messages" };
    while (result.received < maxMessages) {
      if (context?.getRemainingTimeInMillis && context.getRemainingTimeInMillis() < STOP_WHEN_REMAINING_MS) {
        result.stoppedBecause = "time";
        break;
      }
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: env.PROCESSING_DLQ_URL,
          MaxNumberOfMessages: Math.min(BATCH, maxMessages - result.received),
          VisibilityTimeout: RECEIVE_VISIBILITY_SECONDS,
          // Long poll briefly: a short poll samples a subset of servers and can answer "empty" falsely.
          WaitTimeSeconds: 1,
          MessageAttributeNames: ["All"],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) {
        result.stoppedBecause = "dlq-empty";
        break;
      }
      result.received += messages.length;
      await redriveBatch(messages, result);
    }
    if (result.redriven > 0) metrics.addMetric("MessagesRedriven", MetricUnit.Count, result.redriven);
    logger.info("redrive finished", { ...result });
    return result;
  });
}
