/**
 * The write guard: payment writes happen only where the authority says this region is ACTIVE
 * (settlement passes `settlementDecision`, which also allows STANDBY).
 * The authority is read strongly through {@link RegionStateCache} (a few seconds of cache, so a
 * transition takes effect within that bound). An authority that cannot be read refuses writes:
 * unreadable — in strong mode, a region cut off from its peer and the witness — we cannot know we
 * are the writer (fail closed). A refusal names the writer when the authority does, so the API can
 * send the client there; it names the handover in progress when this region is part of one, so the
 * client is told to come back in a second.
 */
import type { RegionStateCache } from "../../lib/region-state-cache";
import {
  PAYMENT_WRITE_GRACE_MS,
  writeDecision,
  type Handover,
  type RegionRecord,
  type WriteDecision,
  type WriteRefusal,
} from "../../lib/control-schema";
import { errorName } from "../../lib/observability";

/**
 * An allowed decision carries `writeDeadline` (epoch ms): the payment's write must be sent before it
 * and is aborted at it (RegionStateCache.admission). A refusal names the writer or the handover.
 */
export type GuardDecision = WriteDecision & { writer?: string; handover?: Handover; writeDeadline?: number };

export async function checkWriteGuard(
  cache: RegionStateCache,
  region: string,
  decide: (record: RegionRecord | undefined, region: string) => WriteDecision = writeDecision,
): Promise<GuardDecision> {
  try {
    const { record, writeDeadline } = await cache.admission();
    const decision = decide(record, region);
    if (decision.allowed) return { ...decision, writeDeadline };
    const writer = await cache.writer();
    // Only ever a region this replica's latest authority makes ACTIVE: the one item holds every
    // region's state, so the writer it names is ACTIVE at the newest epoch this region has seen.
    if (writer !== undefined && writer !== region) return { ...decision, writer };
    const handover = await cache.handover();
    if (!handover || (handover.from !== region && handover.to !== region)) return decision;
    // A planned move's source or target, refusing while its promotion is on the way: the next
    // request reads the authority afresh instead of from this cached copy, so the promotion turns
    // into a redirect or an acknowledgement at the client's next retry (Retry-After 1), not up to a
    // cache lifetime later. The cost: one strongly consistent read per refused request, for the few
    // seconds between the fence and the promotion (bounded by the handover's window).
    cache.invalidate();
    return { ...decision, handover };
  } catch (error) {
    return {
      allowed: false,
      reason: "REGION_STATE_UNKNOWN",
      detail: `the region-state record for ${region} could not be read (${errorName(error)})`,
    };
  }
}

/**
 * The deadline to send a payment write that the guard admitted with `admitted` (its
 * `writeDeadline`), judged just before sending: that deadline while its read is still within its
 * lifetime; once that lifetime has ended — the steps between admission and the write were slow (an
 * idempotency record held up) — the deadline of a fresh read, if that read still allows the write.
 * `undefined` when it does not, or cannot be read: the write must not be sent.
 *
 * Why read again instead of sending on the grace alone: a write is then always sent on a read no
 * older than its lifetime, so a slow step costs one strongly consistent read instead of the
 * payment (without it, every request admitted late in a read's life failed whenever the
 * idempotency table was slow), and the bound on a demoted region's last write
 * (demotedWriteBoundMs) is unchanged.
 */
export async function deadlineToSend(
  cache: RegionStateCache,
  region: string,
  admitted: number,
  now: number,
  decide: (record: RegionRecord | undefined, region: string) => WriteDecision = writeDecision,
): Promise<number | undefined> {
  if (now < admitted - PAYMENT_WRITE_GRACE_MS) return admitted;
  const again = await checkWriteGuard(cache, region, decide);
  return again.allowed ? again.writeDeadline : undefined;
}

/**
 * The `Retry-After` a refused client gets when no handover is in progress (docs/architecture.md,
 * "The write path").
 *
 * FENCED and DRAINED: 30 s. Such a region answers 503 on `/health`, so DNS moves its clients away
 * (health-check detection plus the record's TTL, about a minute), and it writes again only after a
 * human's failback or a drill's undrain: a client retrying sooner mostly meets the same refusal.
 *
 * STANDBY (with nobody ACTIVE; with a writer it redirects): 5 s, the payment path's cache bound
 * (`REGION_STATE_CACHE_SECONDS`, deployed as 5; create-payment.test.ts holds the two together).
 * A STANDBY region answers 200 on `/health`, so DNS keeps sending clients to it, and nobody ACTIVE
 * is, most often, a failover between fencing the old writer and promoting this region (the
 * settle, 10 s) — or the peer, which the next read here turns into a 307. What bounds how soon a
 * retry can succeed is the promotion plus the cache bound: a container that read just before the
 * promotion sees it at most 5 s later. A retry every 5 s therefore lands at most 5 s after that
 * (10 s after the promotion, where 30 s cost up to 35 s); sooner retries would mostly be answered by
 * a container from the same cached read. The cost, while nobody is ACTIVE for long (an approval
 * wait, a missing quorum): one request every 5 s per waiting client instead of every 30 s. Each is
 * a 503 decided from the container's cached read — at most one strongly consistent `GetItem` per
 * container per cache bound, whatever the number of clients — and nothing written; past the
 * stage's throttle (`apiThrottleRateLimit`, default 100 requests/s) API Gateway answers 429 before
 * Lambda is invoked (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
 *
 * An unreadable control table: 5 s, often a blip.
 */
export const RETRY_AFTER_SECONDS: Record<WriteRefusal, number> = {
  REGION_FENCED: 30,
  REGION_DRAINED: 30,
  REGION_STANDBY: 5,
  REGION_STATE_UNKNOWN: 5,
};

/**
 * While a planned move (eventual mode) is in progress and this region is its source or its target:
 * the promotion is seconds away (the failback's sentinel, the drill's settle), and from then on this
 * region answers 307 to the writer. Retrying in 1 s turns the promotion into an acknowledgement
 * within about a second, where {@link RETRY_AFTER_SECONDS} (5 s, or 30 s for the fenced or drained
 * source) would leave the client waiting after the move completed.
 * Bounded by the handover's own window (`PLANNED_HANDOVER_WINDOW_SECONDS`): a move that never
 * completes falls back to {@link RETRY_AFTER_SECONDS}.
 */
export const HANDOVER_RETRY_AFTER_SECONDS = 1;

/** The `Retry-After` for a refusal the guard decided (a 307 carries 0 and is not this function's). */
export function retryAfterSeconds(decision: { reason: WriteRefusal; handover?: Handover }): number {
  if (decision.reason !== "REGION_STATE_UNKNOWN" && decision.handover) return HANDOVER_RETRY_AFTER_SECONDS;
  return RETRY_AFTER_SECONDS[decision.reason];
}
