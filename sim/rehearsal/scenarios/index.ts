/** Every scenario, by the name `--scenario` takes. `full` is the default. */
import type { Scenario } from "../scenario";
import { dnsStuck } from "./dns-stuck";
import { drill } from "./drill";
import { drillSecondaryCannotWrite } from "./drill-secondary-cannot-write";
import { duplicateEvents } from "./duplicate-events";
import { flapping } from "./flapping";
import { full } from "./full";
import { grayFailure, laggingPayments, lateOutage } from "./gray-failures";
import { partition, partitionThenPrimaryDies } from "./partitions";
import { failbackInterrupted, operatorRace } from "./races";
import { replicationDegraded } from "./replication-degraded";
import { witnessOutage } from "./witness";
import { steady } from "../../sweep/steady";

export const SCENARIOS: readonly Scenario[] = [
  full,
  drill,
  drillSecondaryCannotWrite,
  replicationDegraded,
  dnsStuck,
  flapping,
  duplicateEvents,
  partition,
  partitionThenPrimaryDies,
  operatorRace,
  failbackInterrupted,
  grayFailure,
  lateOutage,
  laggingPayments,
  witnessOutage,
];
export const DEFAULT_SCENARIO = full.name;
/** Stories with nothing scripted, for injected faults (`--fault`, `--operator`, `npm run sweep`); not part of `all`. */
export const BASES: readonly Scenario[] = [steady];

export function scenarioNamed(name: string): Scenario | undefined {
  return [...SCENARIOS, ...BASES].find((s) => s.name === name);
}
