import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { marshall } from "@aws-sdk/util-dynamodb";
import { CONTROL_TABLE_HASH_KEY, initialAuthority } from "../../../lib/control-schema";
import type { DataConsistency } from "../../core/config";
import { streamConsumed, TABLE_KEYS, type TableKey, tableName, TABLES, type TableSpec } from "../../core/tables";

export interface GlobalTablesArgs {
  environment: string;
  primaryRegion: string;
  secondaryRegion: string;
  primaryKmsKeyArn: pulumi.Input<string>;
  secondaryKmsKeyArn: pulumi.Input<string>;
  /** How the tables replicate; fixed at their creation (see the class comment). */
  consistency: DataConsistency;
  /** Strong mode: the third region, holding the witness. Ignored in eventual mode. */
  witnessRegion: string;
}

/**
 * The inputs that decide a table's consistency mode. AWS fixes them at creation ("You cannot change
 * a global table's consistency mode after creation"; "You cannot add additional replicas to an
 * existing MRSC global table. You cannot delete a single replica or a witness"), so a change must
 * plan a replacement, never an in-place update, and the replacement is refused (`protect`): the
 * engine will not replace a protected resource, and says so in the preview ("unable to replace
 * resource ... as it is currently marked for protection"; pulumi/pulumi#8810, #15969).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
 */
export const FIXED_AT_CREATION = ["replicas[*].consistencyMode", "globalTableWitness"];

/**
 * DynamoDB global tables (version 2019.11.21): created in the primary with a replica in the
 * secondary, PITR, deletion protection and each region's own KMS key on both (docs/architecture.md,
 * "Data layer: strong and eventual modes").
 *
 * - strong: multi-Region strong consistency (MRSC), the replicas STRONG and a witness in the third
 *   region of the set. MRSC supports no TTL (expired items are swept: functions/sweep-expired) and
 *   no LSIs (none here); it needs no streams for replication, so only a table whose stream a
 *   function reads has one, on both replicas.
 * - eventual: multi-Region eventual consistency (MREC), last writer wins; streams on every table
 *   (MREC replicates through them: "enabled by default on all replicas ... and cannot be
 *   disabled"), TTL on the expiring tables.
 *
 * The mode cannot change on a deployed stack: the tables are protected and replace on a change of
 * mode or witness, so `pulumi up` stops at them instead (moving needs new tables and a migration).
 */
export class GlobalTables extends pulumi.ComponentResource {
  readonly tables: Record<TableKey, aws.dynamodb.Table>;
  readonly names: Record<TableKey, string>;

  constructor(name: string, args: GlobalTablesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:data:GlobalTables", name, {}, opts);
    const strong = args.consistency === "strong";
    this.names = Object.fromEntries(TABLE_KEYS.map((k) => [k, tableName(k, args.environment)])) as Record<TableKey, string>;
    const table = (key: TableKey) => {
      const spec: TableSpec = TABLES[key];
      // MREC replicates through streams; MRSC only needs one where a function reads it.
      const stream = !strong || streamConsumed(key);
      return new aws.dynamodb.Table(
        `${name}-${key}`,
        {
          region: args.primaryRegion,
          name: this.names[key],
          billingMode: "PAY_PER_REQUEST",
          hashKey: spec.hashKey,
          attributes: [{ name: spec.hashKey, type: "S" }],
          streamEnabled: stream,
          ...(stream ? { streamViewType: "NEW_AND_OLD_IMAGES" } : {}),
          pointInTimeRecovery: { enabled: true },
          deletionProtectionEnabled: true,
          serverSideEncryption: { enabled: true, kmsKeyArn: args.primaryKmsKeyArn },
          // "Time to Live (TTL) is not supported for MRSC global tables": strong mode sweeps instead.
          ...(spec.expiryAttribute && !strong ? { ttl: { enabled: true, attributeName: spec.expiryAttribute } } : {}),
          replicas: [
            {
              regionName: args.secondaryRegion,
              kmsKeyArn: args.secondaryKmsKeyArn,
              // Replica PITR defaults to false in the provider; set it explicitly.
              pointInTimeRecovery: true,
              deletionProtectionEnabled: true,
              propagateTags: true,
              consistencyMode: strong ? "STRONG" : "EVENTUAL",
            },
          ],
          // Two replicas and a witness: "A MRSC global table must be deployed in exactly three Regions".
          ...(strong ? { globalTableWitness: { regionName: args.witnessRegion } } : {}),
        },
        { parent: this, protect: true, replaceOnChanges: FIXED_AT_CREATION },
      );
    };
    this.tables = Object.fromEntries(TABLE_KEYS.map((key) => [key, table(key)])) as Record<TableKey, aws.dynamodb.Table>;

    // The deployment-time authority (lib/control-schema.ts): the primary ACTIVE, the secondary
    // STANDBY, epoch 0, in one item. `ignoreChanges` on the item: after the first deploy the
    // runbooks own it, and a later `pulumi up` must never undo a failover. In strong mode it is also
    // the first item of an MRSC table, which AWS creates only from an empty table: the item depends
    // on the table, so it is written once the replicas and witness exist.
    const authority = initialAuthority(args.primaryRegion, args.secondaryRegion, new Date().toISOString());
    new aws.dynamodb.TableItem(
      `${name}-authority`,
      {
        region: args.primaryRegion,
        tableName: this.tables.control.name,
        hashKey: CONTROL_TABLE_HASH_KEY,
        item: JSON.stringify(marshall(authority)),
      },
      { parent: this, ignoreChanges: ["item"] },
    );
    this.registerOutputs({ names: this.names });
  }
}
