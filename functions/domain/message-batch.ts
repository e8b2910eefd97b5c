/**
 * What the payment path's queue consumers (process-payment, record-transactions) share: reading a
 * message's JSON body against its schema, and SQS's partial batch response — every message worked
 * on at once, each one that failed returned in `batchItemFailures` (only it is retried) and logged
 * with what is safe to log.
 */
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import type { Logger } from "@aws-lambda-powertools/logger";
import { errorName } from "../../lib/observability";
import type * as z from "../../lib/zod";
import { formatProblems, parseWith } from "../../lib/validation";

/** The body as `schema` describes it; a body that is not JSON or does not match throws `invalid(detail)`. */
export function parseMessageBody<S extends z.ZodMiniType>(record: SQSRecord, schema: S, invalid: (detail: string) => Error): z.infer<S> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw invalid("body is not JSON");
  }
  const parsed = parseWith(schema, body);
  if (!parsed.ok) throw invalid(formatProblems(parsed.problems));
  return parsed.value;
}

export interface BatchOutcome<T> {
  /** What each message's work returned, for the messages whose work succeeded. */
  done: T[];
  batchItemFailures: SQSBatchResponse["batchItemFailures"];
}

/**
 * Runs `work` on every record at once. A failed one is returned for a retry and logged as
 * `failure` with its message id, receive count and error name; its error's message only when the
 * error is one of `ownErrors` (ours say what is wrong in terms of ids; SDK messages can echo request values).
 */
export async function workOnEach<T>(
  records: readonly SQSRecord[],
  work: (record: SQSRecord) => Promise<T>,
  log: { logger: Logger; failure: string; ownErrors: ReadonlySet<string> },
): Promise<BatchOutcome<T>> {
  // async: a message that fails to parse must reject its own promise, not throw out of map().
  const results = await Promise.allSettled(records.map(async (record) => work(record)));
  const outcome: BatchOutcome<T> = { done: [], batchItemFailures: [] };
  results.forEach((result, i) => {
    if (result.status === "fulfilled") {
      outcome.done.push(result.value);
      return;
    }
    const record = records[i];
    outcome.batchItemFailures.push({ itemIdentifier: record.messageId });
    log.logger.error(log.failure, {
      messageId: record.messageId,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0),
      errorName: errorName(result.reason),
      detail: result.reason instanceof Error && log.ownErrors.has(result.reason.name) ? result.reason.message : undefined,
    });
  });
  return outcome;
}
