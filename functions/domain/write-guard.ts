/**
 * The write guard: payment writes happen only where the local region-state record says ACTIVE
 * (settlement passes `settlementDecision`, which also allows STANDBY).
 * The record comes from the local replica through {@link RegionStateCache} (a few seconds of
 * cache, so a fence takes effect within that window). A record that cannot be read refuses
 * writes: with the control table unreachable we cannot know we are not fenced (fail closed).
 */
import type { RegionStateCache } from "../../lib/control-record";
import { writeDecision, type RegionRecord, type WriteDecision, type WriteRefusal } from "../../lib/control-schema";
import { errorName } from "../../lib/observability";

export async function checkWriteGuard(
  cache: RegionStateCache,
  region: string,
  decide: (record: RegionRecord | undefined, region: string) => WriteDecision = writeDecision,
): Promise<WriteDecision> {
  try {
    return decide(await cache.get(), region);
  } catch (error) {
    return {
      allowed: false,
      reason: "REGION_STATE_UNKNOWN",
      detail: `the region-state record for ${region} could not be read (${errorName(error)})`,
    };
  }
}

/**
 * The `Retry-After` a refused client gets. A fenced, drained or standby region stays so until
 * DNS has moved (health-check detection plus the record TTL, about a minute): retrying in 30 s
 * usually reaches the active region. An unreadable control table is often a blip.
 */
export const RETRY_AFTER_SECONDS: Record<WriteRefusal, number> = {
  REGION_FENCED: 30,
  REGION_DRAINED: 30,
  REGION_STANDBY: 30,
  REGION_STATE_UNKNOWN: 5,
};
