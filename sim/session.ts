/**
 * One run of the simulated world, set up in the order that makes the simulation honest:
 * 1. the virtual clock is installed (before any handler module loads);
 * 2. the world is built from the deployment;
 * 3. the SDK fakes (once per process; they always talk to the current world) and the network
 *    interceptors (fetch, DNS) are installed;
 * 4. every deployed function's handler is registered with its own environment;
 * 5. unless told otherwise, the world's clocks start (alarms, Route 53 checkers, schedules).
 *
 * The rehearsal runs one session per scenario with freshly loaded handlers. Tests run one session
 * per test with handlers kept warm across sessions (a {@link WarmHandlers}), a quiet world (no
 * background clocks: nothing happens unless the test makes it happen) and, where they want it,
 * no network latency.
 */
import { VirtualClock } from "./clock";
import type { Deployment, FunctionSpec } from "./deployment/types";
import { installInterceptors } from "./interceptors";
import { loadHandler, runtimeEnvironment } from "./lambda/loader";
import type { Handler } from "./lambda/runtime";
import { installSdkFakes } from "./sdk/install";
import { forgetFakeCalls } from "./sdk/plumbing";
import { World, type WorldClocks } from "./world";

/** Scenario clocks start here: a fixed instant, so every run is the same run. 00:00 UTC is minute-aligned. */
export const REHEARSAL_EPOCH = Date.parse("2030-03-04T09:00:00.000Z");

let current: World | undefined;
let fakesInstalled = false;

/** The world of the session in progress: what every SDK fake calls into. */
export function currentWorld(): World {
  if (!current) throw new Error("An AWS call was made outside a simulated-world session");
  return current;
}

export interface Session {
  world: World;
  clock: VirtualClock;
  dispose(): void;
}

/**
 * Handler modules loaded once (lazily, at a function's first invocation) and reused by every
 * session that is given this cache: a warm container per function and region across tests.
 */
export class WarmHandlers {
  protected readonly loaded = new Map<string, Handler>();

  get(spec: FunctionSpec): Handler {
    let handler = this.loaded.get(spec.arn);
    if (!handler) {
      handler = loadHandler(spec);
      this.loaded.set(spec.arn, handler);
    }
    return handler;
  }
}

export interface SessionOptions {
  seed?: number;
  startAt?: number;
  /**
   * Start the world's clocks: alarms, Route 53's checkers and the schedules (canaries), all by
   * default (true), none (false), or some; `eventRules: false` disables the EventBridge rules that
   * start runbooks on alarm changes.
   */
  background?: boolean | (Partial<WorldClocks> & { eventRules?: boolean });
  /** "none": no network latency and immediate replication (tests). Default "realistic". */
  latency?: "realistic" | "none";
  /** Keep handlers warm across sessions; default: load every handler afresh, now. */
  handlers?: WarmHandlers;
}

export function createSession(deployment: Deployment, options: SessionOptions = {}): Session {
  // What Lambda gives every function, for code that reads the environment at call time (an account
  // with no function yet — account.ts beforeDeploy — still gets the runtime's credentials).
  const base = runtimeEnvironment(deployment.functions[0] ?? { region: deployment.primaryRegion, name: "none" });
  for (const k of [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_TRACE_DISABLED",
    "POWERTOOLS_DEV",
  ]) {
    process.env[k] = base[k];
  }
  // Powertools metrics are on only in the handlers the loader loads, whose output goes to their
  // invocation's log (lambda/function-log.ts); elsewhere their EMF would print on this process's stdout.
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  const clock = VirtualClock.install(options.startAt ?? REHEARSAL_EPOCH);
  let restoreNetwork: () => void = () => undefined;
  try {
    const world = new World(deployment, clock, options.seed ?? 7, { latency: options.latency });
    current = world;
    if (!fakesInstalled) {
      installSdkFakes(currentWorld);
      fakesInstalled = true;
    }
    restoreNetwork = installInterceptors({
      route53: world.route53,
      gateway: world.gateway,
      zoneNameServers: deployment.zone.nameServers,
      now: () => clock.now(),
      sleep: (ms) => clock.sleep(ms),
      recordQuery: (type, name, outcome) => world.recordDnsQuery(type, name, outcome),
      reachability: world.reachability,
      inVpc: (functionName) => world.vpcRouting.attached(functionName),
    });
    const warm = options.handlers;
    for (const spec of deployment.functions) {
      if (warm) world.runtime.register(spec.arn, (event, context) => warm.get(spec)(event, context));
      else world.runtime.register(spec.arn, loadHandler(spec));
    }
    const background = options.background ?? true;
    if (background === true) world.start();
    else if (background !== false) {
      world.start({ alarms: background.alarms ?? false, route53: background.route53 ?? false, schedules: background.schedules ?? false });
      world.bus.rulesEnabled = background.eventRules ?? true;
    }
    return {
      world,
      clock,
      // A finished world must be garbage: scenarios and sweeps run many in one process. Three
      // things kept each one alive — executions left waiting on the stopped clock, sinon's record
      // of every SDK call, and each handler copy listed as a child of the module that loaded it —
      // ~46 MB per full rehearsal until a twelve-seed sweep ran out of heap; with all three gone,
      // six full rehearsals in one process hold 163 MB after the second, as after the sixth.
      dispose() {
        world.sfn.abandonRunning();
        restoreNetwork();
        clock.uninstall();
        forgetFakeCalls();
        if (current === world) current = undefined;
      },
    };
  } catch (error) {
    restoreNetwork();
    clock.uninstall();
    throw error;
  }
}
