/**
 * SQS standard queues, simulated per region: visibility timeouts on the virtual clock, receive
 * counts, and the redrive policy (a message received `maxReceiveCount` times moves to the DLQ on
 * its next receive, as SQS does). Listeners hear about every send, so an event-source mapping can
 * poll when there is work instead of spinning.
 *
 * Batch operations (SendMessageBatch, DeleteMessageBatch) answer per entry, as SQS does: "the
 * batch request can result in a combination of successful and unsuccessful actions, you should
 * check for batch errors even when the call returns an HTTP status code of 200"
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html).
 * A failed entry is a BatchResultErrorEntry (Id, Code, SenderFault, Message;
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_BatchResultErrorEntry.html)
 * and is not applied. Entries fail when a {@link BatchEntryFault} says so (the fault vocabulary,
 * experiments.ts). The request as a whole is refused (HTTP 400) when it breaks the batch rules
 * both APIs document: no entries (EmptyBatchRequest), more than ten (TooManyEntriesInBatchRequest),
 * two entries with one Id (BatchEntryIdsNotDistinct), an Id that is not 1–80 alphanumerics,
 * hyphens and underscores (InvalidBatchEntryId).
 */
import type { QueueDefinition } from "../deployment/types";
import { type CallMatch, callMatches } from "../faults";
import { seededRandom } from "../network";
import { ServiceError } from "../small-services";

export interface StoredMessage {
  messageId: string;
  body: string;
  attributes?: Record<string, unknown>;
  receiveCount: number;
  visibleAt: number;
  sentAt: number;
  receiptHandle?: string;
}

interface Queue {
  def: QueueDefinition;
  messages: StoredMessage[];
}

/** The SQS batch operations, whose answers are per entry. */
export type BatchOperation = "SendMessageBatch" | "DeleteMessageBatch";

/**
 * Entries of SQS batch calls fail while the call itself succeeds (HTTP 200, the entries in
 * `Failed`, not applied). No FIS action does this; SQS does it on its own when a message cannot be
 * stored. Which calls: those the match names (operations default to both batch operations; `resource`
 * is a substring of the queue URL; `percentage` and `count` count calls, as for the API faults of
 * faults.ts). Which entries of such a call: those whose Id is in `entryIds`, every entry when omitted.
 * How they fail: `code` (default InternalError) and `senderFault` (default false: SQS's side, a
 * retry may succeed). The SDK does not retry failed entries (it retries requests): the caller must.
 */
export type BatchEntryFault = {
  action: "sqs-batch-entry-error";
  operations?: readonly BatchOperation[];
  entryIds?: readonly string[];
  code?: string;
  senderFault?: boolean;
} & Omit<CallMatch, "service" | "operations">;

/** A batch call as the SDK fake sees it: who calls which region's queue. */
export interface BatchCall {
  /** The region whose endpoint answers. */
  region: string;
  /** The caller's region ("internet" outside AWS). */
  from: string;
  queueUrl: string;
}

/** One failed entry of a batch answer (BatchResultErrorEntry). */
export interface BatchEntryFailure {
  id: string;
  code: string;
  senderFault: boolean;
  message: string;
}

/**
 * An entry's Id "can have up to 80 characters. The following characters are accepted: alphanumeric
 * characters, hyphens(-), and underscores (_)"; the Ids "need to be unique within a request"
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatchRequestEntry.html,
 * and the same for SendMessageBatchRequestEntry).
 */
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
/** "up to 10 messages" (SendMessageBatch), "up to ten messages" (DeleteMessageBatch). */
const MAX_BATCH_ENTRIES = 10;

export class QueueDoesNotExistError extends Error {
  constructor(url: string) {
    super(`The specified queue does not exist: ${url}`);
    this.name = "QueueDoesNotExist";
  }
}

