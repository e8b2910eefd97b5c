/**
 * One page of a DynamoDB Scan over the items a replica holds (model.ts picks which: the local
 * replica, or for a strongly consistent read of an MRSC table the latest committed versions), as
 * the API reference describes it (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html):
 *
 * - Parallel scan: `TotalSegments` (1 to 1,000,000) cuts the table into segments and `Segment`
 *   (0 to TotalSegments - 1) names the one to read; each needs the other
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.ParallelScan).
 *   DynamoDB assigns items to segments by a hash of the partition key, which it does not publish.
 *   Here: the 32-bit FNV-1a hash of the stored key orders the table, and segment s is the s-th of
 *   TotalSegments equal ranges of that hash space — deterministic, and every item is in exactly
 *   one segment, whatever is written or deleted meanwhile. Which segment a given key lands in is
 *   therefore not the one DynamoDB would choose.
 * - Paging: a page reads items in that order, after `ExclusiveStartKey` (a position, so the item
 *   it names may have been deleted since), and stops at `Limit` items evaluated or at 1 MB of
 *   them; then it returns the last evaluated item's key as `LastEvaluatedKey`. It does so even
 *   when nothing follows: "If LastEvaluatedKey is not empty, it does not necessarily mean that
 *   there is more data in the result set. The only way to know when you have reached the end of
 *   the result set is when LastEvaluatedKey is empty." The 1 MB is counted with the documented
 *   item-size rules (approximately: see {@link itemSizeBytes}).
 * - `FilterExpression` applies after the page was read: "A single Scan operation first reads up to
 *   the maximum number of items set (if using the Limit parameter) or a maximum of 1 MB of data
 *   and then applies any filtering", so `ScannedCount` counts what was evaluated and `Count` what
 *   matched (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Scan.html#Scan.Limit).
 * - Consistency is the caller's choice of what to scan (model.ts); "Strong consistency only relates
 *   to the consistency of the read at the item level" (API_Scan): no snapshot across pages.
 */
import { ServiceError } from "../small-services";
import { cloneItem, type Item } from "./attribute-values";
import { evaluateCondition } from "./expressions";

export interface ScanRequest {
  segment?: number;
  totalSegments?: number;
  limit?: number;
  /** The previous page's LastEvaluatedKey (native values). */
  exclusiveStartKey?: Item;
  consistentRead?: boolean;
  filter?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> };
}

export interface ScanPage {
  items: Item[];
  /** Items evaluated (before the filter). */
  scannedCount: number;
  lastEvaluatedKey?: Item;
}

/** "The maximum data set size limit of 1 MB" per page; DynamoDB's units are binary (1 MB = 1024 KB). */
export const SCAN_PAGE_BYTES = 1024 * 1024;
export const MAX_TOTAL_SEGMENTS = 1_000_000;

const invalid = (message: string) => new ServiceError("ValidationException", message, 400);

