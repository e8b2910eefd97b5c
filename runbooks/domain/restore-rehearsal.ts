/**
 * The drill's restore rehearsal (issue 17): a point-in-time copy of a table is restored into a
 * scratch table in the drill's region, checked against the table it came from, and deleted. Pure:
 * the four steps (runbooks/handlers/start-restore, check-restore, verify-restore,
 * delete-scratch-table) call AWS; the decisions and the arithmetic are here, table-tested.
 *
 * What AWS documents, and what follows from it here:
 * - "When you restore using point in time recovery, DynamoDB restores your table data to the state
 *   based on the selected date and time (day:hour:minute:second) to a new table", "within
 *   EarliestRestorableDateTime and LatestRestorableDateTime", and "LatestRestorableDateTime is
 *   typically 5 minutes before the current time"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PointInTimeRecoveryDescription.html).
 *   So the restore point is the latest restorable second the table reports, a few minutes back.
 * - A global table's replica restores to "an independent table that is not part of the global
 *   table" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/pointintimerecovery_beforeyoubegin.html);
 *   for an MRSC table "the newly restored table cannot be made into an MRSC table because only
 *   empty tables can be made into MRSC tables"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-pitr-recovery-table-restore.html).
 *   Either mode therefore gives a single-Region scratch table holding what the drill region's
 *   replica held at the restore point: that is what is checked.
 * - GSIs, LSIs, provisioned capacity and encryption settings come with the restore; "Auto scaling
 *   policies, IAM policies, Amazon CloudWatch metrics and alarms, Tags, Stream settings, Time to
 *   Live (TTL) settings, Point in time recovery settings" do not (API_RestoreTableToPointInTime),
 *   nor deletion protection ("If deletion protection was on the original table, re-enable it on
 *   the new table", bp-pitr-recovery-table-restore): the scratch table has no stream, no TTL and
 *   no deletion protection, so the drill can delete it, and it inherits the region's KMS key.
 * - "The restore can take several hours to complete. Restore time varies based on multiple
 *   factors and doesn't always correlate with table size" (bp-pitr-recovery-table-restore): the
 *   state machine waits for ACTIVE in a bounded Wait loop, and a restore that outlasts it fails the
 *   rehearsal (a table still CREATING cannot be deleted; the report names it and how to delete it).
 *
 * The checks, at the restore point T (payment items carry `createdAt` and `updatedAt`, stamped by
 * the function that writes them just before its write commits):
 * - every payment acknowledged well before T (createdAt ≤ T − {@link JUDGE_MARGIN_MS}) in the
 *   source replica is in the copy, and the copy holds no more of them: equal counts (payments are
 *   never deleted, so the copy can only lack items);
 * - nothing stamped after T is in the copy (a write stamped after T committed after T);
 * - the most recently written payments that have not changed since well before T are read from
 *   both tables and are identical, attribute by attribute;
 * - items stamped within the margin before T are counted but not judged: whether their write
 *   committed before T is not knowable from the item.
 * Nothing is checked without data: a table with no payment acknowledged before T fails the check
 * ("nothing to compare"), since a restore of nothing proves nothing.
 */
import * as z from "../../lib/zod";

/** The tables a drill may rehearse restoring. The payments table: the record of every acknowledged payment. */
export const RESTORE_REHEARSAL_TABLES = ["payments"] as const;
export type RestoreRehearsalTable = (typeof RESTORE_REHEARSAL_TABLES)[number];

/** The drill input's option (runbooks/domain/run.ts): `"restoreRehearsal": { "table": "payments" }`. */
export const restoreRehearsalInputSchema = z.strictObject(
  {
    /** Which table to restore a point-in-time copy of (only "payments" today). */
    table: z.enum(RESTORE_REHEARSAL_TABLES),
  },
  { error: `must be an object naming the table, e.g. {"table": "payments"} (tables: ${RESTORE_REHEARSAL_TABLES.join(", ")})` },
);
export type RestoreRehearsalRequest = z.infer<typeof restoreRehearsalInputSchema>;

/**
 * Items stamped less than this before the restore point are not judged. The functions that write
 * payment items stamp them before the write (create-payment's timeout is 10 s, process-payment's
 * 30 s, lib/handlers/payment-functions.ts), so a write stamped a minute before T committed before T.
 */
export const JUDGE_MARGIN_MS = 60_000;

/** How many of the most recently written, unchanged payments are compared attribute by attribute. */
export const SPOT_CHECKS = 5;

/** DynamoDB table names: 3 to 255 characters of a-z, A-Z, 0-9, `_`, `-` and `.` (API CreateTable, TableName). */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * The scratch table of one execution: the region's scratch prefix (RESTORE_SCRATCH_TABLE_PREFIX,
 * `payments-restore-<region>-<env>-`, the only names the restore steps' IAM policies reach) and
 * the execution name. Execution names are unique per state machine for 90 days, so the name is
 * this run's alone, and a retried step finds its own table.
 */
export function scratchTableName(prefix: string, executionName: string): string {
  const name = `${prefix}${executionName.replace(/[^A-Za-z0-9_.-]/g, "-")}`.slice(0, 255);
  if (!TABLE_NAME.test(name)) throw new Error(`"${name}" is not a valid DynamoDB table name`);
  return name;
}

/** Whether `name` is one of the region's scratch tables (the delete step refuses anything else). */
export function isScratchTable(prefix: string, name: string): boolean {
  return prefix.length > 0 && name.startsWith(prefix) && name.length > prefix.length && TABLE_NAME.test(name);
}

/**
 * The restore point: the latest restorable second (DynamoDB restores to the second), or null when
 * the window is empty (PITR was enabled moments ago, or its window lies in the future).
 */
