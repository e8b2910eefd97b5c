/**
 * GetExecutionHistory for the simulated Step Functions: a STANDARD execution's history events,
 * shaped as the service reports them (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html),
 * built from two sources:
 * - the local executor's event log (aws-local-stepfunctions): states entered and exited with
 *   their input and output, failures, retries — it becomes `<Type>StateEntered` / `<Type>StateExited`;
 * - the Task runner (step-functions.ts), which knows what the Lambda integration did: it becomes
 *   TaskScheduled, TaskStarted, TaskSubmitted (`.waitForTaskToken`), TaskSucceeded, TaskFailed, TaskTimedOut.
 * The execution's own end (ExecutionSucceeded / Failed / TimedOut / Aborted) comes from the
 * service's record, so history and DescribeExecution always agree.
 *
 * The executor emits its events synchronously but they are read asynchronously, while the Task
 * runner is called synchronously right after a state is entered: a Task note is therefore held
 * until the entry (or retry) it belongs to has been recorded, so the order is the service's.
 * Map and Parallel states are not modelled (the DR machine has none): their events make the
 * history refuse to answer rather than answer wrongly.
 */
import type { LocalEvent } from "./local-executor";
import { ServiceError } from "../small-services";

export interface HistoryEventRecord {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  /** The event's details, under the SDK's field name (e.g. `taskScheduledEventDetails`). */
  detailsKey?: string;
  details?: Record<string, unknown>;
}

export type TaskEventType = "TaskScheduled" | "TaskStarted" | "TaskSubmitted" | "TaskSucceeded" | "TaskFailed" | "TaskTimedOut";

export interface ExecutionEnd {
  status: "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  output?: string;
  error?: string;
  cause?: string;
}

/** The SDK's field for an event's details: `taskScheduledEventDetails`, …; every `<Type>StateEntered` uses `stateEnteredEventDetails`. */
const detailsKeyOf = (type: string) => {
  const base = type.endsWith("StateEntered") ? "StateEntered" : type.endsWith("StateExited") ? "StateExited" : type;
  return `${base[0].toLowerCase()}${base.slice(1)}EventDetails`;
};
const json = (value: unknown) => JSON.stringify(value ?? null);
const NOT_TRUNCATED = { truncated: false };

interface HeldNote {
  attempt: number;
  at: number;
  type: TaskEventType;
  details: Record<string, unknown>;
}

export class ExecutionHistory {
  readonly events: HistoryEventRecord[] = [];
  /** Set when the executor reported something this history cannot represent. */
  unsupported: string | undefined;
  private attemptsStarted = 0;
  private attemptsOpened = 0;
  private closedAttempt = 0;
  private held: HeldNote[] = [];
  private executorDone = false;
  private end: { at: number; end: ExecutionEnd } | undefined;
  private ended = false;

  constructor(startedAt: number, input: string, roleArn: string | undefined) {
    this.add(startedAt, "ExecutionStarted", { input, inputDetails: NOT_TRUNCATED, ...(roleArn ? { roleArn } : {}) });
  }

