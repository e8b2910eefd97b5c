/**
 * What the sweeper may delete, and which part of a table a run scans. Pure: no SDK, no environment,
 * so the infra (table catalogue, infra/core/tables.ts) and the tests read the same facts.
 *
 * Why a sweeper at all: strong mode's tables are DynamoDB multi-Region strongly consistent (MRSC),
 * and "Time to Live (TTL) is not supported for MRSC global tables"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html).
 * Correctness never waits for it: Powertools treats an idempotency record past its `expiration` as
 * absent (its conditional put overwrites it), and every control item with `expiresAt` is compared
 * against the clock by the code that reads it. The sweeper only keeps dead items from piling up.
 */
import { CONTROL_TABLE_TTL_ATTRIBUTE } from "../../lib/control-schema";

/**
 * Powertools idempotency's expiry attribute, epoch seconds: DynamoDBPersistenceOptions `expiryAttr`
 * "Defaults to 'expiration'" (@aws-lambda-powertools/idempotency, types/DynamoDBPersistence.d.ts);
 * create-payment keeps the default. Its conditional put treats `#expiry < :now` as absent.
 */
export const IDEMPOTENCY_EXPIRY_ATTRIBUTE = "expiration";
/** Powertools idempotency's hash key: DynamoDBPersistenceOptions `keyAttr` "Defaults to 'id'" (kept by create-payment). */
export const IDEMPOTENCY_HASH_KEY = "id";

/**
 * An item is deleted only once it has been dead this long: a holder whose clock runs a little
 * behind still sees its lease as expired before the sweeper removes it, and an operator looking at
 * a just-expired lease or approval still finds it.
 */
export const SWEEP_GRACE_SECONDS = 300;

/**
 * Control items that must never be swept, whatever they hold: who writes (the region records,
 * `region#<region>`, and the single `authority` item that replaces them) and the heartbeats
 * (lib/control-schema.ts, controlKeys). They carry no expiry today; this guards them should one
 * ever appear, since deleting the region state would make every region refuse writes.
 */
export const PROTECTED_CONTROL_KEY_PREFIXES = ["region#", "authority", "heartbeat#"] as const;

/** One table as the sweeper sees it. */
export interface SweepTarget {
  /** What the table is, for logs and metrics: "idempotency" or "control". */
  kind: "idempotency" | "control";
  tableName: string;
  hashKey: string;
  /** Number attribute, epoch seconds. */
  expiryAttribute: string;
  /** Hash keys starting with one of these are never deleted. */
  protectedKeyPrefixes: readonly string[];
}

export function idempotencyTarget(tableName: string): SweepTarget {
  return {
    kind: "idempotency",
    tableName,
    hashKey: IDEMPOTENCY_HASH_KEY,
    expiryAttribute: IDEMPOTENCY_EXPIRY_ATTRIBUTE,
    protectedKeyPrefixes: [],
  };
}

export function controlTarget(tableName: string, hashKey: string): SweepTarget {
  return {
    kind: "control",
    tableName,
    hashKey,
    expiryAttribute: CONTROL_TABLE_TTL_ATTRIBUTE,
    protectedKeyPrefixes: PROTECTED_CONTROL_KEY_PREFIXES,
  };
}

/** Items whose expiry is before this instant (epoch seconds) are dead and past the grace period. */
export function cutoffSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000) - SWEEP_GRACE_SECONDS;
}

/**
 * Whether a scanned item may be deleted: its hash key is not protected and its expiry is a number
 * before the cutoff. The delete itself repeats the expiry test as its condition, so an item renewed
 * after the scan read it is kept.
 */
export function isSweepable(item: Record<string, unknown>, target: SweepTarget, cutoff: number): boolean {
  const key = item[target.hashKey];
  if (typeof key !== "string") return false;
  if (target.protectedKeyPrefixes.some((prefix) => key.startsWith(prefix))) return false;
  const expiry = item[target.expiryAttribute];
  return typeof expiry === "number" && Number.isFinite(expiry) && expiry < cutoff;
}

/** Pages one run scans per table, each at most {@link PAGE_LIMIT} items (and DynamoDB's 1 MB). */
export const MAX_PAGES_PER_RUN = 10;
export const PAGE_LIMIT = 1000;
/** DynamoDB's upper bound for a parallel scan's TotalSegments. */
export const MAX_SEGMENTS = 1_000_000;

/**
 * How many segments a table is cut into so that one run can read a whole segment within its page
 * budget, from the table's approximate item count (DescribeTable ItemCount, which DynamoDB updates
 * about every six hours; twice the budget's worth of headroom for the growth in between).
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan
 */
export function segmentCount(itemCount: number | undefined): number {
  const perRun = MAX_PAGES_PER_RUN * PAGE_LIMIT;
  const items = Number.isFinite(itemCount) && (itemCount ?? 0) > 0 ? (itemCount as number) : 0;
  return Math.min(MAX_SEGMENTS, Math.max(1, Math.ceil((2 * items) / perRun)));
}

/**
 * The segment a run scans: runs rotate through the segments one per schedule slot (one per
 * minute), and the secondary starts half way round, so together the two regions visit each
 * segment twice as often, and either alone still covers the whole table.
 */
export function segmentFor(nowMs: number, slotMs: number, segments: number, isPrimary: boolean): number {
  const slot = Math.floor(nowMs / slotMs);
  const offset = isPrimary ? 0 : Math.floor(segments / 2);
  return (slot + offset) % segments;
}
