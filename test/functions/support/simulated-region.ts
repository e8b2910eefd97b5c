/**
 * The payment functions as the stack deploys them, in the one simulated AWS (sim/testing.ts): a
 * fresh zero-latency world per test, the functions of one region (the primary unless told)
 * invoked as Lambda invokes them (their own environment, role and timeout), and what they did read
 * back from the world — its call log, the replicas' items, the queues, the buckets and, when the
 * functions are loaded with a log level, their logs. Faults are the world's fault vocabulary
 * (sim/experiments.ts, sim/faults.ts), injected into the calls a test names.
 *
 * What this cannot prove: that AWS accepts these requests (the simulated services follow the AWS
 * documentation, sim/<service>/), nor anything about real timing: with zero latency, virtual time
 * stands still while a function runs.
 */
import type { SQSEvent } from "aws-lambda";
import { controlKeys, type RegionState } from "../../../lib/control-schema";
import type { Item } from "../../../sim/dynamodb/attribute-values";
import type { WorldFault } from "../../../sim/experiments";
import type { CallMatch, CallRecord } from "../../../sim/faults";
import { SimulatedAws, type SimulatedAwsOptions, type TableKind, type TestWorld } from "../../../sim/testing";
import { authorityWith } from "../../state-machines/support/sim";
import type { EvaluateOptions } from "../../../infra/offline/evaluate";
import { stack } from "../../support/stack";

/**
 * The stack's simulated AWS for one test file: deployed before its tests, its functions kept warm
 * across them (like Lambda containers; each world starts minutes after the previous one, past every
 * cache window), disposed after them. `region()` gives a test a fresh world of its own.
 */
export function simulatedAwsForFile(options: { eventSources?: boolean; stack?: EvaluateOptions } & SimulatedAwsOptions = {}): {
  region(side?: "primary" | "secondary"): SimulatedRegion;
} {
  let aws: SimulatedAws | undefined;
  const { stack: stackOptions, ...awsOptions } = options;
  beforeAll(async () => {
    aws = SimulatedAws.fromEvaluation(await stack(stackOptions), awsOptions);
  });
  afterAll(() => aws?.dispose());
  return {
    region: (side = "primary") => {
      if (!aws)
        throw new Error("simulatedAwsForFile: the simulated AWS is deployed in beforeAll; ask for a region in a test or beforeEach");
      return new SimulatedRegion(aws, side);
    },
  };
}

/** A call the test names: a service's operations on a resource (table, bucket, queue URL). */
export type CallFilter = Pick<CallMatch, "service" | "operations" | "resource">;

/** An AWS error as the SDK surfaces it (name, message, HTTP status). */
export interface AwsError {
  name: string;
  message?: string;
  httpStatusCode?: number;
}

const DYNAMODB_WRITES = ["PutItem", "UpdateItem", "DeleteItem"];

function matches(call: CallRecord, filter: CallFilter): boolean {
  return (
    (filter.service === undefined || call.service === filter.service) &&
    (filter.operations === undefined || filter.operations.includes(call.operation)) &&
    (filter.resource === undefined || call.resource === filter.resource)
  );
}

export class SimulatedRegion {
  readonly t: TestWorld;
  /** Where the functions under test run (the stack's primary region unless told otherwise). */
  readonly region: string;
  readonly peer: string;
  readonly tables: Record<TableKind, string>;
  /** The region's transaction-log bucket, processing queue and its DLQ, and transaction-log queue, as the functions are configured with them. */
  readonly bucket: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly logQueueUrl: string;
  /** The peer's region-pinned API, where create-payment redirects when the peer is the writer. */
  readonly peerApiOrigin: string;
  /** How long the payment functions cache the authority (REGION_STATE_CACHE_SECONDS). */
  readonly cacheMs: number;

