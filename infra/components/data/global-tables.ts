import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONTROL_TABLE_HASH_KEY, CONTROL_TABLE_TTL_ATTRIBUTE, initialRegionRecord } from "../../../lib/control-schema";
import { GLOBAL, resourceName } from "../../core/naming";

export interface GlobalTablesArgs {
  environment: string;
  primaryRegion: string;
  secondaryRegion: string;
  primaryKmsKeyArn: pulumi.Input<string>;
  secondaryKmsKeyArn: pulumi.Input<string>;
}

interface TableSpec {
  service: string;
  hashKey: string;
  ttlAttribute?: string;
}

/** The three global tables; key schemas are documented in docs/architecture.md. */
export const TABLES = {
  payments: { service: "payments", hashKey: "paymentId" },
  idempotency: { service: "payments-idempotency", hashKey: "id", ttlAttribute: "expiration" },
  control: { service: "dr-control", hashKey: CONTROL_TABLE_HASH_KEY, ttlAttribute: CONTROL_TABLE_TTL_ATTRIBUTE },
} satisfies Record<string, TableSpec>;

export type TableKey = keyof typeof TABLES;

/**
 * DynamoDB global tables (version 2019.11.21): created in the primary with a replica in the
 * secondary. Both sides have PITR, deletion protection and their own region's KMS key. Streams
 * (NEW_AND_OLD_IMAGES) are required for replication and feed the payment pipeline.
 *
 * Consistency mode is EVENTUAL (multi-region eventual consistency, last writer wins): strong
 * consistency needs a third region or a witness and cannot be changed after creation. The
 * write fencing in the control table is what keeps one writer at a time (docs/architecture.md).
 */
export class GlobalTables extends pulumi.ComponentResource {
  readonly tables: Record<TableKey, aws.dynamodb.Table>;
  readonly names: Record<TableKey, string>;

  constructor(name: string, args: GlobalTablesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:data:GlobalTables", name, {}, opts);
    const entries = Object.entries(TABLES) as [TableKey, TableSpec][];
    this.names = Object.fromEntries(entries.map(([k, spec]) => [k, resourceName(spec.service, GLOBAL, args.environment)])) as Record<
      TableKey,
      string
    >;
    this.tables = Object.fromEntries(
      entries.map(([key, spec]) => [
        key,
        new aws.dynamodb.Table(
          `${name}-${key}`,
          {
            region: args.primaryRegion,
            name: this.names[key],
            billingMode: "PAY_PER_REQUEST",
            hashKey: spec.hashKey,
            attributes: [{ name: spec.hashKey, type: "S" }],
            streamEnabled: true,
            streamViewType: "NEW_AND_OLD_IMAGES",
            pointInTimeRecovery: { enabled: true },
            deletionProtectionEnabled: true,
            serverSideEncryption: { enabled: true, kmsKeyArn: args.primaryKmsKeyArn },
            ...(spec.ttlAttribute ? { ttl: { enabled: true, attributeName: spec.ttlAttribute } } : {}),
            replicas: [
              {
                regionName: args.secondaryRegion,
                kmsKeyArn: args.secondaryKmsKeyArn,
                // Replica PITR defaults to false in the provider; set it explicitly.
                pointInTimeRecovery: true,
                deletionProtectionEnabled: true,
                propagateTags: true,
                consistencyMode: "EVENTUAL",
              },
            ],
          },
          { parent: this },
        ),
      ]),
    ) as Record<TableKey, aws.dynamodb.Table>;

    // The deployment-time region records. `ignoreChanges` on the item: after the first deploy the
    // runbooks own these items, and a later `pulumi up` must never undo a failover.
    const deployedAt = new Date().toISOString();
    for (const [region, role] of [
      [args.primaryRegion, "primary"],
      [args.secondaryRegion, "secondary"],
    ] as const) {
      const record = initialRegionRecord(region, role, deployedAt);
      new aws.dynamodb.TableItem(
        `${name}-region-record-${role}`,
        {
          region: args.primaryRegion,
          tableName: this.tables.control.name,
          hashKey: CONTROL_TABLE_HASH_KEY,
          item: JSON.stringify(toAttributeValues(record)),
        },
        { parent: this, ignoreChanges: ["item"] },
      );
    }
    this.registerOutputs({ names: this.names });
  }
}

/** Plain object -> DynamoDB JSON (strings and numbers are all these records hold). */
export function toAttributeValues(item: Record<string, string | number>): Record<string, { S: string } | { N: string }> {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, typeof v === "number" ? { N: String(v) } : { S: v }]));
}
