/**
 * Turns an execution's history events into progress: one line per state entered (with the time
 * since the execution started), one line for what the state produced, the decisions taken, and
 * the terminal status. Pure apart from the `print` callback; the follower feeds it events.
 *
 * Choice states and the loop counters (`Count*`, docs/runbooks.md "How to read a run") are not
 * printed; a polling loop prints its Task on every round (`#2`, `#3`...) and its Wait only once.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { changedStepKeys, summarizeStep, type Decision } from "./step-summaries";

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface StateProgress {
  name: string;
  type: string;
  /** How many times this state had been entered, this entry included. */
  round: number;
  enteredAt: string;
  /** Seconds since the execution started. */
  elapsedSeconds: number;
  exitedAt: string | null;
  summary: string | null;
}

export interface Terminal {
  status: Exclude<ExecutionStatus, "RUNNING">;
  stoppedAt: number;
  error: { name: string; cause: string } | null;
  /** The execution's output (SUCCEEDED only), parsed. */
  output: unknown;
}

const parse = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export function formatElapsed(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m${rest}s` : `${m}m${rest}s`;
}

const TERMINAL_TYPES: Record<string, Terminal["status"]> = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "ABORTED",
};

export class ExecutionTracker {
  readonly states: StateProgress[] = [];
  readonly decisions: Decision[] = [];
  /** The last full execution state seen (a state's output): what a failed run had reached. */
  lastState: unknown;
  terminal: Terminal | undefined;
  private readonly rounds = new Map<string, number>();
  private readonly inputs = new Map<string, unknown>();
  private readonly open = new Map<string, StateProgress>();

  constructor(
    private startedAt: number,
    private readonly print: (line: string) => void,
    private readonly approvalHint: (stateName: string) => string | undefined = () => undefined,
  ) {}

  private elapsed(at: number): string {
    return `+${formatElapsed(Math.max(0, (at - this.startedAt) / 1000))}`.padStart(9);
  }

  handle(event: HistoryEvent): void {
    const at = event.timestamp ? new Date(event.timestamp).getTime() : this.startedAt;
    const type = event.type ?? "";
    if (type === "ExecutionStarted") {
      this.startedAt = at;
      return;
    }
    if (type.endsWith("StateEntered")) return this.entered(type.slice(0, -"StateEntered".length), event, at);
    if (type.endsWith("StateExited")) return this.exited(event, at);
    if (type === "TaskFailed" || type === "TaskTimedOut" || type === "LambdaFunctionFailed") {
      const details = event.taskFailedEventDetails ?? event.taskTimedOutEventDetails ?? event.lambdaFunctionFailedEventDetails;
      this.print(`${" ".repeat(11)}task failed: ${details?.error ?? type}${details?.cause ? `: ${details.cause.slice(0, 300)}` : ""}`);
      return;
    }
    const status = TERMINAL_TYPES[type];
    if (status) {
      const failure = event.executionFailedEventDetails ?? event.executionTimedOutEventDetails ?? event.executionAbortedEventDetails;
      const error = status === "SUCCEEDED" ? null : { name: failure?.error ?? `States.${status}`, cause: failure?.cause ?? "" };
      const output = status === "SUCCEEDED" ? parse(event.executionSucceededEventDetails?.output) : undefined;
      if (output !== undefined) this.lastState = output;
      this.terminal = { status, stoppedAt: at, error, output };
      this.print(
        `${this.elapsed(at)}  execution ${status}${error ? `: ${error.name}${error.cause ? ` — ${error.cause.slice(0, 500)}` : ""}` : ""}`,
      );
    }
  }

  private entered(stateType: string, event: HistoryEvent, at: number): void {
    const name = event.stateEnteredEventDetails?.name ?? "?";
    const round = (this.rounds.get(name) ?? 0) + 1;
    this.rounds.set(name, round);
    this.inputs.set(name, parse(event.stateEnteredEventDetails?.input));
    if (stateType === "Choice" || (stateType === "Pass" && name.startsWith("Count"))) return;
    const progress: StateProgress = {
      name,
      type: stateType,
      round,
      enteredAt: new Date(at).toISOString(),
      elapsedSeconds: Math.round((at - this.startedAt) / 100) / 10,
      exitedAt: null,
      summary: null,
    };
    this.states.push(progress);
    this.open.set(name, progress);
    if (round === 1 || stateType === "Task") this.print(`${this.elapsed(at)}  ${name}${round > 1 ? ` #${round}` : ""}`);
    const hint = this.approvalHint(name);
    if (hint) this.print(`${" ".repeat(11)}${hint}`);
  }

  private exited(event: HistoryEvent, at: number): void {
    const name = event.stateExitedEventDetails?.name ?? "?";
    const output = parse(event.stateExitedEventDetails?.output);
    const input = this.inputs.get(name);
    if (output !== undefined && typeof output === "object" && output !== null && "run" in output) this.lastState = output;
    const progress = this.open.get(name);
    this.open.delete(name);
    if (!progress) return;
    progress.exitedAt = new Date(at).toISOString();
    const lines: string[] = [];
    const run = (output as { run?: { mode?: string; region?: string; reason?: string } } | undefined)?.run;
    if (run && !(input && typeof input === "object" && "run" in input))
      lines.push(`valid ${run.mode} request for ${run.region}: ${run.reason}`);
    for (const key of changedStepKeys(input, output)) {
      const summary = summarizeStep(key, (output as { steps: Record<string, unknown> }).steps[key], name);
      if (!summary) continue;
      lines.push(summary.text);
      this.decisions.push(...summary.decisions);
    }
    if (lines.length === 0) return;
    progress.summary = lines.join("; ");
    for (const line of lines) this.print(`${" ".repeat(11)}${line}`);
  }
}
