/**
 * One rehearsal run's setup, in the order that makes the simulation honest:
 * 1. the virtual clock is installed (before any handler module loads);
 * 2. the world is built from the deployment;
 * 3. the SDK fakes (once per process; they always talk to the current world) and the network
 *    interceptors (fetch, DNS) are installed;
 * 4. every deployed function's handler is loaded with its own environment;
 * 5. the world's clocks start (alarms, Route 53 checkers, schedules).
 */
import { VirtualClock } from "./clock";
import type { Deployment } from "./deployment/types";
import { installInterceptors } from "./interceptors";
import { loadHandler, runtimeEnvironment } from "./lambda/loader";
import { installSdkFakes } from "./sdk/install";
import { World } from "./world";

/** Scenario clocks start here: a fixed instant, so every run is the same run. 00:00 UTC is minute-aligned. */
export const REHEARSAL_EPOCH = Date.parse("2030-03-04T09:00:00.000Z");

let current: World | undefined;
let fakesInstalled = false;

export interface Session {
  world: World;
  clock: VirtualClock;
  dispose(): void;
}

export function createSession(deployment: Deployment, options: { seed?: number; startAt?: number } = {}): Session {
  // What Lambda gives every function, for code that reads the environment at call time.
  const base = runtimeEnvironment(deployment.functions[0]);
  for (const k of [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_METRICS_DISABLED",
    "POWERTOOLS_TRACE_DISABLED",
    "POWERTOOLS_DEV",
  ]) {
    process.env[k] = base[k];
  }
  const clock = VirtualClock.install(options.startAt ?? REHEARSAL_EPOCH);
  let restoreNetwork: () => void = () => undefined;
  try {
    const world = new World(deployment, clock, options.seed ?? 7);
    current = world;
    if (!fakesInstalled) {
      installSdkFakes(() => {
        if (!current) throw new Error("An AWS call was made outside a rehearsal session");
        return current;
      });
      fakesInstalled = true;
    }
    restoreNetwork = installInterceptors({
      route53: world.route53,
      gateway: world.gateway,
      zoneNameServers: deployment.zone.nameServers,
      now: () => clock.now(),
      sleep: (ms) => clock.sleep(ms),
    });
    for (const spec of deployment.functions) world.runtime.register(spec.arn, loadHandler(spec));
    world.start();
    return {
      world,
      clock,
      dispose() {
        restoreNetwork();
        clock.uninstall();
        if (current === world) current = undefined;
      },
    };
  } catch (error) {
    restoreNetwork();
    clock.uninstall();
    throw error;
  }
}
