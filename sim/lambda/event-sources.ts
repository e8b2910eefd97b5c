/**
 * Lambda event-source mappings, simulated from the deployed configuration:
 * - DynamoDB streams: every change a replica applies (its own writes and replicated ones, as a
 *   global table's stream carries both) becomes a stream record (NEW_AND_OLD_IMAGES) in that
 *   region; the mapping's filter patterns drop non-matching records before the function runs;
 *   batches up to `batchSize`; a partial batch response checkpoints at the first failure and the
 *   batch is retried (up to `maximumRetryAttempts`, then sent to the on-failure destination).
 * - SQS: polls when messages are visible, invokes with up to `batchSize`, deletes what did not
 *   fail (ReportBatchItemFailures); failures become visible again after the visibility timeout.
 * Nothing is consumed in a region that is down; it resumes when the region is back.
 */
import type { Change, DynamoDbService } from "../dynamodb/model";
import { matchesPattern } from "../eventbridge/event-pattern";
import { toAttributeMap } from "../dynamodb/attribute-values";
import type { SqsService } from "../sqs/model";
import type { VirtualClock } from "../clock";
import type { EventSourceMappingDefinition } from "../deployment/types";
import type { LambdaRuntime } from "./runtime";
import type { Reachability } from "../network";

export interface EventSourceDeps {
  clock: VirtualClock;
  runtime: LambdaRuntime;
  reachability: Reachability;
  dynamodb: DynamoDbService;
  sqs: SqsService;
  /**
   * Whether the mapping may read its source: Lambda polls with the function's execution role, which
   * needs the source's read permissions (and kms:Decrypt for an encrypted queue). Denied = no records delivered.
   */
  mayPoll: (mapping: EventSourceMappingDefinition) => Promise<boolean>;
}

/** How soon a poller reacts to new work (Lambda polls streams about four times a second). */
const POLL_DELAY_MS = 250;

let sequence = 0;

export function streamRecord(change: Change, sourceArn: string, hashKey: string): Record<string, unknown> {
  const seq = String(++sequence).padStart(21, "0");
  const image = change.new ?? change.old ?? {};
  return {
    eventID: `rehearsal-${seq}`,
    eventName: change.old === undefined ? "INSERT" : change.new === undefined ? "REMOVE" : "MODIFY",
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: change.region,
    eventSourceARN: sourceArn,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(change.at / 1000),
      Keys: toAttributeMap({ [hashKey]: image[hashKey] }),
      ...(change.new ? { NewImage: toAttributeMap(change.new) } : {}),
      ...(change.old ? { OldImage: toAttributeMap(change.old) } : {}),
      SequenceNumber: seq,
      SizeBytes: JSON.stringify(image).length,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  };
}

class StreamPoller {
  private readonly records: Record<string, unknown>[] = [];
  private scheduled = false;
  private busy = false;
  private retries = 0;
  delivered = 0;
  filteredOut = 0;

  constructor(
    private readonly mapping: EventSourceMappingDefinition,
    private readonly deps: EventSourceDeps,
  ) {
    const tableName = /:table\/([^/]+)\/stream\//.exec(mapping.sourceArn)?.[1];
    if (!tableName) throw new Error(`cannot read the table of stream ${mapping.sourceArn}`);
    const hashKey = deps.dynamodb.definition(tableName).hashKey;
    deps.dynamodb.onChange((change) => {
      if (change.region !== mapping.region || change.table !== tableName) return;
      const record = streamRecord(change, mapping.sourceArn, hashKey);
      // The mapping's filter drops non-matching records before they reach the function.
      if (mapping.filters.length > 0 && !mapping.filters.some((p) => matchesPattern(p, record))) {
        this.filteredOut += 1;
        return;
      }
      this.records.push(record);
      this.schedule(POLL_DELAY_MS);
    });
    deps.reachability.onChange((region, up) => {
      if (region === mapping.region && up) this.schedule(POLL_DELAY_MS);
    });
  }

  private schedule(ms: number): void {
    if (this.scheduled || this.busy) return;
    this.scheduled = true;
    this.deps.clock.after(ms, () => {
      this.scheduled = false;
      void this.poll();
    });
  }

