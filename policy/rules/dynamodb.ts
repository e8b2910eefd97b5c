/** DynamoDB global tables and their backups (checklist D1–D8). */
import * as aws from "@pulumi/aws";
import { MRSC_REGION_SETS, mrscRegionSetOf } from "../../infra/core/aws-facts";
import { expiringTables, TABLES, type TableSpec } from "../../infra/core/tables";
import { isKmsKeyArn, parseArn, regionOfArn } from "../lib/arn";
import { actionsOf, isAllow, resourcesOf, statementsOf } from "../lib/documents";
import { forType, resourceRule, stackRule } from "../lib/rule";
import type { StackIndex, Typed } from "../lib/stack";

type Replica = {
  regionName?: string;
  pointInTimeRecovery?: boolean;
  deletionProtectionEnabled?: boolean;
  kmsKeyArn?: string;
  consistencyMode?: string;
};
const replicasOf = (t: { replicas?: Replica[] }): Replica[] => t.replicas ?? [];

export const dynamodbPitr = resourceRule(
  {
    id: "D1",
    name: "dynamodb-pitr",
    title: "Point-in-time recovery is on for the table and for every replica (the provider's replica default is off).",
    sources: "Security Hub DynamoDB.2; Checkov CKV_AWS_28; cfn-nag W78; Trivy AVD-AWS-0024; Control Tower CT.DYNAMODB.PR.1",
  },
  [
    forType(aws.dynamodb.Table, (t, report) => {
      if (t.pointInTimeRecovery?.enabled !== true) report("point-in-time recovery is not enabled on the table");
      for (const r of replicasOf(t))
        if (r.pointInTimeRecovery !== true) report(`the replica in ${r.regionName} has no point-in-time recovery`);
    }),
    forType(aws.dynamodb.TableReplica, (r, report) => {
      if (r.pointInTimeRecovery !== true) report("point-in-time recovery is not enabled on the replica");
    }),
  ],
);

export const dynamodbDeletionProtection = resourceRule(
  {
    id: "D2",
    name: "dynamodb-deletion-protection",
    title: "Deletion protection is on for the table and for every replica.",
    sources: "Security Hub DynamoDB.6; AWS Config dynamodb-table-deletion-protection-enabled",
  },
  [
    forType(aws.dynamodb.Table, (t, report) => {
      if (t.deletionProtectionEnabled !== true) report("deletion protection is not enabled on the table");
      for (const r of replicasOf(t))
        if (r.deletionProtectionEnabled !== true) report(`the replica in ${r.regionName} has no deletion protection`);
    }),
    forType(aws.dynamodb.TableReplica, (r, report) => {
      if (r.deletionProtectionEnabled !== true) report("deletion protection is not enabled on the replica");
    }),
  ],
);

export const dynamodbKmsPerRegion = resourceRule(
  {
    id: "D3",
    name: "dynamodb-kms-per-region",
    title: "Tables are encrypted with a customer-managed key of their own region; every replica with a key of the replica's region.",
    sources: "Checkov CKV_AWS_119; cfn-nag W74; Trivy AVD-AWS-0025; Control Tower CT.DYNAMODB.PR.2; REL11-BP05 static stability",
  },
  forType(aws.dynamodb.Table, (t, report) => {
    const key = t.serverSideEncryption?.kmsKeyArn;
    if (t.serverSideEncryption?.enabled !== true || !isKmsKeyArn(key))
      report("the table is not encrypted with a customer-managed KMS key (full key ARN)");
    else if (regionOfArn(key) !== t.region) report(`the table in ${t.region} uses a key of ${regionOfArn(key)}`);
    for (const r of replicasOf(t)) {
      if (!isKmsKeyArn(r.kmsKeyArn)) report(`the replica in ${r.regionName} has no customer-managed KMS key (full key ARN)`);
      else if (regionOfArn(r.kmsKeyArn) !== r.regionName)
        report(`the replica in ${r.regionName} uses a key of ${regionOfArn(r.kmsKeyArn)}`);
    }
  }),
);

