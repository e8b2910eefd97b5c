/**
 * The write guard: payment writes happen only where the authority says this region is ACTIVE
 * (settlement passes `settlementDecision`, which also allows STANDBY).
 * The authority is read strongly through {@link RegionStateCache} (a few seconds of cache, so a
 * transition takes effect within that bound). An authority that cannot be read refuses writes:
 * unreadable — in strong mode, a region cut off from its peer and the witness — we cannot know we
 * are the writer (fail closed). A refusal names the writer when the authority does, so the API can
 * send the client there; it names the handover in progress when this region is part of one, so the
 * client is told to come back in a second rather than thirty.
 */
import type { RegionStateCache } from "../../lib/control-record";
import { writeDecision, type Handover, type RegionRecord, type WriteDecision, type WriteRefusal } from "../../lib/control-schema";
import { errorName } from "../../lib/observability";

export type GuardDecision = WriteDecision & { writer?: string; handover?: Handover };

export async function checkWriteGuard(
  cache: RegionStateCache,
  region: string,
  decide: (record: RegionRecord | undefined, region: string) => WriteDecision = writeDecision,
): Promise<GuardDecision> {
  try {
    const decision = decide(await cache.get(), region);
    if (decision.allowed) return decision;
    const writer = await cache.writer();
    // Only ever a region this replica's latest authority makes ACTIVE: the one item holds every
    // region's state, so the writer it names is ACTIVE at the newest epoch this region has seen.
    if (writer !== undefined && writer !== region) return { ...decision, writer };
    const handover = await cache.handover();
    return handover && (handover.from === region || handover.to === region) ? { ...decision, handover } : decision;
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

/**
 * While a planned move (eventual mode) is in progress and this region is its source or its target:
 * the promotion is seconds away (the failback's sentinel, the drill's settle), and from then on this
 * region answers 307 to the writer. Retrying in 1 s turns the promotion into an acknowledgement
 * within about a second, where 30 s would leave the client waiting long after the move completed.
 * Bounded by the handover's own window (`PLANNED_HANDOVER_WINDOW_SECONDS`): a move that never
 * completes falls back to {@link RETRY_AFTER_SECONDS}.
 */
export const HANDOVER_RETRY_AFTER_SECONDS = 1;

/** The `Retry-After` for a refusal the guard decided (a 307 carries 0 and is not this function's). */
export function retryAfterSeconds(decision: { reason: WriteRefusal; handover?: Handover }): number {
  if (decision.reason !== "REGION_STATE_UNKNOWN" && decision.handover) return HANDOVER_RETRY_AFTER_SECONDS;
  return RETRY_AFTER_SECONDS[decision.reason];
}
