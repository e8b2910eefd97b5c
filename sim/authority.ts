/**
 * The authority item (lib/control-schema.ts) as a replica of the simulated control table holds it:
 * what the rehearsal's observers, figures and scenarios read to know who writes, without going
 * through an SDK call (which would count as traffic and could be refused by a fault).
 */
import { type Authority, controlKeys, regionView, type RegionRecord } from "../lib/control-schema";
import type { Deployment } from "./deployment/types";
import type { World } from "./world";

export function controlTableName(deployment: Deployment): string | undefined {
  return deployment.tables.find((t) => t.hashKey === "pk")?.name;
}

/** The authority in `replica`'s copy of the control table, if any. */
export function authorityIn(world: World, replica: string): Authority | undefined {
  const table = controlTableName(world.deployment);
  return table ? (world.dynamodb.get(replica, table, { pk: controlKeys.authority() }) as Authority | undefined) : undefined;
}

/** `region` as `replica`'s copy of the authority says it is. */
export function regionIn(world: World, replica: string, region: string): RegionRecord | undefined {
  return regionView(authorityIn(world, replica), region);
}