  private add(at: number, type: string, details?: Record<string, unknown>): void {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp: at, type, ...(details ? { detailsKey: detailsKeyOf(type), details } : {}) });
  }

  // --- the Task runner's side -----------------------------------------------------------------

  /** A Task attempt begins (the runner was called); returns its number for the notes that follow. */
  beginAttempt(): number {
    return ++this.attemptsStarted;
  }

  /** Something the Lambda integration did in `attempt`, at `at`. */
  task(attempt: number, at: number, type: TaskEventType, details: Record<string, unknown>): void {
    if (attempt <= this.closedAttempt || this.ended) return; // an attempt the executor already gave up on (its timeout)
    if (attempt <= this.attemptsOpened) this.add(at, type, details);
    else this.held.push({ attempt, at, type, details });
  }

  // --- the executor's side ----------------------------------------------------------------------

  /** One event of the local executor's log, in its order. */
  executor(
    ev: LocalEvent & { state?: { name: string; type: string; input?: unknown; output?: unknown } },
    resource: (state: string) => Record<string, unknown> | undefined,
  ): void {
    const state = ev.state;
    switch (ev.type) {
      case "ExecutionStarted":
        return;
      case "StateEntered":
        if (!state) return;
        if (state.type === "Map" || state.type === "Parallel") this.unsupported = `${state.type} state ${state.name}`;
        this.add(ev.timestamp, `${state.type}StateEntered`, { name: state.name, input: json(state.input), inputDetails: NOT_TRUNCATED });
        if (state.type === "Task") this.openAttempt();
        return;
      case "StateRetried":
        if (state?.type === "Task") this.openAttempt();
        return;
      case "StateFailed":
        // A Task whose runner never reported an outcome was stopped by the executor (its TimeoutSeconds).
        if (state?.type === "Task" && this.closedAttempt < this.attemptsOpened && !this.lastTaskOutcome()) {
          const timedOut = ev.Error === "States.Timeout";
          this.add(ev.timestamp, timedOut ? "TaskTimedOut" : "TaskFailed", {
            ...resource(state.name),
            error: ev.Error ?? "States.TaskFailed",
            cause: String(ev.Cause ?? ""),
          });
        }
        this.closedAttempt = this.attemptsOpened;
        return;
      case "StateCaught":
        return;
      case "StateExited":
        if (!state) return;
        if (state.type === "Task") this.closedAttempt = this.attemptsOpened;
        this.add(ev.timestamp, `${state.type}StateExited`, { name: state.name, output: json(state.output), outputDetails: NOT_TRUNCATED });
        return;
      case "ExecutionSucceeded":
      case "ExecutionFailed":
      case "ExecutionTimeout":
      case "ExecutionAborted":
        this.executorDone = true;
        this.finish();
        return;
      default:
        this.unsupported = `executor event ${ev.type}`;
    }
  }

  private openAttempt(): void {
    this.attemptsOpened += 1;
    const ready = this.held.filter((n) => n.attempt <= this.attemptsOpened);
    this.held = this.held.filter((n) => n.attempt > this.attemptsOpened);
    for (const n of ready) this.add(n.at, n.type, n.details);
  }

  /** Whether the current Task attempt already has its outcome recorded. */
  private lastTaskOutcome(): boolean {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const t = this.events[i].type;
      if (t === "TaskSucceeded" || t === "TaskFailed" || t === "TaskTimedOut") return true;
      if (t === "TaskScheduled" || t.endsWith("StateEntered")) return false;
    }
    return false;
  }

  // --- the service's side -----------------------------------------------------------------------

  /** The execution ended (the service's record); recorded once the executor's log is complete. */
  executionEnded(at: number, end: ExecutionEnd): void {
    this.end = { at, end };
    this.finish();
  }

  private finish(): void {
    if (this.ended || !this.end || !this.executorDone) return;
    this.ended = true;
    const { at, end } = this.end;
    if (end.status === "SUCCEEDED") this.add(at, "ExecutionSucceeded", { output: end.output ?? "null", outputDetails: NOT_TRUNCATED });
    else if (end.status === "FAILED") this.add(at, "ExecutionFailed", { error: end.error, cause: end.cause });
    else if (end.status === "TIMED_OUT") this.add(at, "ExecutionTimedOut", { error: end.error, cause: end.cause });
    else this.add(at, "ExecutionAborted", { error: end.error, cause: end.cause });
  }
}

export interface HistoryPageRequest {
  /** Events per page (the caller applies maxResults' default and bounds). */
  pageSize: number;
  nextToken?: string;
  reverseOrder?: boolean;
  includeExecutionData?: boolean;
}

const DATA_FIELDS = new Set(["input", "output", "inputDetails", "outputDetails"]);

/**
 * One page of GetExecutionHistory: at most `pageSize` events, oldest first or newest first, and a
 * token for the rest. The token names the last event
 * returned, so events appended between pages neither repeat nor go missing.
 */
export function historyPage(
  history: ExecutionHistory,
  executionArn: string,
  request: HistoryPageRequest,
): { events: HistoryEventRecord[]; nextToken?: string } {
  if (history.unsupported) throw new Error(`The rehearsal's GetExecutionHistory does not model ${history.unsupported}`);
  const size = request.pageSize;
  const ordered = request.reverseOrder ? [...history.events].reverse() : history.events;
  let start = 0;
  if (request.nextToken !== undefined) {
    const after = decodeToken(request.nextToken, executionArn);
    start = ordered.findIndex((e) => (request.reverseOrder ? e.id < after : e.id > after));
    if (start < 0) start = ordered.length;
  }
  const page = ordered.slice(start, start + size).map((e) => (request.includeExecutionData === false ? withoutData(e) : e));
  const more = start + size < ordered.length;
  return { events: page, ...(more ? { nextToken: encodeToken(executionArn, page[page.length - 1].id) } : {}) };
}

function withoutData(e: HistoryEventRecord): HistoryEventRecord {
  if (!e.details) return e;
  return { ...e, details: Object.fromEntries(Object.entries(e.details).filter(([k]) => !DATA_FIELDS.has(k))) };
}

function encodeToken(executionArn: string, lastId: number): string {
  return Buffer.from(JSON.stringify({ a: executionArn, i: lastId })).toString("base64");
}

function decodeToken(token: string, executionArn: string): number {
  try {
    const t = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { a?: string; i?: number };
    if (t.a === executionArn && typeof t.i === "number") return t.i;
  } catch {
    // reported below
  }
  throw new ServiceError("InvalidToken", `Invalid Token: '${token.slice(0, 40)}'`, 400);
}
