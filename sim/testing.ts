/**
 * The simulated AWS as tests use it: the same world the rehearsal runs (deployment from the
 * evaluated Pulumi program, the real handlers with their deployed environment, every AWS call
 * judged by the simulated services), with what a test needs on top:
 *
 * - one {@link SimulatedAws} per test file, holding the deployment and the handlers kept warm
 *   (like Lambda containers) across tests; a fresh {@link TestWorld} per test;
 * - quiet by default: no background clocks (alarms, Route 53 checkers, canaries) unless the test
 *   asks for them, and optionally no network latency — nothing happens unless the test does it;
 * - virtual time that moves only when the test settles a promise or advances the clock;
 * - direct access to what the world holds (items per replica, notifications, objects, calls), the
 *   fault vocabulary (experiments.ts) and, when the functions are loaded with a log level, what
 *   they logged.
 *
 * Each world starts ten minutes of virtual time after the previous one ended, so caches that warm
 * handlers keep (the region-state cache, assumed-role credentials) are never mistaken for fresh.
 * A rehearsal (`rehearse`) starts its story at the same fixed instant every time, so it loads its
 * handlers afresh, as `npm start` does: nothing cached in an earlier world or rehearsal is in it.
 */
import type { AlarmDefinition, Deployment, FunctionSpec } from "./deployment/types";
import { deploymentFromEvaluation, drMachine, fn } from "./deployment/deployment";
import type { Evaluation } from "../infra/offline/evaluate";
import type { Item } from "./dynamodb/attribute-values";
import { injectFault, type WorldFault } from "./experiments";
import { evaluatorReady } from "./iam/authorizer";
import { INTERNET, runAs } from "./network";
import { type RehearsalResult, type RunOptions, runScenario } from "./rehearsal/runner";
import type { Scenario } from "./rehearsal/scenario";
import { type FunctionOutputPiece, observeFunctionOutput } from "./lambda/function-log";
import { type FunctionLogLevel, loadHandler } from "./lambda/loader";
import type { Handler } from "./lambda/runtime";
import type { SdkBackend } from "./sdk/backend";
import { createSession, currentWorld, REHEARSAL_EPOCH, type Session, type SessionOptions, WarmHandlers } from "./session";
import type { ExecutionRecord } from "./stepfunctions/model";
import type { World } from "./world";
import { regionIn } from "./authority";

export type TableKind = "payments" | "idempotency" | "control";

/** What a test's approver answers a `.waitForTaskToken` approval with. */
export type ApprovalResponder = (request: { region: string; execution: string; token: string }) => Promise<Record<string, unknown>>;

/** Nobody answers: the approval step's heartbeat times out. */
export const noAnswer: ApprovalResponder | undefined = undefined;
export const approve: ApprovalResponder = async () => ({ approved: true, approvedBy: "alice@example.com", comment: "go" });
export const reject: ApprovalResponder = async () => {
  throw Object.assign(new Error("rejected by bob@example.com: replication too far behind"), { name: "ApprovalRejectedError" });
};

export interface RunResult {
  name: string;
  region: string;
  status: ExecutionRecord["status"];
  output?: Record<string, unknown>;
  error?: string;
  cause?: string;
  /** States entered, in order. */
  states: string[];
  record: ExecutionRecord;
}

const GAP_BETWEEN_WORLDS_MS = 10 * 60_000;

/** The most virtual time one step moves (below every timeout the simulation has). */
const SLICE_MS = 100;

/**
 * `done()`, asked once the real event loop has turned (setImmediate is not faked): promise chains
 * that wait for nothing but each other have run to their end by then.
 */
function turned(done: () => boolean): Promise<boolean> {
  return new Promise((resolve) => setImmediate(() => resolve(done())));
}

