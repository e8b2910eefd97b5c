/**
 * The write guard: payment writes happen only where the authority says this region is ACTIVE
 * (settlement passes `settlementDecision`, which also allows STANDBY).
 * The authority is read strongly through {@link RegionStateCache} (a few seconds of cache, so a
 * transition takes effect within that bound). An authority that cannot be read refuses writes:
 * unreadable — in strong mode, a region cut off from its peer and the witness — we cannot know we
 * are the writer (fail closed). A refusal names the writer when the authority does, so the API can
 * send the client there.
 */
import type { RegionStateCache } from "../../lib/control-record";
import { writeDecision, type RegionRecord, type WriteDecision, type WriteRefusal } from "../../lib/control-schema";
import { errorName } from "../../lib/observability";

export type GuardDecision = WriteDecision & { writer?: string };

export async function checkWriteGuard(
  cache: RegionStateCache,
  region: string,
  decide: (record: RegionRecord | undefined, region: string) => WriteDecision = writeDecision,
): Promise<GuardDecision> {
  try {
    const decision = decide(await cache.get(), region);
    if (decision.allowed) return decision;
    const writer = await cache.writer();
    return writer !== undefined && writer !== region ? { ...decision, writer } : decision;
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