  constructor(aws: SimulatedAws, side: "primary" | "secondary" = "primary") {
    this.t = aws.world({ latency: "none" });
    this.region = side === "primary" ? this.t.primary : this.t.secondary;
    this.peer = this.t.peerOf(this.region);
    this.tables = this.t.tables;
    const env = (handler: string, name: string) => {
      const value = this.spec(handler).env[name];
      if (value === undefined) throw new Error(`${handler} in ${this.region} is deployed without ${name}`);
      return value;
    };
    this.bucket = env("record-transactions", "TRANSACTION_BUCKET");
    this.logQueueUrl = env("payment-events", "TRANSACTION_LOG_QUEUE_URL");
    this.queueUrl = env("redrive-dlq", "PROCESSING_QUEUE_URL");
    this.dlqUrl = env("redrive-dlq", "PROCESSING_DLQ_URL");
    this.peerApiOrigin = env("create-payment", "PEER_API_ORIGIN");
    this.cacheMs = Number(env("create-payment", "REGION_STATE_CACHE_SECONDS")) * 1000;
  }

  spec(handler: string) {
    const spec = this.t.deployment.functions.find((f) => f.region === this.region && f.handler === handler);
    if (!spec) throw new Error(`no ${handler} function in ${this.region}`);
    return spec;
  }

  /** The ARN of a queue of this region. */
  queueArn(url: string): string {
    return this.t.world.sqs.queue(url).arn;
  }

  // --- running the functions -------------------------------------------------------------------

  invoke<T>(handler: string, event: unknown): Promise<T> {
    return this.t.invoke(this.region, handler, event) as Promise<T>;
  }

  /** An event from this region's processing queue, one record per body (ids m-1, m-2, ...), as its mapping delivers it. */
  queueEvent(...bodies: unknown[]): SQSEvent {
    return this.eventFrom(this.queueUrl, bodies);
  }

  /** The same from this region's transaction-log queue. */
  logQueueEvent(...bodies: unknown[]): SQSEvent {
    return this.eventFrom(this.logQueueUrl, bodies);
  }

  private eventFrom(queueUrl: string, bodies: unknown[]): SQSEvent {
    return {
      Records: bodies.map((body, i) => ({
        messageId: `m-${i + 1}`,
        receiptHandle: `rh-${i + 1}`,
        body: typeof body === "string" ? body : JSON.stringify(body),
        attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: this.queueArn(queueUrl),
        awsRegion: this.region,
      })),
    };
  }

  /** Starts an invocation without moving time (settle it with `t.settle`). */
  begin<T>(handler: string, event: unknown): Promise<T> {
    return this.t.beginInvoke(this.region, handler, event) as Promise<T>;
  }

  // --- the authority ---------------------------------------------------------------------------

  /**
   * Sets `region`'s state in the authority item (in every replica), at `epoch`, with the operator's
   * `reason` when given; the other regions' states are kept.
   */
  setRegionState(state: RegionState, region = this.region, epoch = 1, reason?: string): void {
    const authority = authorityWith(this.t, { [region]: state }, epoch, this.t.now());
    this.t.seed("control", reason === undefined ? authority : { ...authority, reason });
  }

  /** Replaces the authority item with `item` in every replica. */
  putAuthority(item: Item): void {
    this.t.seed("control", item);
  }

  authority(): Item | undefined {
    return this.t.control(this.region, controlKeys.authority());
  }

  /** Deletes the authority item (in every replica: the control table is multi-Region strongly consistent). */
  removeAuthority(): void {
    this.t.world.dynamodb.delete(this.region, this.tables.control, { pk: controlKeys.authority() });
  }

  // --- what the world holds --------------------------------------------------------------------

  /** Seeds an item in every replica, as if written and replicated before the test. */
  seed(table: TableKind, item: Item): void {
    this.t.seed(table, item);
  }

  /** An item as this region's replica holds it. */
  item(table: TableKind, key: Item): Item | undefined {
    return this.t.item(this.region, table, key);
  }

  items(table: TableKind): Item[] {
    return this.t.world.dynamodb.items(this.region, this.tables[table]);
  }