export const dynamodbOnDemand = resourceRule(
  {
    id: "D4",
    name: "dynamodb-on-demand",
    title: "Tables use on-demand capacity, so the standby replica absorbs a failover without scaling first.",
    sources: "Security Hub DynamoDB.1; Checkov CKV2_AWS_16; cfn-nag W73",
  },
  forType(aws.dynamodb.Table, (t, report) => {
    if (t.billingMode !== "PAY_PER_REQUEST") report(`billingMode is ${t.billingMode ?? "PROVISIONED (default)"}, not PAY_PER_REQUEST`);
  }),
);

/** Whether a table is multi-Region strongly consistent (its replicas say STRONG). */
const isStrong = (t: { replicas?: Replica[] }) => replicasOf(t).some((r) => r.consistencyMode === "STRONG");
type TableProps = Typed<aws.dynamodb.Table>["props"] & { globalTableWitness?: { regionName?: string } };

/** The stream a table reports in `region`: the table's own, or its replica's there (the provider reads each in its region). */
function streamIn(t: TableProps, region: string): string | undefined {
  if (t.region === region) return t.streamArn as string | undefined;
  return (replicasOf(t as { replicas?: Replica[] }).find((r) => r.regionName === region) as { streamArn?: string } | undefined)?.streamArn;
}

export const dynamodbGlobalStreams = stackRule(
  {
    id: "D5",
    name: "dynamodb-global-table",
    title:
      "Tables are global tables (version 2019.11.21) with a replica in another region; eventually consistent ones stream NEW_AND_OLD_IMAGES (their replication reads the stream); and every stream a function reads exists on the replica of the function's own region (strongly consistent replicas have none unless enabled, and the provider enables only the table's own: terraform-provider-aws#48213).",
    sources:
      "DynamoDB global tables (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html, Streams); Pulumi Table and TableReplica docs; hashicorp/terraform-provider-aws#48213",
  },
  (stack, report) => {
    const tables = stack.all(aws.dynamodb.Table);
    for (const { resource, props } of tables) {
      const elsewhere = replicasOf(props as { replicas?: Replica[] }).filter((r) => r.regionName && r.regionName !== props.region);
      if (elsewhere.length === 0) report(`table ${props.name} has no replica in another region`, resource.urn);
      const strong = isStrong(props as { replicas?: Replica[] });
      if (!strong && (props.streamEnabled !== true || props.streamViewType !== "NEW_AND_OLD_IMAGES"))
        report(
          `table ${props.name} is eventually consistent and must stream NEW_AND_OLD_IMAGES (its replication reads the stream)`,
          resource.urn,
        );
      if (strong && props.streamEnabled === true && props.streamViewType !== "NEW_AND_OLD_IMAGES")
        report(`table ${props.name} streams ${props.streamViewType}; the stream must carry NEW_AND_OLD_IMAGES`, resource.urn);
    }
    for (const { resource } of stack.all(aws.dynamodb.GlobalTable))
      report("aws.dynamodb.GlobalTable is the legacy 2017.11.29 version; use Table with replicas", resource.urn);
    for (const { resource, props } of stack.all(aws.lambda.EventSourceMapping)) {
      const source = props.eventSourceArn;
      const arn = parseArn(source);
      if (arn?.service !== "dynamodb") continue;
      const tableName = /^table\/([^/]+)\/stream\//.exec(arn.resource)?.[1];
      const table = tables.find((t) => t.props.name === tableName)?.props as TableProps | undefined;
      if (!table) continue;
      if (arn.region !== props.region) {
        report(
          `the mapping of ${props.functionName} in ${props.region} reads ${tableName}'s stream in ${arn.region}, not its own region's replica`,
          resource.urn,
        );
        continue;
      }
      const stream = streamIn(table, arn.region);
      if (stream !== source)
        report(
          `the mapping of ${props.functionName} reads ${source || "(no stream)"}, but table ${tableName} reports ${stream ? `the stream ${stream}` : "no stream"} ` +
            `in ${arn.region}${isStrong(table as { replicas?: Replica[] }) ? " (strongly consistent replicas have streams off unless enabled; the AWS provider enables only the table's own region's: terraform-provider-aws#48213)" : ""}`,
          resource.urn,
        );
    }
  },
);

