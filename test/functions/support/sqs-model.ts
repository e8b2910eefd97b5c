/**
 * An in-memory SQS (standard queues) behind aws-sdk-client-mock, with visibility timeouts on the
 * test clock, receive counts and a redrive policy: a message received more than
 * `maxReceiveCount` times is moved to the dead-letter queue on its next receive, as SQS does.
 * `pollWith` plays the Lambda event source mapping, including partial batch responses.
 *
 * What it cannot prove: SQS's real ordering, sampling of short polls or timing.
 */
import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type MessageAttributeValue,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

interface StoredMessage {
  messageId: string;
  body: string;
  attributes?: Record<string, MessageAttributeValue>;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
  sentAt: number;
}

interface Queue {
  url: string;
  messages: StoredMessage[];
  visibilityTimeoutSeconds: number;
  redrive?: { deadLetterUrl: string; maxReceiveCount: number };
}

export interface SqsCall {
  command: string;
  queueUrl: string;
  region: string;
}

export class SqsModel {
  readonly calls: SqsCall[] = [];
  private readonly queues = new Map<string, Queue>();
  private sequence = 0;
  private faults: { command: string; error: () => Error; remaining: number; skip: number; entryIds?: string[] }[] = [];
  readonly mock = mockClient(SQSClient);

  constructor(private readonly now: () => number = () => Date.now()) {
    const track = async (command: string, queueUrl: string | undefined, getClient?: () => SQSClient) => {
      const region = getClient ? String(await getClient().config.region()) : "unknown";
      this.calls.push({ command, queueUrl: queueUrl ?? "", region });
      const fault = this.faults.find((f) => f.command === command && f.remaining > 0 && !f.entryIds);
      if (fault && fault.skip > 0) {
        fault.skip -= 1;
      } else if (fault) {
        fault.remaining -= 1;
        throw fault.error();
      }
      return this.queue(queueUrl ?? "");
    };
    this.mock.on(SendMessageCommand).callsFake(async (input, getClient) => {
      const queue = await track("SendMessage", input.QueueUrl, getClient);
      return { MessageId: this.enqueue(queue, input.MessageBody ?? "", input.MessageAttributes), $metadata: {} };
    });
    this.mock.on(SendMessageBatchCommand).callsFake(async (input, getClient) => {
      const queue = await track("SendMessageBatch", input.QueueUrl, getClient);
      const failing = this.entryFault("SendMessageBatch");
      const Successful = [];
      const Failed = [];
      for (const entry of input.Entries ?? []) {
        if (failing?.includes(entry.Id ?? "")) {
          Failed.push({ Id: entry.Id, Code: "InternalError", SenderFault: false });
        } else {
          Successful.push({
            Id: entry.Id,
            MessageId: this.enqueue(queue, entry.MessageBody ?? "", entry.MessageAttributes),
            MD5OfMessageBody: "",
          });
        }
      }
      return { Successful, Failed, $metadata: {} };
    });
    this.mock.on(ReceiveMessageCommand).callsFake(async (input, getClient) => {
      const queue = await track("ReceiveMessage", input.QueueUrl, getClient);
      const received = this.receive(queue, input.MaxNumberOfMessages ?? 1, input.VisibilityTimeout);
      return {
        Messages: received.map((m) => ({
          MessageId: m.messageId,
          ReceiptHandle: m.receiptHandle,
          Body: m.body,
          MessageAttributes: m.attributes,
          Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
        })),
        $metadata: {},
      };
    });
    this.mock.on(DeleteMessageCommand).callsFake(async (input, getClient) => {
      const queue = await track("DeleteMessage", input.QueueUrl, getClient);
      this.deleteByHandle(queue, input.ReceiptHandle ?? "");
      return { $metadata: {} };
    });
    this.mock.on(DeleteMessageBatchCommand).callsFake(async (input, getClient) => {
      const queue = await track("DeleteMessageBatch", input.QueueUrl, getClient);
      const failing = this.entryFault("DeleteMessageBatch");
      const Successful = [];
      const Failed = [];
      for (const entry of input.Entries ?? []) {
        if (failing?.includes(entry.Id ?? "")) {
          Failed.push({ Id: entry.Id, Code: "InternalError", SenderFault: false });
        } else {
          this.deleteByHandle(queue, entry.ReceiptHandle ?? "");
          Successful.push({ Id: entry.Id });
        }
      }
      return { Successful, Failed, $metadata: {} };
    });
    this.mock.on(GetQueueAttributesCommand).callsFake(async (input, getClient) => {
      const queue = await track("GetQueueAttributes", input.QueueUrl, getClient);
      const now = this.now();
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(queue.messages.filter((m) => m.visibleAt <= now).length),
          ApproximateNumberOfMessagesNotVisible: String(queue.messages.filter((m) => m.visibleAt > now).length),
        },
        $metadata: {},
      };
    });
  }

  reset(): void {
    this.mock.restore();
  }

  createQueue(url: string, options: { visibilityTimeoutSeconds?: number; deadLetterUrl?: string; maxReceiveCount?: number } = {}): void {
    this.queues.set(url, {
      url,
      messages: [],
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
      ...(options.deadLetterUrl
        ? { redrive: { deadLetterUrl: options.deadLetterUrl, maxReceiveCount: options.maxReceiveCount ?? 5 } }
        : {}),
    });
  }

  /** After `after` successful calls of `command`, the next `times` fail as a whole. */
  fail(command: string, error: () => Error, times = 1, after = 0): void {
    this.faults.push({ command, error, remaining: times, skip: after });
  }

  /** In the next batch call of `command`, the entries with these ids fail (the others succeed). */
  failEntries(command: "SendMessageBatch" | "DeleteMessageBatch", entryIds: string[]): void {
    this.faults.push({ command, error: () => new Error("unused"), remaining: 1, skip: 0, entryIds });
  }

  private entryFault(command: string): string[] | undefined {
    const fault = this.faults.find((f) => f.command === command && f.remaining > 0 && f.entryIds);
    if (!fault) return undefined;
    fault.remaining -= 1;
    return fault.entryIds;
  }

  private queue(url: string): Queue {
    const queue = this.queues.get(url);
    if (!queue) throw new Error(`test SQS has no queue ${url}`);
    return queue;
  }

  private enqueue(queue: Queue, body: string, attributes?: Record<string, MessageAttributeValue>): string {
    const messageId = `msg-${++this.sequence}`;
    queue.messages.push({ messageId, body, attributes, receiveCount: 0, visibleAt: this.now(), sentAt: this.now() });
    return messageId;
  }

  private receive(queue: Queue, max: number, visibilityTimeoutSeconds?: number): StoredMessage[] {
    const now = this.now();
    const out: StoredMessage[] = [];
    for (const message of [...queue.messages]) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      if (queue.redrive && message.receiveCount >= queue.redrive.maxReceiveCount) {
        queue.messages.splice(queue.messages.indexOf(message), 1);
        const dlq = this.queue(queue.redrive.deadLetterUrl);
        dlq.messages.push({ ...message, receiveCount: 0, visibleAt: now, receiptHandle: undefined });
        continue;
      }
      message.receiveCount += 1;
      message.visibleAt = now + (visibilityTimeoutSeconds ?? queue.visibilityTimeoutSeconds) * 1000;
      message.receiptHandle = `rh-${message.messageId}-${message.receiveCount}`;
      out.push(message);
    }
    return out;
  }

  private deleteByHandle(queue: Queue, handle: string): void {
    const index = queue.messages.findIndex((m) => m.receiptHandle === handle);
    if (index >= 0) queue.messages.splice(index, 1);
  }

  /** Adds a message directly (not logged as a call). */
  seed(url: string, body: unknown): string {
    return this.enqueue(this.queue(url), typeof body === "string" ? body : JSON.stringify(body));
  }

  messages(url: string): { messageId: string; body: string; receiveCount: number }[] {
    return this.queue(url).messages.map(({ messageId, body, receiveCount }) => ({ messageId, body, receiveCount }));
  }

  /**
   * One poll of the Lambda event source mapping: receive up to `batchSize` visible messages,
   * invoke the handler, delete those not reported in `batchItemFailures` (none if it threw).
   */
  async pollWith(url: string, handler: (event: SQSEvent) => Promise<SQSBatchResponse>, batchSize = 10) {
    const queue = this.queue(url);
    const received = this.receive(queue, batchSize);
    if (received.length === 0) return { received: 0, failed: 0 };
    const event: SQSEvent = {
      Records: received.map((m) => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle ?? "",
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: "test",
          ApproximateFirstReceiveTimestamp: String(m.sentAt),
        },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${url.split("/").pop()}`,
        awsRegion: "us-east-1",
      })),
    };
    let failedIds: string[];
    try {
      const response = await handler(event);
      failedIds = response.batchItemFailures.map((f) => f.itemIdentifier);
    } catch {
      failedIds = received.map((m) => m.messageId);
    }
    for (const message of received) if (!failedIds.includes(message.messageId)) this.deleteByHandle(queue, message.receiptHandle ?? "");
    return { received: received.length, failed: failedIds.length };
  }
}
