/**
 * The three global tables as data: key schema, which attribute holds an item's expiry, and whether
 * a function reads the table's stream. The component (infra/components/data/global-tables.ts), the
 * sweeper's wiring and the policy pack read this one catalogue. Pure.
 */
import { CONTROL_TABLE_HASH_KEY, CONTROL_TABLE_TTL_ATTRIBUTE } from "../../lib/control-schema";
import { allFunctions } from "../../lib/handlers";
import type { LambdaSpec, Permission } from "../../lib/handlers/spec";
import type { DataConsistency } from "./config";
import { IDEMPOTENCY_EXPIRY_ATTRIBUTE, IDEMPOTENCY_HASH_KEY } from "../../functions/sweep-expired/expiry";
import { GLOBAL, resourceName } from "./naming";

export interface TableSpec {
  /** The `{service}` slot of the physical name (`{service}-global-{environment}`). */
  service: string;
  hashKey: string;
  /**
   * Number attribute holding the epoch second after which an item is dead. Eventual mode: the
   * table's TTL attribute. Strong mode (MRSC tables support no TTL): the sweeper's condition.
   */
  expiryAttribute?: string;
}

/** Key schemas are documented in docs/architecture.md ("Data"). */
export const TABLES = {
  payments: { service: "payments", hashKey: "paymentId" },
  idempotency: { service: "payments-idempotency", hashKey: IDEMPOTENCY_HASH_KEY, expiryAttribute: IDEMPOTENCY_EXPIRY_ATTRIBUTE },
  control: { service: "dr-control", hashKey: CONTROL_TABLE_HASH_KEY, expiryAttribute: CONTROL_TABLE_TTL_ATTRIBUTE },
} satisfies Record<string, TableSpec>;

export type TableKey = keyof typeof TABLES;
export const TABLE_KEYS = Object.keys(TABLES) as TableKey[];

export function tableName(key: TableKey, environment: string): string {
  return resourceName(TABLES[key].service, GLOBAL, environment);
}

/** Whether some function reads this table's stream (an event source mapping in every region). */
export function streamConsumed(key: TableKey): boolean {
  return allFunctions.some((f) => f.trigger.kind === "dynamodb-stream" && f.trigger.table === key);
}

/** The tables whose items expire: TTL in eventual mode, the sweeper in strong mode. */
export function expiringTables(): TableKey[] {
  return TABLE_KEYS.filter((key) => (TABLES[key] as TableSpec).expiryAttribute !== undefined);
}

/** The function that deletes expired items where TTL cannot (functions/sweep-expired). */
export const SWEEPER_FUNCTION = "sweep-expired";

/**
 * Permissions only eventual mode uses: the replication heartbeats of the data tables, from which
 * CheckReplication measures each table's RPO exposure (lib/replication-heartbeat.ts). Strong mode
 * (MRSC) has no lag to measure — exposure is 0 by construction — and its canary writes none.
 */
export const EVENTUAL_ONLY_PERMISSIONS: readonly Permission[] = ["replication-heartbeats:write", "replication-heartbeats:read"];

/**
 * The functions a mode deploys, from the registry: the sweeper only in strong mode. Eventual mode's
 * tables expire items with TTL, and a sweeper there would be worse than useless: its conditional
 * delete sees only its own region's replica, so under last-writer-wins replication it could erase
 * an item renewed in the other region moments before. Strong mode's functions lose the
 * {@link EVENTUAL_ONLY_PERMISSIONS}: a role holds only what its mode uses.
 */
export function functionsFor(consistency: DataConsistency, specs: readonly LambdaSpec[]): LambdaSpec[] {
  return specs
    .filter((f) => consistency === "strong" || f.name !== SWEEPER_FUNCTION)
    .map((f) =>
      consistency === "strong" && f.permissions.some((p) => EVENTUAL_ONLY_PERMISSIONS.includes(p))
        ? { ...f, permissions: f.permissions.filter((p) => !EVENTUAL_ONLY_PERMISSIONS.includes(p)) }
        : f,
    );
}

/** Raised when a replica a function reads the stream of has none: `pulumi up` stops, saying how to fix it. */
export class ReplicaStreamMissingError extends Error {
  constructor(table: string, region: string) {
    super(
      `The ${table} replica in ${region} has no stream, so the functions there that read it would receive nothing. ` +
        'DynamoDB leaves streams off on multi-Region strongly consistent replicas unless enabled ("Streams are not enabled by default on ' +
        "MRSC replicas. You can enable Streams on an MRSC replica\"), and the AWS provider enables the stream in the table's own region " +
        "only (hashicorp/terraform-provider-aws#48213, which Pulumi's AWS provider bridges). Enable it once, then refresh and deploy " +
        `again: aws dynamodb update-table --region ${region} --table-name ${table} ` +
        "--stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES && pulumi refresh && pulumi up " +
        "(docs/architecture.md, Data layer: streams)",
    );
    this.name = "ReplicaStreamMissingError";
  }
}

/**
 * The stream of `table`'s replica in `region`, as the provider reads it from that region
 * (DescribeTable's LatestStreamArn). Throws {@link ReplicaStreamMissingError} when the replica has
 * none. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html (Streams)
 */
export function replicaStreamArn(
  table: string,
  region: string,
  replicas: readonly { regionName?: string; streamArn?: string }[] | undefined,
): string {
  const arn = replicas?.find((r) => r.regionName === region)?.streamArn;
  if (!arn) throw new ReplicaStreamMissingError(table, region);
  return arn;
}
