/** Every scenario, by the name `--scenario` takes. `full` is the default. */
import type { Scenario } from "../scenario";
import { dnsStuck } from "./dns-stuck";
import { drill } from "./drill";
import { duplicateEvents } from "./duplicate-events";
import { flapping } from "./flapping";
import { full } from "./full";
import { replicationDegraded } from "./replication-degraded";

export const SCENARIOS: readonly Scenario[] = [full, drill, replicationDegraded, dnsStuck, flapping, duplicateEvents];
export const DEFAULT_SCENARIO = full.name;

export function scenarioNamed(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