const SETS = Object.entries(MRSC_REGION_SETS)
  .map(([name, regions]) => `${name}: ${regions.join(", ")}`)
  .join("; ");

export const dynamodbConsistencyMode = resourceRule(
  {
    id: "D6",
    name: "dynamodb-consistency-mode",
    title:
      "Every replica states its consistency mode, all the same; a STRONG (MRSC) table spans exactly three regions of one region set (two replicas and a witness, or three replicas) and has no TTL and no local secondary index; only STRONG tables have a witness.",
    sources:
      "DynamoDB global tables consistency modes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html: exactly three Regions, region sets, no TTL, no LSIs, mode fixed at creation)",
  },
  forType(aws.dynamodb.Table, (t, report) => {
    const replicas = replicasOf(t);
    for (const r of replicas) if (!r.consistencyMode) report(`the replica in ${r.regionName} does not state consistencyMode`);
    const modes = new Set(replicas.map((r) => r.consistencyMode ?? "EVENTUAL"));
    if (modes.size > 1) report(`the replicas mix consistency modes (${[...modes].join(", ")}); a global table has one`);
    const witness = (t as { globalTableWitness?: { regionName?: string } }).globalTableWitness?.regionName;
    if (!modes.has("STRONG")) {
      if (witness)
        report(`the table has a witness in ${witness} but is not STRONG; only multi-Region strongly consistent tables have a witness`);
      return;
    }
    const regions = [t.region, ...replicas.map((r) => r.regionName), ...(witness ? [witness] : [])].filter((r): r is string => !!r);
    if (new Set(regions).size !== 3 || regions.length !== 3)
      report(
        `STRONG consistency needs exactly three distinct regions: two replicas and a witness, or three replicas (here: ${regions.join(", ") || "none"})`,
      );
    const sets = new Set(regions.map((r) => mrscRegionSetOf(r) ?? `none (${r})`));
    if (sets.size !== 1 || [...sets][0].startsWith("none"))
      report(`STRONG consistency needs its regions in one region set (${SETS}); ${regions.join(", ")} are not`);
    if (t.ttl?.enabled) report("a STRONG table cannot have TTL (MRSC does not support it): expire items by condition and a sweeper");
    if ((t.localSecondaryIndexes ?? []).length > 0)
      report("a STRONG table cannot have local secondary indexes (MRSC does not support them)");
  }),
);

/** The tables whose items expire, by the name prefix their physical names start with (`{service}-global-`). */
const EXPIRING = expiringTables().map((key) => ({
  prefix: `${TABLES[key].service}-global-`,
  attribute: (TABLES[key] as TableSpec).expiryAttribute as string,
}));

/**
 * Whether some function sweeps `table` in `region`: EventBridge Scheduler starts it there, its
 * environment names the table, and its role may Scan and DeleteItem on the table in that region.
 */
