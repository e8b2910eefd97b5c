/**
 * SQS standard queues, simulated per region: visibility timeouts on the virtual clock, receive
 * counts, and the redrive policy (a message received `maxReceiveCount` times moves to the DLQ on
 * its next receive, as SQS does). Listeners hear about every send, so an event-source mapping can
 * poll when there is work instead of spinning.
 */
import type { QueueDefinition } from "../deployment/types";

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
