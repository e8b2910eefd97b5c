/**
 * aws-local-stepfunctions 3.x, typed for what the offline rehearsal and the state-machine tests
 * use (never imported by a handler, so never bundled). The package is ESM-typed but ships a
 * CommonJS build (its "require" export), which is what this CommonJS program loads; TypeScript
 * (node16) refuses a static import of an ESM-typed package, hence the require.
 */
export interface LocalEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string };
  Error?: string;
  Cause?: unknown;
}

export interface LocalRunOptions {
  overrides?: {
    taskResourceLocalHandlers?: Record<string, (input: unknown) => Promise<unknown>>;
    waitTimeOverrides?: Record<string, number>;
    retryIntervalOverrides?: Record<string, number | number[]>;
  };
  context?: Record<string, unknown>;
  noThrowOnAbort?: boolean;
}

export interface LocalExecution {
  result: Promise<unknown>;
  eventLogs: AsyncGenerator<LocalEvent>;
  abort(): void;
}

export interface LocalStateMachine {
  run(input: unknown, options?: LocalRunOptions): LocalExecution;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require("aws-local-stepfunctions") as {
  StateMachine: new (definition: unknown, options?: { validationOptions?: { noValidate?: boolean } }) => LocalStateMachine;
};

/**
 * A reusable machine for `definition`. The library's own schema validation (ajv, about a quarter
 * of a second per machine) is skipped: the definitions come from renderDrStateMachine /
 * renderCanaryTicker, whose output test/state-machines validates with asl-validator (render.test.ts, graph.test.ts).
 */
export function localStateMachine(definition: unknown): LocalStateMachine {
  return new lib.StateMachine(definition, { validationOptions: { noValidate: true } });
}

/** The error an execution ended with: the Fail state's (or the failed state's) name and cause. */
export function executionError(error: unknown): { name: string; cause: string; timedOut: boolean } {
  const e = error as { name?: string; message?: string; cause?: { name?: string; message?: string } };
  if (e.name === "ExecutionTimeoutError")
    return { name: "States.Timeout", cause: "The execution exceeded its TimeoutSeconds", timedOut: true };
  return { name: e.cause?.name ?? e.name ?? "Error", cause: e.cause?.message ?? e.message ?? "", timedOut: false };
}
