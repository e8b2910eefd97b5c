/**
 * aws-local-stepfunctions 3.x, typed for what the tests use. The package is ESM-typed but ships a
 * CommonJS build (its "require" export), which is what jest loads; TypeScript (node16, CommonJS
 * tests) refuses a static import of an ESM-typed package, hence the require and these types.
 */
import "./polyfill";

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
const lib = require("aws-local-stepfunctions") as { StateMachine: new (definition: unknown, options?: unknown) => LocalStateMachine };

export function localStateMachine(definition: unknown): LocalStateMachine {
  return new lib.StateMachine(definition);
}