/**
 * Warm handlers under jest: one module registry per region (`jest.isolateModules`), into which
 * every function of that region is loaded with its own environment.
 *
 * Why: lambda/loader.ts gives each function its own copy of its handler module by evicting the
 * handler's modules from `require.cache` before loading it — and jest's `require.cache` is a view
 * of its module registry that ignores deletions. Without this, the first region to load a handler
 * would lend its copy (and the environment read at module scope) to the other region's function.
 * In a region's registry each handler folder is loaded once, so each function still has its own
 * module state; the shared libraries, Powertools and the SDK are per region, as in separate Lambda
 * functions. The SDK fakes are installed in each registry (they patch that registry's client
 * classes) and talk to the current world; the caller context (network.ts) stays the test file's,
 * so calls are still judged from where they are made. Outside jest (the rehearsal, tsx) the
 * loader's own isolation works and {@link WarmHandlers} is used as it is.
 */
class RegionRegistryHandlers extends WarmHandlers {
  private readonly regions = new Map<string, Map<string, Handler>>();

  constructor(
    private readonly deployment: Deployment,
    private readonly backend: () => SdkBackend,
    private readonly logLevel?: FunctionLogLevel,
  ) {
    super();
  }

  override get(spec: FunctionSpec): Handler {
    let loaded = this.regions.get(spec.region);
    if (!loaded) {
      loaded = this.load(spec.region);
      this.regions.set(spec.region, loaded);
    }
    const handler = loaded.get(spec.arn);
    if (!handler) throw new Error(`no handler loaded for ${spec.name}`);
    return handler;
  }

  private load(region: string): Map<string, Handler> {
    const loaded = new Map<string, Handler>();
    // This file's copy of network.ts holds the AsyncLocalStorage the runtime sets the caller in.
    const network = require("./network");
    jest.doMock(require.resolve("./network"), () => network);
    // And this file's copy of function-log.ts, whose observers hear what the functions write.
    const functionLog = require("./lambda/function-log");
    jest.doMock(require.resolve("./lambda/function-log"), () => functionLog);
    // A Lambda container keeps one clock for its life; the simulation installs a virtual clock per
    // world. A module that keeps the `Date.now` it saw at load (lib/aws-credentials.ts caches
    // assumed-role credentials against it) would read a stopped clock in every later world and
    // present credentials STS expired long ago (ExpiredTokenException). Loaded with a `Date.now`
    // that reads the current world's clock, such references follow the world they run in.
    const installed = globalThis.Date;
    const now = () => this.backend().now();
    globalThis.Date = new Proxy(installed, { get: (target, key, receiver) => (key === "now" ? now : Reflect.get(target, key, receiver)) });
    try {
      jest.isolateModules(() => {
        // Required here, not imported: these must load inside the region's registry.
        (require("./sdk/install") as typeof import("./sdk/install")).installSdkFakes(this.backend);
        const loader = require("./lambda/loader") as typeof import("./lambda/loader");
        // No purge: jest's require.cache refuses deletes (the region's registry is the isolation), and
        // walking it before each of a region's ~40 loads cost ~2 s of CPU per run.
        const options = { purge: false, ...(this.logLevel ? { logLevel: this.logLevel } : {}) };
        for (const spec of this.deployment.functions) if (spec.region === region) loaded.set(spec.arn, loader.loadHandler(spec, options));
      });
    } finally {
      globalThis.Date = installed;
    }
    return loaded;
  }
}

/** Handlers loaded once each, with a log level (outside jest; under jest {@link RegionRegistryHandlers}). */
class LeveledHandlers extends WarmHandlers {
  constructor(private readonly logLevel: FunctionLogLevel) {
    super();
  }

  override get(spec: FunctionSpec): Handler {
    let handler = this.loaded.get(spec.arn);
    if (!handler) {
      handler = loadHandler(spec, { logLevel: this.logLevel });
      this.loaded.set(spec.arn, handler);
    }
    return handler;
  }
}

export interface SimulatedAwsOptions {
  /**
   * The Powertools log level every function is loaded with (POWERTOOLS_LOG_LEVEL), for tests that
   * read what the functions log ({@link TestWorld.functionLogs}). Default SILENT, as in the
   * rehearsal: the functions' output then holds only their metrics (EMF).
   */
  functionLogLevel?: FunctionLogLevel;
}

export class SimulatedAws {
  private readonly handlers: WarmHandlers;
  private current?: TestWorld;
  private nextStart = REHEARSAL_EPOCH;

  constructor(
    readonly deployment: Deployment,
    private readonly options: SimulatedAwsOptions = {},
  ) {
    this.handlers = this.loadedHandlers();
  }

