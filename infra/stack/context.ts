/**
 * What every phase of the stack needs: the validated config, the two regions, the account and
 * the root component new resources hang under. The phases (foundation, payment path, disaster
 * recovery, parameters) are plain functions called in that order by infra/stack/payments-dr.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DrConfig, RegionRole, RegionSpec } from "../core/config";

export interface StackContext {
  config: DrConfig;
  environment: string;
  /** Primary first. */
  specs: [RegionSpec, RegionSpec];
  accountId: pulumi.Output<string>;
  /** Resource options that put a resource under the stack's root component. */
  parent: pulumi.ComponentResourceOptions;
}

export type PerRegion<T> = Record<RegionRole, T>;

/** Builds one value per region, in the fixed order primary, secondary. */
export function perRegion<T>(specs: readonly RegionSpec[], build: (spec: RegionSpec) => T): PerRegion<T> {
  const result = {} as PerRegion<T>;
  for (const spec of specs) result[spec.role] = build(spec);
  return result;
}

export function peerRole(role: RegionRole): RegionRole {
  return role === "primary" ? "secondary" : "primary";
}