function sweptIn(stack: StackIndex, table: string, region: string): boolean {
  const tableArn = new RegExp(`^arn:aws[a-z-]*:dynamodb:${region}:\\d{12}:table/${table}$`);
  const started = new Set(
    stack
      .all(aws.scheduler.Schedule)
      .filter(({ props }) => props.state !== "DISABLED")
      .map(({ props }) => props.target?.arn),
  );
  return stack.all(aws.lambda.Function).some(({ props: fn }) => {
    if (fn.region !== region || !started.has(fn.arn)) return false;
    if (!Object.values(fn.environment?.variables ?? {}).includes(table)) return false;
    const roleName = parseArn(fn.role)?.resource.replace(/^role\//, "");
    const grants = stack
      .all(aws.iam.RolePolicy)
      .filter(({ props }) => props.role === roleName)
      .flatMap(({ props }) => statementsOf(props.policy))
      .filter((s) => isAllow(s) && resourcesOf(s).some((r) => tableArn.test(r)))
      .flatMap(actionsOf);
    return grants.includes("dynamodb:Scan") && grants.includes("dynamodb:DeleteItem");
  });
}

export const dynamodbIdempotencyTtl = stackRule(
  {
    id: "D8",
    name: "dynamodb-idempotency-ttl",
    title:
      "Tables whose items expire (idempotency records, control items) are replicated and expire them: with TTL on the expiry attribute when eventually consistent; when strongly consistent (no TTL there), with a sweeper EventBridge Scheduler runs in every replica region, allowed to Scan and DeleteItem on the table there.",
    sources: "Powertools idempotency; AWS Well-Architected REL04-BP04; DynamoDB MRSC does not support TTL (V2globaltables_HowItWorks)",
  },
  (stack, report) => {
    for (const { resource, props } of stack.all(aws.dynamodb.Table)) {
      const expiring = EXPIRING.find((e) => String(props.name).startsWith(e.prefix));
      if (!expiring) continue;
      const replicas = replicasOf(props as { replicas?: Replica[] });
      if (replicas.length === 0) report(`table ${props.name} is not replicated`, resource.urn);
      if (!isStrong(props as { replicas?: Replica[] })) {
        if (props.ttl?.enabled !== true || props.ttl.attributeName !== expiring.attribute)
          report(`table ${props.name} has no TTL on ${expiring.attribute}; its records would never expire`, resource.urn);
        continue;
      }
      for (const region of [props.region, ...replicas.map((r) => r.regionName)].filter((r): r is string => !!r)) {
        if (!sweptIn(stack, String(props.name), region))
          report(
            `table ${props.name} is strongly consistent (no TTL) and nothing sweeps its expired items in ${region}: ` +
              "no function started by an EventBridge Scheduler schedule there names it and may Scan and DeleteItem on it",
            resource.urn,
          );
      }
    }
  },
);

export const dynamodbBackups = stackRule(
  {
    id: "D7",
    name: "dynamodb-backups",
    title:
      "A backup plan selects every table, copies each recovery point to a vault in another region, and every vault has a customer-managed key.",
    sources: "Security Hub DynamoDB.4 and Backup.1; Checkov CKV_AWS_166",
  },
  (stack, report) => {
    const selected = new Set(stack.all(aws.backup.Selection).flatMap(({ props }) => props.resources ?? []));
    for (const { resource, props } of stack.all(aws.dynamodb.Table)) {
      if (!selected.has(props.arn)) report(`table ${props.name} is in no backup selection`, resource.urn);
    }
    for (const { resource, props } of stack.all(aws.backup.Plan)) {
      for (const rule of props.rules ?? []) {
        const copies = (rule.copyActions ?? []).map((c) => regionOfArn(c.destinationVaultArn));
        if (!copies.some((region) => region && region !== props.region))
          report(`backup rule ${rule.ruleName} copies to no vault in another region`, resource.urn);
      }
    }
    for (const { resource, props } of stack.all(aws.backup.Vault)) {
      if (!isKmsKeyArn(props.kmsKeyArn)) report(`backup vault ${props.name} has no customer-managed key`, resource.urn);
      else if (regionOfArn(props.kmsKeyArn) !== props.region)
        report(`backup vault ${props.name} in ${props.region} uses a key of ${regionOfArn(props.kmsKeyArn)}`, resource.urn);
    }
  },
);

export const dynamodbRules = [
  dynamodbPitr,
  dynamodbDeletionProtection,
  dynamodbKmsPerRegion,
  dynamodbOnDemand,
  dynamodbGlobalStreams,
  dynamodbConsistencyMode,
  dynamodbBackups,
  dynamodbIdempotencyTtl,
];