  /**
   * The deployment the Pulumi program describes. `eventSources: false` leaves out its Lambda
   * event-source mappings (the payments stream → payment-events, the processing queue →
   * process-payment): for tests of one function alone, where nothing may act on what it wrote
   * once the test moves time on. Default: every mapping, as deployed.
   */
  static fromEvaluation(ev: Evaluation, options: { eventSources?: boolean } & SimulatedAwsOptions = {}): SimulatedAws {
    const { eventSources, ...rest } = options;
    const deployment = deploymentFromEvaluation(ev);
    return new SimulatedAws(eventSources === false ? { ...deployment, eventSourceMappings: [] } : deployment, rest);
  }

  /** Handlers that load lazily and stay warm for as long as they are used: under jest, one module registry per region. */
  private loadedHandlers(): WarmHandlers {
    const underJest = typeof jest !== "undefined" && typeof jest.isolateModules === "function";
    const level = this.options.functionLogLevel;
    if (underJest) return new RegionRegistryHandlers(this.deployment, currentWorld, level);
    return level ? new LeveledHandlers(level) : new WarmHandlers();
  }

  /**
   * Runs a rehearsal scenario end to end in this simulated AWS, as `npm start` would: with
   * handlers loaded for this rehearsal alone (so it works under jest). Every rehearsal's story
   * starts at the same instant (REHEARSAL_EPOCH); handlers kept warm from an earlier rehearsal or
   * world would hold caches stamped later than that "now" (the region-state cache would be
   * trusted for the whole story) and the rehearsal would not be the one `npm start` runs.
   */
  async rehearse(scenario: Scenario, options: Omit<RunOptions, "handlers"> = {}): Promise<RehearsalResult> {
    this.dispose();
    return runScenario(this.deployment, scenario, { ...options, handlers: this.loadedHandlers() });
  }

  /** A fresh world for the next test (the previous one is disposed). Quiet and realistic-latency by default. */
  world(options: Omit<SessionOptions, "handlers" | "startAt"> = {}): TestWorld {
    this.dispose();
    const session = createSession(this.deployment, { background: false, ...options, handlers: this.handlers, startAt: this.nextStart });
    this.current = new TestWorld(session, this.deployment);
    return this.current;
  }

  dispose(): void {
    if (!this.current) return;
    this.nextStart = this.current.clock.now() + GAP_BETWEEN_WORLDS_MS;
    this.current.dispose();
    this.current = undefined;
  }
}

/** One line a function logged (a CloudWatch Logs log event of its log group). */
export interface FunctionLogLine {
  region: string;
  functionName: string;
  message: string;
}

export class TestWorld {
  readonly world: World;
  readonly clock: Session["clock"];
  readonly primary: string;
  readonly secondary: string;
  readonly tables: Record<TableKind, string>;
  private readonly output: FunctionOutputPiece[] = [];
  private readonly stopObserving: () => void;

  constructor(
    readonly session: Session,
    readonly deployment: Deployment,
  ) {
    this.stopObserving = observeFunctionOutput((piece) => this.output.push(piece));
    this.world = session.world;
    this.clock = session.clock;
    this.primary = deployment.primaryRegion;
    this.secondary = deployment.secondaryRegion;
    // The three global tables, told apart by their hash keys (lib/control-schema.ts, Powertools idempotency, payments).
    const HASH_KEYS: Record<TableKind, string> = { payments: "paymentId", idempotency: "id", control: "pk" };
    const table = (kind: TableKind) => {
      const t = deployment.tables.find((x) => x.hashKey === HASH_KEYS[kind]);
      if (!t) throw new Error(`the deployment has no ${kind} table`);
      return t.name;
    };
    this.tables = { payments: table("payments"), idempotency: table("idempotency"), control: table("control") };
  }

  peerOf(region: string): string {
    return region === this.primary ? this.secondary : this.primary;
  }

  dispose(): void {
    this.stopObserving();
    this.session.dispose();
  }

  // --- time ------------------------------------------------------------------------------------

  now(): number {
    return this.clock.now();
  }

  async advance(ms: number): Promise<void> {
    await evaluatorReady();
    await this.step(ms);
  }