export class SqsService {
  private readonly byUrl = new Map<string, Queue>();
  private readonly byArn = new Map<string, Queue>();
  private sequence = 0;
  private readonly listeners: ((queueArn: string) => void)[] = [];
  private readonly entryFaults: { fault: BatchEntryFault; hits: number }[] = [];
  /** Decides the percentage of calls an entry fault hits: seeded, so runs repeat. */
  private readonly random = seededRandom(11);

  constructor(
    queues: QueueDefinition[],
    private readonly now: () => number,
  ) {
    for (const def of queues) {
      const q = { def, messages: [] };
      this.byUrl.set(def.url, q);
      this.byArn.set(def.arn, q);
    }
  }

  /**
   * Messages still to be processed: in source queues (those with a redrive policy), visible or in
   * flight. A message returned for a retry stays invisible for the visibility timeout, so the
   * work is not finished just because nothing is visible.
   */
  unfinished(): number {
    let n = 0;
    for (const q of this.byArn.values()) if (q.def.redrive) n += q.messages.length;
    return n;
  }

  onSend(listener: (queueArn: string) => void): void {
    this.listeners.push(listener);
  }

  queue(urlOrArn: string, region?: string): QueueDefinition {
    const q = this.byUrl.get(urlOrArn) ?? this.byArn.get(urlOrArn);
    if (!q || (region !== undefined && q.def.region !== region)) throw new QueueDoesNotExistError(urlOrArn);
    return q.def;
  }

  private q(urlOrArn: string): Queue {
    const q = this.byUrl.get(urlOrArn) ?? this.byArn.get(urlOrArn);
    if (!q) throw new QueueDoesNotExistError(urlOrArn);
    return q;
  }

  send(urlOrArn: string, body: string, attributes?: Record<string, unknown>): string {
    const q = this.q(urlOrArn);
    const messageId = `${q.def.region}-msg-${++this.sequence}`;
    q.messages.push({ messageId, body, attributes, receiveCount: 0, visibleAt: this.now(), sentAt: this.now() });
    for (const l of this.listeners) l(q.def.arn);
    return messageId;
  }

  /** Starts a batch-entry fault; returns what stops it. */
  injectEntryFault(fault: BatchEntryFault): () => void {
    const entry = { fault, hits: 0 };
    this.entryFaults.push(entry);
    return () => {
      const i = this.entryFaults.indexOf(entry);
      if (i >= 0) this.entryFaults.splice(i, 1);
    };
  }

  /**
   * SendMessageBatch: each entry is sent unless it fails; the answer lists both, by entry Id.
   * Throws (the whole request refused) when the batch breaks the documented rules.
   */
  sendBatch(
    call: BatchCall,
    entries: readonly { id: string; body: string; attributes?: Record<string, unknown> }[],
  ): { sent: { id: string; messageId: string }[]; failed: BatchEntryFailure[] } {
    const failing = this.failingEntries("SendMessageBatch", call, entries);
    const sent: { id: string; messageId: string }[] = [];
    const failed: BatchEntryFailure[] = [];
    for (const e of entries) {
      const failure = failing.get(e.id);
      if (failure) failed.push(failure);
      else sent.push({ id: e.id, messageId: this.send(call.queueUrl, e.body, e.attributes) });
    }
    return { sent, failed };
  }

  /** DeleteMessageBatch: each entry's message is deleted unless the entry fails; the answer lists both. */
  deleteBatch(
    call: BatchCall,
    entries: readonly { id: string; receiptHandle: string }[],
  ): { deleted: string[]; failed: BatchEntryFailure[] } {
    const failing = this.failingEntries("DeleteMessageBatch", call, entries);
    const deleted: string[] = [];
    const failed: BatchEntryFailure[] = [];
    for (const e of entries) {
      const failure = failing.get(e.id);
      if (failure) failed.push(failure);
      else {
        this.delete(call.queueUrl, e.receiptHandle);
        deleted.push(e.id);
      }
    }
    return { deleted, failed };
  }

