/**
 * Replication heartbeats in the data tables: what eventual mode measures its RPO exposure with,
 * per table. Pure (keys, item shape, the rule that tells a heartbeat from data): the canary writes
 * them and CheckReplication reads them (runbooks/domain/replication-heartbeats.ts); the stack's IAM
 * (infra/core/lambda-permissions.ts) holds those two to these keys; the rehearsal's figures leave
 * them out of what it counts as payments.
 *
 * Why one in every table: DynamoDB replicates each global table on its own, so the age of the
 * peer's heartbeat in the control table says nothing about the payments table (issue 15: payments
 * 90 s behind while the control table was current). docs/protocol.md, "RPO exposure per table".
 *
 * The key, `dr-heartbeat#<region>`, is the same in every table. It can never be a real item's key:
 * - payments (hash key `paymentId`): payment ids are `pay_` + 26 Crockford base32 characters
 *   (functions/domain/payments.ts PAYMENT_ID_PATTERN), derived from the Idempotency-Key; GET
 *   /payments/{id} refuses any other id before reading, so the API can neither return nor accept it;
 * - idempotency (hash key `id`): Powertools writes `<prefix>#<digest>` with the fixed prefix
 *   `create-payment` (functions/create-payment), never `dr-heartbeat`.
 * One item per region per table, overwritten by every probe: nothing accumulates, and no TTL or
 * sweeper is needed (the items carry no expiry attribute, so TTL and the sweeper leave them be).
 * The items carry none of a payment's attributes (no status, originRegion, createdAt): the stream
 * filter of payment-events and the restore rehearsal's checks pass them by.
 */
import * as z from "./zod";

/** The data tables that carry replication heartbeats, besides the control table's `heartbeat#<region>`. */
export const HEARTBEAT_DATA_TABLES = ["payments", "idempotency"] as const;
export type HeartbeatDataTable = (typeof HEARTBEAT_DATA_TABLES)[number];

export const REPLICATION_HEARTBEAT_PREFIX = "dr-heartbeat#";

/** The hash-key value of `region`'s heartbeat, in every data table. */
export function replicationHeartbeatKey(region: string): string {
  return `${REPLICATION_HEARTBEAT_PREFIX}${region}`;
}

/** True for the hash-key value of a replication heartbeat (any region). */
export function isReplicationHeartbeatKey(key: unknown): boolean {
  return typeof key === "string" && key.startsWith(REPLICATION_HEARTBEAT_PREFIX);
}

/** `kind` of every heartbeat item, so a person reading the table sees what it is. */
export const REPLICATION_HEARTBEAT_KIND = "dr-replication-heartbeat";

/** A heartbeat item as stored (the hash-key attribute is the table's own, so it is left out here). */
export const replicationHeartbeatSchema = z.object({
  kind: z.literal(REPLICATION_HEARTBEAT_KIND),
  region: z.string().check(z.minLength(1)),
  /** Epoch milliseconds, the writer's clock. */
  writtenAt: z.number().check(z.int(), z.nonnegative()),
  sequence: z.number().check(z.int(), z.nonnegative()),
});
export type ReplicationHeartbeat = z.infer<typeof replicationHeartbeatSchema>;

/**
 * The failback's replication sentinel in the data tables (runbooks/handlers/write-sentinel): the
 * control table's `sentinel#<execution>` proves, on arrival, only what its own table carried before
 * it. DynamoDB replicates each global table on its own, so with the payments table slower than the
 * control table the primary would promote while a payment the secondary committed before the fence
 * was still on its way, and a client's retry there would create it a second time
 * (test/state-machines/failback.test.ts). One item per writing region per table, overwritten by each
 * run and told apart by the run's id; it shares the heartbeat prefix, so everything that passes a
 * heartbeat by (the payment stream's filter, the rehearsal's counts, IAM's LeadingKeys) passes it by.
 */
export function handoverSentinelKey(region: string): string {
  return `${REPLICATION_HEARTBEAT_PREFIX}${region}#sentinel`;
}

export const HANDOVER_SENTINEL_KIND = "dr-handover-sentinel";

/** A data-table sentinel as stored (the hash-key attribute, the table's own, left out). */
export const handoverSentinelSchema = z.object({
  kind: z.literal(HANDOVER_SENTINEL_KIND),
  region: z.string().check(z.minLength(1)),
  /**
   * The run that wrote it (its execution name): a sentinel of an earlier run proves nothing for this
   * one. Not `id`: that is the idempotency table's hash-key attribute.
   */
  runId: z.string().check(z.minLength(1)),
  /** Epoch milliseconds, the writer's clock. */
  writtenAt: z.number().check(z.int(), z.nonnegative()),
});
export type HandoverSentinel = z.infer<typeof handoverSentinelSchema>;