  /**
   * Moves virtual time by `ms`, in slices of at most {@link SLICE_MS}, each letting the real event
   * loop turn: virtual time runs at most a slice ahead of real work that is not file I/O. The clock
   * itself lets file I/O in flight finish before each due time (sim/clock.ts): the IAM evaluator
   * loads its service data lazily, and a Task — or a Route 53 check — must not "time out" because
   * the machine was busy.
   */
  private async step(ms: number): Promise<void> {
    for (let left = ms; left > 0; left -= SLICE_MS) await this.clock.advance(Math.min(left, SLICE_MS));
  }

  /**
   * Advances virtual time to the next instant `offsetMs` into a period of `periodMs` (e.g. 5 s
   * into the next minute), so what a test does lines up with CloudWatch's periods and the
   * schedules the same way whatever earlier tests left the clock at.
   */
  async alignTo(periodMs: number, offsetMs = 0): Promise<void> {
    const phase = (this.clock.now() - offsetMs) % periodMs;
    await this.step(phase === 0 ? periodMs : periodMs - phase);
  }

  /** Moves virtual time until `promise` settles (at most `limitMs`), and returns its outcome. */
  async settle<T>(promise: Promise<T>, limitMs = 60 * 60_000): Promise<T> {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    watched.catch(() => undefined);
    await this.moveUntil(() => done, limitMs, "did not settle");
    return watched;
  }

  /** Moves virtual time until `done()` holds (at most `limitMs`): e.g. until a held call has been made. */
  until(done: () => boolean, limitMs = 60 * 60_000): Promise<void> {
    return this.moveUntil(done, limitMs, "the condition did not hold");
  }

  private async moveUntil(done: () => boolean, limitMs: number, failure: string): Promise<void> {
    await evaluatorReady();
    const deadline = this.clock.now() + limitMs;
    // Small steps first: most calls settle within milliseconds of virtual time.
    let step = 1;
    // Before time moves, what needs none of it (a handler's own work, zero-latency calls) runs to
    // its end at this instant: an invocation that takes no virtual time returns at the instant it
    // started, so a test can count a cache window to the millisecond.
    while (!(await turned(done))) {
      if (this.clock.now() >= deadline) throw new Error(`${failure} within ${limitMs} ms of virtual time`);
      await this.step(Math.min(step, deadline - this.clock.now()));
      step = Math.min(step * 2, 1000);
    }
  }

  // --- running code ----------------------------------------------------------------------------

  /** Invokes `handler`'s function in `region` as Lambda would (RequestResponse), settling virtual time. */
  invoke(region: string, handler: string, event: unknown): Promise<unknown> {
    return this.settle(this.beginInvoke(region, handler, event));
  }

  /**
   * Starts the same invocation without moving time: for a test that runs two at once (a
   * duplicate request while the first is held). Settle it with {@link settle} or {@link until}.
   */
  beginInvoke(region: string, handler: string, event: unknown): Promise<unknown> {
    return this.world.runtime.invoke(fn(this.deployment, region, handler).arn, event);
  }

  /** Runs `fn` as a caller in `region` (or on the internet), so its AWS calls are judged from there. */
  as<T>(region: string, run: () => Promise<T>): Promise<T> {
    return this.settle(runAs({ region }, run));
  }

  /** Runs `fn` as a client on the internet (drctl, an operator). */
  fromInternet<T>(run: () => Promise<T>): Promise<T> {
    return this.settle(runAs({ region: INTERNET }, run));
  }