export function chooseRestorePoint(window: { earliest: number; latest: number }): number | null {
  const point = Math.floor(window.latest / 1000) * 1000;
  return point >= window.earliest ? point : window.earliest <= window.latest ? window.earliest : null;
}

const timeOf = (value: unknown): number | null => {
  if (typeof value !== "string") return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : null;
};

/** Where an item stands relative to the restore point T. */
export type ItemClass = "before" | "boundary" | "after" | "other";

/**
 * `before`: stamped ≤ T − margin (must be in the copy); `after`: stamped after T (must not be);
 * `boundary`: in between (not judged); `other`: no payment timestamps (counted, not judged).
 */
export function classifyItem(item: Record<string, unknown>, restorePoint: number, marginMs = JUDGE_MARGIN_MS): ItemClass {
  const created = timeOf(item.createdAt);
  if (created === null) return "other";
  if (created > restorePoint) return "after";
  return created <= restorePoint - marginMs ? "before" : "boundary";
}

/** Not written since well before T: its content at T is its content now. */
export function unchangedSinceBefore(item: Record<string, unknown>, restorePoint: number, marginMs = JUDGE_MARGIN_MS): boolean {
  const created = timeOf(item.createdAt);
  const updated = timeOf(item.updatedAt) ?? created;
  return created !== null && updated !== null && updated <= restorePoint - marginMs;
}

export const itemCountsSchema = z.object({
  /** Items read. */
  total: z.number(),
  before: z.number(),
  boundary: z.number(),
  after: z.number(),
  other: z.number(),
});
export type ItemCounts = z.infer<typeof itemCountsSchema>;

export const emptyCounts = (): ItemCounts => ({ total: 0, before: 0, boundary: 0, after: 0, other: 0 });

export function countItem(counts: ItemCounts, cls: ItemClass): void {
  counts.total += 1;
  counts[cls] += 1;
}

/** A payment chosen for the attribute-by-attribute comparison: its key and when it was last written. */
export const spotCandidateSchema = z.object({ key: z.string(), lastWrittenAt: z.string(), acknowledgedAt: z.string() });
export type SpotCandidate = z.infer<typeof spotCandidateSchema>;

/** Keeps the `limit` most recently written candidates (ties: by key, so the choice is deterministic). */
export function keepRecent(candidates: SpotCandidate[], next: SpotCandidate, limit = SPOT_CHECKS): SpotCandidate[] {
  return [...candidates, next].sort((a, b) => b.lastWrittenAt.localeCompare(a.lastWrittenAt) || a.key.localeCompare(b.key)).slice(0, limit);
}

/** Attributes whose values differ between two items (values compared as canonical JSON; no values in the output). */
export function differingAttributes(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.filter((n) => canonical(a[n]) !== canonical(b[n]));
}

function canonical(value: unknown): string {
  if (value instanceof Set) return canonical([...value].sort());
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "undefined";
}

export const spotCheckSchema = z.object({
  key: z.string(),
  acknowledgedAt: z.string(),
  lastWrittenAt: z.string(),
  /** found: in the copy; identical: every attribute equal; changed: the source item was written again since it was chosen (not judged). */
  result: z.enum(["identical", "different", "missing", "changed"]),
  differences: z.array(z.string()),
});
export type SpotCheck = z.infer<typeof spotCheckSchema>;

export interface RestoreJudgement {
  passed: boolean;
  problems: string[];
  summary: string;
}

/** The verdict on a restored copy, from the two tables' counts and the spot checks. */
export function judgeRestore(input: {
  scratch: ItemCounts;
  source: ItemCounts;
  spotChecks: SpotCheck[];
  restorePoint: number;
}): RestoreJudgement {
  const { scratch, source, spotChecks } = input;
  const problems: string[] = [];
  const margin = `${JUDGE_MARGIN_MS / 1000} s`;
  if (source.before === 0) {
    problems.push(`nothing to compare: the source holds no payment acknowledged ${margin} or more before the restore point`);
  }
  if (scratch.before < source.before) {
    problems.push(
      `${source.before - scratch.before} of ${source.before} payments acknowledged ${margin} or more before the restore point are missing from the copy`,
    );
  } else if (scratch.before > source.before) {
    problems.push(
      `the copy holds ${scratch.before - source.before} more payments acknowledged before the restore point than the source does`,
    );
  }
  if (scratch.after > 0) problems.push(`the copy holds ${scratch.after} items written after the restore point`);
  const judged = spotChecks.filter((s) => s.result !== "changed");
  if (source.before > 0 && judged.length === 0) problems.push("no payment could be compared attribute by attribute");
  for (const s of judged) {
    if (s.result === "missing") problems.push(`payment ${s.key} (acknowledged ${s.acknowledgedAt}) is missing from the copy`);
    if (s.result === "different") problems.push(`payment ${s.key} differs in the copy (${s.differences.join(", ")})`);
  }
  const identical = judged.filter((s) => s.result === "identical").length;
  const summary =
    `${scratch.before} of ${source.before} payments acknowledged ${margin}+ before the restore point restored, ` +
    `${scratch.after} written after it; ${identical} of ${judged.length} compared payments identical` +
    `${scratch.boundary + source.boundary > 0 ? `; ${scratch.boundary} in the copy within ${margin} of it (not judged)` : ""}`;
  return { passed: problems.length === 0, problems, summary };
}

/** The command that deletes a scratch table the drill could not delete (shown in the report and the notification). */
export function deleteCommand(region: string, tableName: string): string {
  return `aws dynamodb delete-table --region ${region} --table-name ${tableName}`;
}