  /** Checks the batch as SQS does before it acts, then decides which entries the active entry faults fail. */
  private failingEntries(operation: BatchOperation, call: BatchCall, entries: readonly { id: string }[]): Map<string, BatchEntryFailure> {
    this.q(call.queueUrl);
    if (entries.length === 0) throw new ServiceError("EmptyBatchRequest", "The batch request doesn't contain any entries.", 400);
    if (entries.length > MAX_BATCH_ENTRIES)
      throw new ServiceError(
        "TooManyEntriesInBatchRequest",
        `The batch request contains more entries than permissible (${entries.length}).`,
        400,
      );
    const ids = new Set<string>();
    for (const { id } of entries) {
      if (!BATCH_ENTRY_ID.test(id))
        throw new ServiceError(
          "InvalidBatchEntryId",
          `The Id of a batch entry in a batch request doesn't abide by the specification: ${id}`,
          400,
        );
      if (ids.has(id))
        throw new ServiceError("BatchEntryIdsNotDistinct", `Two or more batch entries in the request have the same Id: ${id}`, 400);
      ids.add(id);
    }
    const failing = new Map<string, BatchEntryFailure>();
    const seen = { service: "sqs", operation, region: call.region, from: call.from, resource: call.queueUrl };
    for (const entry of [...this.entryFaults]) {
      const f = entry.fault;
      if (!callMatches(f, seen)) continue;
      if (f.percentage !== undefined && this.random() * 100 >= f.percentage) continue;
      entry.hits += 1;
      if (f.count !== undefined && entry.hits >= f.count) this.entryFaults.splice(this.entryFaults.indexOf(entry), 1);
      const code = f.code ?? "InternalError";
      for (const { id } of entries) {
        if (failing.has(id) || (f.entryIds !== undefined && !f.entryIds.includes(id))) continue;
        failing.set(id, { id, code, senderFault: f.senderFault ?? false, message: `${code} (injected fault: sqs-batch-entry-error)` });
      }
    }
    return failing;
  }

  receive(urlOrArn: string, max: number, visibilityTimeoutSeconds?: number): StoredMessage[] {
    const q = this.q(urlOrArn);
    const now = this.now();
    const out: StoredMessage[] = [];
    for (const message of [...q.messages]) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      if (q.def.redrive && message.receiveCount >= q.def.redrive.maxReceiveCount) {
        q.messages.splice(q.messages.indexOf(message), 1);
        const dlq = this.q(q.def.redrive.deadLetterArn);
        dlq.messages.push({ ...message, receiveCount: 0, visibleAt: now, receiptHandle: undefined });
        continue;
      }
      message.receiveCount += 1;
      message.visibleAt = now + (visibilityTimeoutSeconds ?? q.def.visibilityTimeoutSeconds) * 1000;
      message.receiptHandle = `${message.messageId}#${message.receiveCount}`;
      out.push({ ...message });
    }
    return out;
  }

  delete(urlOrArn: string, receiptHandle: string): boolean {
    const q = this.q(urlOrArn);
    const i = q.messages.findIndex((m) => m.receiptHandle === receiptHandle);
    if (i < 0) return false;
    q.messages.splice(i, 1);
    return true;
  }

  /** When the next invisible message becomes visible again (for pollers), or undefined. */
  nextVisibleAt(urlOrArn: string): number | undefined {
    const times = this.q(urlOrArn).messages.map((m) => m.visibleAt);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  attributes(urlOrArn: string): { visible: number; inFlight: number } {
    const now = this.now();
    const messages = this.q(urlOrArn).messages;
    return { visible: messages.filter((m) => m.visibleAt <= now).length, inFlight: messages.filter((m) => m.visibleAt > now).length };
  }

  messages(urlOrArn: string): StoredMessage[] {
    return this.q(urlOrArn).messages.map((m) => ({ ...m }));
  }
}
