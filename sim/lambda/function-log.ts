/**
 * A function's standard output and error, as Lambda treats them: whatever the function writes goes
 * to its CloudWatch Logs log stream, one log event per line, and CloudWatch Logs extracts the
 * metrics of embedded-metric-format lines (cloudwatch/emf.ts). In the simulation that output never
 * reaches the rehearsal's own stdout.
 *
 * How: Powertools (Metrics, Logger) builds its own `Console` bound to `process.stdout` and
 * `process.stderr` when the handler module constructs it — at load, in module scope
 * (@aws-lambda-powertools/metrics, `Metrics.setConsole`: "In AWS Lambda, we create a new instance of
 * the Console class"). While a handler loads, `process.stdout`/`stderr` are therefore
 * {@link FunctionOutput} streams, so those consoles write there for the life of the module. A
 * write is routed to the log of the invocation it is made in (the caller context of network.ts,
 * which the runtime sets per invocation): concurrent invocations — of one function, or of the
 * same handler in two regions — never share a log. Output made outside any invocation (none of
 * our handlers writes while loading) has no log stream to go to and is dropped.
 *
 * Whoever wants to read that output as well (a test asserting what a handler logs) observes it
 * with {@link observeFunctionOutput}; the invocation's log gets it all the same.
 */
import { Writable } from "node:stream";
import { currentCaller } from "../network";

/** A piece of what a function wrote during an invocation: which function, where, and the text. */
export interface FunctionOutputPiece {
  region: string;
  functionName: string;
  text: string;
}

const observers = new Set<(piece: FunctionOutputPiece) => void>();

/**
 * Hears every piece of output any function writes in an invocation from now on (in this module's
 * copy: under jest, sim/testing.ts makes the handlers share it); returns what stops it.
 */
export function observeFunctionOutput(observer: (piece: FunctionOutputPiece) => void): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** A stream standing for the function's stdout or stderr: each write goes to the current invocation's log. */
class FunctionOutput extends Writable {
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const caller = currentCaller();
    if (caller.log) {
      const text = typeof chunk === "string" ? chunk : chunk.toString("utf8");
      caller.log(text);
      if (caller.functionName) for (const observe of observers) observe({ region: caller.region, functionName: caller.functionName, text });
    }
    done();
  }
}

/**
 * Runs `load` (a handler's `require`) with `process.stdout` and `process.stderr` standing for the
 * function's output, then puts the real streams back.
 */
export function loadWithFunctionOutput<T>(load: () => T): T {
  // Node's global console binds process.stdout on its first use; make sure that is not this load.
  void (console as unknown as { _stdout?: unknown; _stderr?: unknown })._stdout;
  void (console as unknown as { _stdout?: unknown; _stderr?: unknown })._stderr;
  const saved = {
    stdout: Object.getOwnPropertyDescriptor(process, "stdout"),
    stderr: Object.getOwnPropertyDescriptor(process, "stderr"),
  };
  const output = { stdout: new FunctionOutput(), stderr: new FunctionOutput() };
  for (const name of ["stdout", "stderr"] as const) {
    Object.defineProperty(process, name, { configurable: true, enumerable: saved[name]?.enumerable ?? true, get: () => output[name] });
  }
  try {
    return load();
  } finally {
    for (const name of ["stdout", "stderr"] as const) {
      const descriptor = saved[name];
      if (descriptor) Object.defineProperty(process, name, descriptor);
      else delete (process as unknown as Record<string, unknown>)[name];
    }
  }
}

/**
 * One invocation's log stream: text written in pieces, cut into log events at line ends (Lambda
 * makes a log event of each line of standard output); `end` delivers an unterminated last line.
 * Nothing is taken after the end: Lambda freezes the execution environment once the invocation
 * has answered (and restarts it after a timeout), so code still running then writes nothing here.
 */
export class InvocationLog {
  private pending = "";
  private ended = false;

  constructor(private readonly logEvent: (message: string) => void) {}

  write(text: string): void {
    if (this.ended) return;
    const lines = (this.pending + text).split("\n");
    this.pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") this.logEvent(line);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const last = this.pending;
    this.pending = "";
    if (last.trim() !== "") this.logEvent(last);
  }
}