  /** Keys in this region's transaction-log bucket, sorted. */
  logKeys(): string[] {
    return this.t.world.s3.keys(this.bucket);
  }

  /** What a queue of this region holds (visible or in flight), bodies parsed, oldest first. */
  queued(url: string): unknown[] {
    return this.t.world.sqs.messages(url).map((m) => JSON.parse(m.body));
  }

  /** Puts a message in a queue directly (not a call), as if sent earlier. */
  seedMessage(url: string, body: unknown): void {
    this.t.world.sqs.send(url, JSON.stringify(body));
  }

  /** A transaction-log entry, parsed. */
  logEntry(key: string): unknown {
    return JSON.parse(this.t.world.s3.get(this.region, this.bucket, key).body);
  }

  /** Puts an object in the transaction-log bucket directly (not a call). */
  seedLogEntry(key: string, body: unknown): void {
    this.t.world.s3.put(this.region, this.bucket, key, JSON.stringify(body));
  }

  // --- what the functions called ---------------------------------------------------------------

  /** Every AWS call made in the world matching `filter`, in order. */
  calls(filter: CallFilter = {}): CallRecord[] {
    return this.t.world.calls.filter((c) => matches(c, filter));
  }

  /** DynamoDB calls on a table (all tables when omitted), optionally of some operations. */
  dynamo(table?: TableKind, operations?: string[]): CallRecord[] {
    return this.calls({
      service: "dynamodb",
      ...(table ? { resource: this.tables[table] } : {}),
      ...(operations ? { operations } : {}),
    });
  }

  /** DynamoDB writes (PutItem, UpdateItem, DeleteItem), on one table or all. */
  dynamoWrites(table?: TableKind): CallRecord[] {
    return this.dynamo(table, DYNAMODB_WRITES);
  }

  /** PutObject calls (transaction-log writes), whatever their outcome. */
  s3Puts(): CallRecord[] {
    return this.calls({ service: "s3", operations: ["PutObject"] });
  }

  /** Writes to any table or bucket. */
  allWrites(): { dynamo: CallRecord[]; s3: CallRecord[] } {
    return { dynamo: this.dynamoWrites(), s3: this.s3Puts() };
  }

  /** SQS calls, optionally of some operations. */
  sqs(operations?: string[]): CallRecord[] {
    return this.calls({ service: "sqs", ...(operations ? { operations } : {}) });
  }

  /** What the functions logged in this world, all their lines as one text. */
  logs(): string {
    return this.t
      .functionLogs()
      .map((l) => l.message)
      .join("\n");
  }

  // --- faults ------------------------------------------------------------------------------------

  /** The next `count` matching calls fail with `error`. */
  fail(filter: CallFilter, error: AwsError, count = 1): void {
    this.t.world.faults.inject({
      action: "api-error",
      error: { name: error.name, message: error.message ?? error.name, httpStatusCode: error.httpStatusCode ?? 400 },
      count,
      ...filter,
    });
  }

  /**
   * The next `count` matching calls are applied and their answers never come back: the function's
   * SDK client times out (TimeoutError) after its attempts, as on a dependency that stopped answering.
   */
  timeOut(filter: CallFilter, count = 1): void {
    this.t.world.faults.inject({ action: "apply-then-timeout", count, ...filter });
  }

  /** Any fault of the vocabulary (sim/experiments.ts); returns what stops it. */
  fault(fault: WorldFault): () => void {
    return this.t.fault(fault);
  }

  /**
   * Holds the next matching call for `ms` of virtual time before it is applied (or fails with
   * `then`, when given). `reached()` moves time until that call has been made, and is waiting.
   */
  hold(filter: CallFilter, ms: number, then?: AwsError): { reached(): Promise<void> } {
    const before = this.calls(filter).length;
    this.t.world.faults.inject({ action: "api-latency", delayMs: ms, count: 1, ...filter });
    if (then) this.fail(filter, then);
    return { reached: () => this.t.until(() => this.calls(filter).length > before, ms) };
  }
}