  private async poll(): Promise<void> {
    if (this.records.length === 0 || this.busy || !this.deps.reachability.isUp(this.mapping.region)) return;
    this.busy = true;
    try {
      if (!(await this.deps.mayPoll(this.mapping))) return;
      const batch = this.records.slice(0, this.mapping.batchSize);
      if (batch.length === 0) return;
      let failedFrom = -1;
      try {
        const out = (await this.deps.runtime.invoke(this.mapping.functionArn, { Records: batch })) as {
          batchItemFailures?: { itemIdentifier: string }[];
        } | null;
        const first = out?.batchItemFailures?.[0]?.itemIdentifier;
        if (first !== undefined) failedFrom = batch.findIndex((r) => (r.dynamodb as { SequenceNumber: string }).SequenceNumber === first);
        if (first !== undefined && failedFrom < 0) failedFrom = 0; // an unknown identifier fails the whole batch, as Lambda does
      } catch {
        failedFrom = 0;
      }
      const succeeded = failedFrom < 0 ? batch.length : failedFrom;
      this.records.splice(0, succeeded);
      this.delivered += succeeded;
      if (failedFrom >= 0) {
        this.retries += 1;
        if (this.mapping.maximumRetryAttempts !== undefined && this.retries > this.mapping.maximumRetryAttempts) {
          const dropped = this.records.splice(0, batch.length - succeeded);
          if (this.mapping.onFailureArn)
            this.deps.sqs.send(
              this.mapping.onFailureArn,
              JSON.stringify({ requestContext: { condition: "RetryAttemptsExhausted" }, records: dropped.length }),
            );
          this.retries = 0;
        }
      } else {
        this.retries = 0;
      }
    } finally {
      this.busy = false;
    }
    if (this.records.length > 0) this.schedule(this.retries > 0 ? 1000 : POLL_DELAY_MS);
  }

  backlog(): number {
    return this.records.length;
  }
}

class QueuePoller {
  private scheduled: number | undefined;
  private busy = false;

  constructor(
    private readonly mapping: EventSourceMappingDefinition,
    private readonly deps: EventSourceDeps,
  ) {
    deps.sqs.onSend((arn) => {
      if (arn === mapping.sourceArn) this.schedule(20);
    });
    deps.reachability.onChange((region, up) => {
      if (region === mapping.region && up) this.schedule(20);
    });
  }

  private schedule(ms: number): void {
    const at = this.deps.clock.now() + ms;
    if (this.busy || (this.scheduled !== undefined && this.scheduled <= at)) return;
    this.scheduled = at;
    this.deps.clock.after(ms, () => {
      if (this.scheduled !== at) return;
      this.scheduled = undefined;
      void this.poll();
    });
  }

  private async poll(): Promise<void> {
    if (this.busy || !this.deps.reachability.isUp(this.mapping.region)) return;
    this.busy = true;
    try {
      if (!(await this.deps.mayPoll(this.mapping))) return;
      const received = this.deps.sqs.receive(this.mapping.sourceArn, this.mapping.batchSize);
      if (received.length > 0) {
        const queueName = this.mapping.sourceArn.split(":").pop();
        const event = {
          Records: received.map((m) => ({
            messageId: m.messageId,
            receiptHandle: m.receiptHandle,
            body: m.body,
            attributes: {
              ApproximateReceiveCount: String(m.receiveCount),
              SentTimestamp: String(m.sentAt),
              SenderId: "rehearsal",
              ApproximateFirstReceiveTimestamp: String(m.sentAt),
            },
            messageAttributes: {},
            md5OfBody: "",
            eventSource: "aws:sqs",
            eventSourceARN: this.mapping.sourceArn,
            awsRegion: this.mapping.region,
            queueName,
          })),
        };
        let failed: Set<string>;
        try {
          const out = (await this.deps.runtime.invoke(this.mapping.functionArn, event)) as {
            batchItemFailures?: { itemIdentifier: string }[];
          } | null;
          failed = new Set(this.mapping.reportBatchItemFailures ? (out?.batchItemFailures ?? []).map((f) => f.itemIdentifier) : []);
        } catch {
          failed = new Set(received.map((m) => m.messageId));
        }
        for (const m of received) if (!failed.has(m.messageId)) this.deps.sqs.delete(this.mapping.sourceArn, m.receiptHandle as string);
      }
    } finally {
      this.busy = false;
    }
    const { visible } = this.deps.sqs.attributes(this.mapping.sourceArn);
    if (visible > 0) this.schedule(20);
    else {
      const next = this.deps.sqs.nextVisibleAt(this.mapping.sourceArn);
      if (next !== undefined) this.schedule(Math.max(20, next - this.deps.clock.now() + 1));
    }
  }
}

export class EventSources {
  readonly streams: StreamPoller[] = [];

  constructor(mappings: EventSourceMappingDefinition[], deps: EventSourceDeps) {
    for (const m of mappings) {
      if (m.kind === "dynamodb-stream") this.streams.push(new StreamPoller(m, deps));
      else new QueuePoller(m, deps);
    }
  }

  /** Stream records not yet handed to their function. */
  backlog(): number {
    return this.streams.reduce((n, s) => n + s.backlog(), 0);
  }
}
