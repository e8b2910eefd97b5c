/**
 * One run over one segment of one table: read pages of a parallel Scan, and delete each item that
 * is dead by a delete conditional on its expiry still being before the cutoff, a few at a time.
 * The reads and deletes are passed in ({@link SweepIo}), so this loop is the same against DynamoDB
 * (store.ts) and in tests.
 *
 * The condition is what makes the sweep safe: "Conditional writes always evaluate the condition
 * expression against the latest version of an item" on a multi-Region strongly consistent table,
 * so an item renewed after the Scan read it (a lease extended, an idempotency key reused) fails the
 * condition and is kept, whichever region renewed it.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
 */
import { isSweepable, type SweepTarget } from "./expiry";

export type Item = Record<string, unknown>;

export interface ScanRequest {
  segment: number;
  totalSegments: number;
  limit: number;
  startKey?: Item;
}

export interface ScanPage {
  items: Item[];
  /** Where the next page starts; absent once the segment is read to its end. */
  lastKey?: Item;
}

/**
 * - deleted: the item was dead and is gone;
 * - kept: the condition failed: renewed since the Scan, or already deleted (by the other region's run);
 * - conflict: another region was writing the item at that moment (ReplicatedWriteConflictException);
 *   it is left for a later run.
 */
export type DeleteOutcome = "deleted" | "kept" | "conflict";

export interface SweepIo {
  scan(request: ScanRequest): Promise<ScanPage>;
  deleteIfExpired(key: string, cutoff: number): Promise<DeleteOutcome>;
}

export interface SweepOptions {
  segment: number;
  totalSegments: number;
  /** Epoch seconds; items whose expiry is before it are dead (expiry.ts, cutoffSeconds). */
  cutoff: number;
  maxPages: number;
  pageLimit: number;
  /** Deletes in flight at once. */
  concurrency: number;
  /** Whether there is time for another page (the Lambda deadline). */
  hasTime: () => boolean;
}

export interface SweepReport {
  table: string;
  kind: SweepTarget["kind"];
  segment: number;
  totalSegments: number;
  pages: number;
  scanned: number;
  deleted: number;
  kept: number;
  conflicts: number;
  /** The segment was read to its end; false when the page budget or the time ran out first. */
  complete: boolean;
}

/** Runs `fn` over `items`, at most `limit` at a time; the first error rejects once the others settle. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

export async function sweepSegment(target: SweepTarget, io: SweepIo, options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = {
    table: target.tableName,
    kind: target.kind,
    segment: options.segment,
    totalSegments: options.totalSegments,
    pages: 0,
    scanned: 0,
    deleted: 0,
    kept: 0,
    conflicts: 0,
    complete: false,
  };
  let startKey: Item | undefined;
  while (report.pages < options.maxPages && options.hasTime()) {
    const page = await io.scan({
      segment: options.segment,
      totalSegments: options.totalSegments,
      limit: options.pageLimit,
      ...(startKey ? { startKey } : {}),
    });
    report.pages++;
    report.scanned += page.items.length;
    const dead = page.items.filter((item) => isSweepable(item, target, options.cutoff)).map((item) => String(item[target.hashKey]));
    await forEachLimited(dead, options.concurrency, async (key) => {
      const outcome = await io.deleteIfExpired(key, options.cutoff);
      if (outcome === "deleted") report.deleted++;
      else if (outcome === "kept") report.kept++;
      else report.conflicts++;
    });
    if (!page.lastKey) {
      report.complete = true;
      break;
    }
    startKey = page.lastKey;
  }
  return report;
}
