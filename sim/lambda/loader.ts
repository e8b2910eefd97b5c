/**
 * Loads the real handler modules, one isolated copy per deployed function (per region), each with
 * exactly the environment the stack gives that function — as Lambda would load its bundle. Before
 * each load, the handler modules (functions/<name>/, runbooks/handlers/<name>/) leave the require
 * cache, so module-scope state (clients, caches, env read at load) is per function. The shared
 * libraries (lib/, functions/domain/, runbooks/domain/) hold no module-scope state and read no environment at
 * load, so one copy serves every function; the AWS SDK stays shared and its mocked clients apply
 * to every copy.
 *
 * Powertools logging and tracing are switched off (POWERTOOLS_* overrides; a test may load its
 * functions with logging on at a level it chooses, {@link LoadOptions.logLevel}); Powertools metrics are
 * on, and what the function writes (the metrics' EMF documents among it) goes to its invocation's log,
 * never to the rehearsal's stdout (function-log.ts). Every other variable is the deployed value.
 */
import { dirname, join, sep } from "node:path";
import type { FunctionSpec } from "../deployment/types";
import { loadWithFunctionOutput } from "./function-log";
import type { Handler } from "./runtime";

const ROOT = join(__dirname, "..", "..") + sep;
const OWN = dirname(__filename) + sep;
const NODE_MODULES = `${sep}node_modules${sep}`;

/** Powertools Logger's levels (POWERTOOLS_LOG_LEVEL); SILENT writes nothing. */
export type FunctionLogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "CRITICAL" | "SILENT";

export interface LoadOptions {
  /** Evict the handler's own modules from Node's cache first (default true; not under jest, sim/testing.ts). */
  purge?: boolean;
  /**
   * The function's POWERTOOLS_LOG_LEVEL. Default SILENT: the rehearsal reads metrics from the
   * functions' output, never their log lines. A test that reads what a handler logs chooses a level.
   */
  logLevel?: FunctionLogLevel;
}

/**
 * What a Lambda runtime sets besides the function's own variables, and our silencing of logs
 * (unless `logLevel` says otherwise) and traces. Metrics are explicitly enabled: their EMF lines
 * are how the payment path's own alarms (e.g. payment-failures on PaymentFailed) get data.
 */
export function runtimeEnvironment(spec: FunctionSpec, logLevel: FunctionLogLevel = "SILENT"): Record<string, string> {
  return {
    AWS_REGION: spec.region,
    AWS_DEFAULT_REGION: spec.region,
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
    AWS_ACCESS_KEY_ID: "ASIAREHEARSAL",
    AWS_SECRET_ACCESS_KEY: "rehearsal",
    AWS_SESSION_TOKEN: "rehearsal",
    POWERTOOLS_LOG_LEVEL: logLevel,
    POWERTOOLS_METRICS_DISABLED: "false",
    POWERTOOLS_TRACE_DISABLED: "true",
    // With traces off, nothing needs the X-Ray SDK's automatic context: in its default mode it
    // enables an async hook with destroy tracking for the whole process when it loads (cls-hooked),
    // which taxed every promise of the simulation — and under jest one more hook per test file.
    AWS_XRAY_MANUAL_MODE: "true",
    POWERTOOLS_DEV: "false",
  };
}

/** A handler's own folder: functions/<name>/ or runbooks/handlers/<name>/ (not the shared domain code). */
const HANDLER_FOLDER = new RegExp(
  `^(functions\\${sep}(?!domain\\${sep})[^\\${sep}]+|runbooks\\${sep}handlers\\${sep}[^\\${sep}]+)\\${sep}`,
);

/** Handler folders' modules leave the cache; the shared code (lib/, functions/domain/, runbooks/domain/) stays. */
function purgeHandlerModules(): void {
  const purged = new Set<NodeJS.Module>();
  for (const key of Object.keys(require.cache)) {
    if (key.includes(NODE_MODULES) || key.startsWith(OWN) || !key.startsWith(ROOT)) continue;
    if (!HANDLER_FOLDER.test(key.slice(ROOT.length))) continue;
    const mod = require.cache[key];
    if (mod) purged.add(mod);
    delete require.cache[key];
  }
  if (purged.size === 0) return;
  // Node also lists each module in the `children` of the module that first required it (this
  // loader, or a shared module): without this, every copy ever loaded stays reachable from there,
  // with its clients and caches (one of three ways a finished rehearsal stayed in memory: sim/session.ts, dispose).
  for (const mod of Object.values(require.cache)) {
    if (mod?.children.some((child) => purged.has(child))) mod.children = mod.children.filter((child) => !purged.has(child));
  }
  for (const mod of purged) mod.children = [];
}

export class HandlerLoadError extends Error {
  constructor(spec: FunctionSpec, cause: unknown) {
    super(
      `Could not load ${spec.name} (${spec.modulePath}) with its deployed environment: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
    );
    this.name = "HandlerLoadError";
  }
}

/**
 * Loads `spec`'s handler in isolation; process.env is the function's only while it loads. Outside
 * jest, the handler's own modules leave Node's cache first; under jest (whose module registry the
 * cache does not govern) the caller loads each region in a sandbox of its own (sim/testing.ts).
 */
export function loadHandler(spec: FunctionSpec, options: LoadOptions = {}): Handler {
  const saved = process.env;
  if (options.purge ?? true) purgeHandlerModules();
  process.env = { ...pick(saved, ["PATH", "HOME", "NODE_OPTIONS", "TZ"]), ...spec.env, ...runtimeEnvironment(spec, options.logLevel) };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = loadWithFunctionOutput(() => require(spec.modulePath) as { handler?: Handler });
    if (typeof mod.handler !== "function") throw new Error("it exports no `handler` function");
    return mod.handler;
  } catch (error) {
    throw new HandlerLoadError(spec, error);
  } finally {
    process.env = saved;
  }
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n] as string]));
}
