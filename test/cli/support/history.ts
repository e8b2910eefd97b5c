/**
 * Step Functions execution histories for the follower: events as GetExecutionHistory returns
 * them (with execution data), and a fake that reveals them a few polls at a time and pages
 * newest-first like the real API with reverseOrder.
 */
import { GetExecutionHistoryCommand, type HistoryEvent } from "@aws-sdk/client-sfn";
import type { RunState } from "../../../runbooks/domain/steps";
import { sfn } from "./harness";

type Steps = RunState["steps"];

export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  private state: Record<string, unknown>;

  constructor(
    private readonly t0: number,
    input: unknown,
  ) {
    this.state = input as Record<string, unknown>;
    this.push(0, "ExecutionStarted", { executionStartedEventDetails: { input: JSON.stringify(input) } });
  }

  private push(seconds: number, type: string, details: Partial<HistoryEvent>): this {
    this.events.push({
      id: this.events.length + 1,
      previousEventId: this.events.length,
      timestamp: new Date(this.t0 + seconds * 1000),
      type: type as HistoryEvent["type"],
      ...details,
    });
    return this;
  }

  /** Enter and exit one state; `change` turns the state's input into its output. */
  state_(
    name: string,
    type: "Task" | "Choice" | "Pass" | "Wait" | "Succeed",
    enter: number,
    exit: number,
    change: (s: Record<string, unknown>) => Record<string, unknown> = (s) => s,
  ): this {
    this.push(enter, `${type}StateEntered`, { stateEnteredEventDetails: { name, input: JSON.stringify(this.state) } });
    this.state = change(this.state);
    return this.push(exit, `${type}StateExited`, { stateExitedEventDetails: { name, output: JSON.stringify(this.state) } });
  }

  /** A Task whose Lambda result lands at `$.steps.<key>` as `{ Payload }` (report and release are not in RunState). */
  task(name: string, enter: number, exit: number, key?: keyof Steps | "report" | "release", payload?: unknown): this {
    return this.state_(name, "Task", enter, exit, (s) =>
      key ? { ...s, steps: { ...(s.steps as object), [key]: key === "approval" ? payload : { Payload: payload } } } : s,
    );
  }

  enterOnly(name: string, type: "Task" | "Fail", seconds: number): this {
    return this.push(seconds, `${type}StateEntered`, { stateEnteredEventDetails: { name, input: JSON.stringify(this.state) } });
  }

  taskFailed(seconds: number, error: string, cause: string): this {
    return this.push(seconds, "TaskFailed", { taskFailedEventDetails: { resourceType: "lambda", resource: "invoke", error, cause } });
  }

  replace(change: (s: Record<string, unknown>) => Record<string, unknown>): this {
    this.state = change(this.state);
    return this;
  }

  succeed(seconds: number): this {
    return this.push(seconds, "ExecutionSucceeded", { executionSucceededEventDetails: { output: JSON.stringify(this.state) } });
  }

  fail(seconds: number, error: string, cause: string): this {
    return this.push(seconds, "ExecutionFailed", { executionFailedEventDetails: { error, cause } });
  }

  get current(): Record<string, unknown> {
    return this.state;
  }
}

/**
 * Answers GetExecutionHistory (reverseOrder, maxResults, nextToken) from `events`, revealing
 * `visible[i]` events at poll i (the last value from then on). A poll starts with a call
 * without nextToken. The first calls throw `failFirst`, in order.
 */
export function serveHistory(
  events: HistoryEvent[],
  visible: number[] = [events.length],
  failFirst: Error[] = [],
): { polls: () => number } {
  let poll = -1;
  const failures = [...failFirst];
  sfn.on(GetExecutionHistoryCommand).callsFake((input: { reverseOrder?: boolean; maxResults?: number; nextToken?: string }) => {
    const failure = failures.shift();
    if (failure) throw failure;
    if (input.nextToken === undefined) poll += 1;
    const count = visible[Math.min(poll, visible.length - 1)];
    const shown = events.slice(0, count);
    const ordered = input.reverseOrder ? [...shown].reverse() : shown;
    const start = Number(input.nextToken ?? 0);
    const size = input.maxResults ?? 100;
    const page = ordered.slice(start, start + size);
    return { events: page, nextToken: start + size < ordered.length ? String(start + size) : undefined };
  });
  return { polls: () => poll + 1 };
}