/** 32-bit FNV-1a of the stored key (model.ts keyOf): where the item sits in the table's scan order. */
function position(storedKey: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < storedKey.length; i++) {
    h ^= storedKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The segment (of `totalSegments` equal ranges of the hash space) a position falls in. */
const segmentAt = (pos: number, totalSegments: number) => Math.floor((pos * totalSegments) / 2 ** 32);

/** The segment a stored key belongs to. */
export function segmentOf(storedKey: string, totalSegments: number): number {
  return segmentAt(position(storedKey), totalSegments);
}

function isIndex(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Throws the ValidationException DynamoDB answers for Segment, TotalSegments or Limit out of range (before any read). */
export function validateScan(request: ScanRequest): void {
  const { segment, totalSegments, limit } = request;
  if ((segment === undefined) !== (totalSegments === undefined))
    throw invalid("Segment and TotalSegments go together: a parallel scan names both (or neither, for a sequential scan)");
  if (totalSegments !== undefined && !isIndex(totalSegments, 1, MAX_TOTAL_SEGMENTS))
    throw invalid(`TotalSegments must be an integer from 1 to ${MAX_TOTAL_SEGMENTS}, not ${totalSegments}`);
  if (segment !== undefined && !isIndex(segment, 0, (totalSegments as number) - 1))
    throw invalid(`Segment must be an integer from 0 to TotalSegments - 1 (${(totalSegments as number) - 1}), not ${segment}`);
  if (limit !== undefined && !isIndex(limit, 1, Number.MAX_SAFE_INTEGER))
    throw invalid(`Limit must be an integer of at least 1, not ${limit}`);
}

/**
 * The stored key an ExclusiveStartKey names. It must be exactly the table's key (here a partition
 * key alone); in a parallel scan it must lie in the requested segment. Real DynamoDB's messages for
 * both, as others observed them: "The provided starting key is invalid: The provided key element
 * does not match the schema" and "... Invalid ExclusiveStartKey. Please use ExclusiveStartKey with
 * correct Segment." (https://github.com/scylladb/scylladb/pull/9270).
 */
function startAfter(request: ScanRequest, table: ScannedTable): string | undefined {
  const start = request.exclusiveStartKey;
  if (start === undefined) return undefined;
  const value = start[table.hashKey];
  if (Object.keys(start).length !== 1 || (typeof value !== "string" && typeof value !== "number"))
    throw invalid("The provided starting key is invalid: The provided key element does not match the schema");
  const key = table.keyOf(start);
  if (request.totalSegments !== undefined && segmentOf(key, request.totalSegments) !== request.segment)
    throw invalid(
      `The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: ${request.totalSegments} Segment: ${segmentOf(key, request.totalSegments)}`,
    );
  return key;
}

const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** "1 byte per two significant digits" plus 1; leading and trailing zeroes do not count. */
function numberBytes(n: number): number {
  const digits = Math.abs(n).toExponential().replace(/e.*$/, "").replace(".", "").replace(/0+$/, "");
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueBytes(value: unknown): number {
  if (typeof value === "string") return utf8Bytes(value);
  if (typeof value === "number") return numberBytes(value);
  if (typeof value === "bigint") return numberBytes(Number(value));
  if (value === null || typeof value === "boolean" || value === undefined) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  // Sets: their elements (the guide gives no overhead for sets).
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueBytes(v), 0);
  // Lists and maps: 3 bytes, plus 1 per element, plus the elements (and a map's names).
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  return 3 + Object.entries(value as Record<string, unknown>).reduce((sum, [k, v]) => sum + 1 + utf8Bytes(k) + valueBytes(v), 0);
}

/**
 * An item's size by the guide's rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * each attribute's name in UTF-8 plus its value's size. Approximate, as the guide's number rule is.
 */
export function itemSizeBytes(item: Item): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8Bytes(name) + valueBytes(value), 0);
}

/** The table being scanned: its partition key, and how the model turns a key into the stored key (model.ts keyOf). */
export interface ScannedTable {
  hashKey: string;
  keyOf(key: Item): string;
}

/**
 * One page of a Scan over `source` (stored key → live item) of `table`. Throws ValidationException
 * for what DynamoDB rejects; the items returned are copies.
 */
export function scanPage(source: Iterable<[string, Item]>, table: ScannedTable, request: ScanRequest): ScanPage {
  validateScan(request);
  const { hashKey } = table;
  const after = startAfter(request, table);
  const afterPosition = after === undefined ? -1 : position(after);
  const inOrder = (a: { pos: number; key: string }, b: { pos: number; key: string }) =>
    a.pos - b.pos || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const candidates: { pos: number; key: string; item: Item }[] = [];
  for (const [key, item] of source) {
    const pos = position(key);
    if (request.totalSegments !== undefined && segmentAt(pos, request.totalSegments) !== request.segment) continue;
    if (after !== undefined && inOrder({ pos, key }, { pos: afterPosition, key: after }) <= 0) continue;
    candidates.push({ pos, key, item });
  }
  candidates.sort(inOrder);

  const limit = request.limit ?? Number.POSITIVE_INFINITY;
  const evaluated: Item[] = [];
  let bytes = 0;
  for (const { item } of candidates) {
    if (evaluated.length >= limit || bytes >= SCAN_PAGE_BYTES) break;
    evaluated.push(item);
    bytes += itemSizeBytes(item);
  }
  // Stopped by Limit or by 1 MB, not by the end of the segment: say where to go on from.
  const stopped = evaluated.length > 0 && (evaluated.length >= limit || bytes >= SCAN_PAGE_BYTES);
  const last = evaluated[evaluated.length - 1];
  const filter = request.filter;
  const items = filter ? evaluated.filter((item) => evaluateCondition(filter.expression, item, filter.names, filter.values)) : evaluated;
  return {
    items: items.map((item) => cloneItem(item)),
    scannedCount: evaluated.length,
    // A key is a string or a number: nothing to copy.
    ...(stopped ? { lastEvaluatedKey: { [hashKey]: last[hashKey] } } : {}),
  };
}