  /**
   * Starts `region`'s DR state machine with `input` (StartExecution, as drctl or start-execution
   * does) and runs it to its end. A `.waitForTaskToken` approval is answered by `approval`
   * (SendTaskSuccess with what it returns, SendTaskFailure with what it throws); without one,
   * nobody answers and the step's heartbeat times out.
   */
  async execute(region: string, input: unknown, options: { name?: string; approval?: ApprovalResponder } = {}): Promise<RunResult> {
    await evaluatorReady();
    const machine = drMachine(this.deployment, region);
    const record = this.world.sfn.start(region, machine.arn, options.name, JSON.stringify(input));
    let ended = false;
    void record.done.then(() => {
      ended = true;
    });
    const answered = new Set<string>();
    while (!ended) {
      await this.step(100);
      if (!options.approval) continue;
      for (const token of this.world.sfn.pendingTokens(record.executionArn)) {
        if (answered.has(token)) continue;
        answered.add(token);
        try {
          const output = await options.approval({ region, execution: record.name, token });
          this.world.sfn.sendTaskSuccess(region, token, JSON.stringify(output));
        } catch (error) {
          const e = error as Error;
          this.world.sfn.sendTaskFailure(region, token, e.name, e.message);
        }
      }
    }
    return {
      name: record.name,
      region,
      status: record.status,
      ...(record.output !== undefined ? { output: JSON.parse(record.output) as Record<string, unknown> } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
      states: record.states.map((s) => s.name),
      record,
    };
  }

  // --- faults ----------------------------------------------------------------------------------

  /** Starts a fault of the vocabulary (experiments.ts), noted on the world's timeline; returns what stops it. */
  fault(fault: WorldFault): () => void {
    return injectFault(this.world, fault);
  }

  // --- what the world holds --------------------------------------------------------------------

  /** An item as `region`'s replica holds it now. */
  item(region: string, table: TableKind, key: Item): Item | undefined {
    return this.world.dynamodb.get(region, this.tables[table], key);
  }

  /** A control-table item (`pk`) as `region`'s replica holds it. */
  control(region: string, pk: string): Item | undefined {
    return this.item(region, "control", { pk });
  }

  /** `of`'s region record, as `replica` sees it. */
  regionRecord(replica: string, of: string): { state: string; epoch: number; executionId?: string; reason?: string } | undefined {
    return regionIn(this.world, replica, of);
  }

  /** Puts an item in the listed replicas (default: all), as if written and replicated earlier. */
  seed(table: TableKind, item: Item, regions?: readonly string[], writtenAt = this.now()): void {
    this.world.dynamodb.seed(this.tables[table], item, writtenAt, regions?.[0] ?? this.primary, regions);
  }

  /** Runbook and canary notifications (SNS), without CloudWatch's alarm notifications. */
  notifications(region?: string) {
    return this.world.sns.inbox.filter((m) => m.attributes.source !== "cloudwatch-alarm" && (region === undefined || m.region === region));
  }

  /** AWS calls made so far, optionally only those matching. */
  calls(match: { service?: string; operation?: string; region?: string; from?: string; caller?: string } = {}) {
    return this.world.calls.filter(
      (c) =>
        (match.service === undefined || c.service === match.service) &&
        (match.operation === undefined || c.operation === match.operation) &&
        (match.region === undefined || c.region === match.region) &&
        (match.from === undefined || c.from === match.from) &&
        (match.caller === undefined || (c.caller ?? "").startsWith(match.caller)),
    );
  }

  /** The deployed alarm of `region` whose name starts with `namePrefix` (e.g. "primary-fenced-"). */
  alarm(region: string, namePrefix: string): AlarmDefinition {
    const found = this.deployment.alarms.filter((a) => a.region === region && a.name.startsWith(namePrefix));
    if (found.length !== 1) throw new Error(`expected one alarm named ${namePrefix}* in ${region}, found ${found.length}`);
    return found[0];
  }

  /** Executions of `region`'s DR state machine (started by the test, by a runbook or by EventBridge), oldest first. */
  executions(region: string): ExecutionRecord[] {
    const machine = drMachine(this.deployment, region).arn;
    return [...this.world.sfn.executions.values()].filter((e) => e.stateMachineArn === machine).sort((a, b) => a.startDate - b.startDate);
  }

  /**
   * What the functions wrote in this world, line by line (each line a log event, as Lambda makes
   * them). Log lines appear only when the functions were loaded with a log level
   * ({@link SimulatedAwsOptions.functionLogLevel}); their metrics (EMF documents) always do.
   */
  functionLogs(): FunctionLogLine[] {
    return this.output.flatMap((p) =>
      p.text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((message) => ({ region: p.region, functionName: p.functionName, message })),
    );
  }

  /** The physical name of `handler`'s function in `region`. */
  functionName(region: string, handler: string): string {
    return fn(this.deployment, region, handler).name;
  }
}
