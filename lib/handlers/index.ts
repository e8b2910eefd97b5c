/**
 * The one registry of Lambda handlers. Everything about a handler that more than one part of the
 * system needs is derived from here: the build (scripts/build-lambdas.ts bundles each `entry`),
 * the stack (a function per region with exactly `environment` and `permissions`), the state
 * machine's task list (every `state-machine` handler), the simulator's loader, and each handler's
 * own environment (`handlerEnv`, the only way a handler reads its variables).
 */
import { requireEnv } from "../env";
import { DR_FUNCTIONS } from "./dr-functions";
import { PAYMENT_FUNCTIONS } from "./payment-functions";
import type { LambdaSpec } from "./spec";

type Registry = typeof PAYMENT_FUNCTIONS & typeof DR_FUNCTIONS;
export type HandlerName = keyof Registry;
export type PaymentFunctionName = keyof typeof PAYMENT_FUNCTIONS;
export type DrFunctionName = keyof typeof DR_FUNCTIONS;
/** The handlers the DR state machine invokes as Tasks. */
export type RunbookTaskFunction = {
  [N in DrFunctionName]: (typeof DR_FUNCTIONS)[N]["trigger"]["kind"] extends "state-machine" ? N : never;
}[DrFunctionName];
/** The variables a handler may read: exactly those its spec declares. */
export type HandlerEnvironment<N extends HandlerName> = Record<Registry[N]["environment"][number], string>;

const REGISTRY: Registry = { ...PAYMENT_FUNCTIONS, ...DR_FUNCTIONS };

function named<T extends object>(specs: T): LambdaSpec[] {
  return Object.entries(specs).map(([name, spec]) => ({ name, ...(spec as Omit<LambdaSpec, "name">) }));
}

/** Payment-path functions, in the order the stack creates them. */
export const paymentFunctions: readonly LambdaSpec[] = named(PAYMENT_FUNCTIONS);
/** DR functions (runbook steps, the alarm trigger, the canary), in the order the stack creates them. */
export const runbookFunctions: readonly LambdaSpec[] = named(DR_FUNCTIONS);
/** Every handler. */
export const allFunctions: readonly LambdaSpec[] = [...paymentFunctions, ...runbookFunctions];

/** Runbook Task handlers (runbooks/handlers/<name>) the DR state machine invokes, in registry order. */
export const RUNBOOK_TASK_FUNCTIONS = runbookFunctions
  .filter((f) => f.trigger.kind === "state-machine")
  .map((f) => f.name as RunbookTaskFunction);

/** Where a handler's code lives, relative to the repository root. */
export function handlerEntry(name: string): string {
  if (name in PAYMENT_FUNCTIONS) return `functions/${name}/index.ts`;
  if (name in DR_FUNCTIONS) return `runbooks/handlers/${name}/index.ts`;
  throw new Error(`No handler named "${name}"; known: ${Object.keys(REGISTRY).join(", ")}`);
}

export function handlerSpec(name: HandlerName): LambdaSpec {
  return { name, ...(REGISTRY[name] as Omit<LambdaSpec, "name">) };
}

/**
 * A handler's environment, read once at module scope: exactly the variables its spec declares, each
 * required (a missing one fails the cold start naming it).
 */
export function handlerEnv<N extends HandlerName>(name: N, env: NodeJS.ProcessEnv = process.env): HandlerEnvironment<N> {
  return requireEnv(REGISTRY[name].environment as readonly string[], env) as HandlerEnvironment<N>;
}

/** Concurrency the DR functions reserve in each region (docs/architecture.md, Decisions). */
export function runbookReservedConcurrencyPerRegion(): number {
  return runbookFunctions.reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0);
}
