/** DynamoDB global tables and their backups (checklist D1–D8). */
import * as aws from "@pulumi/aws";
import { isKmsKeyArn, regionOfArn } from "../lib/arn";
import { forType, resourceRule, stackRule } from "../lib/rule";

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

export const dynamodbGlobalStreams = resourceRule(
  {
    id: "D5",
    name: "dynamodb-global-table",
    title: "Tables are global tables (version 2019.11.21) with a replica in another region and NEW_AND_OLD_IMAGES streams.",
    sources: "Pulumi Table and TableReplica docs; DynamoDB global tables documentation",
  },
  [
    forType(aws.dynamodb.Table, (t, report) => {
      if (t.streamEnabled !== true || t.streamViewType !== "NEW_AND_OLD_IMAGES") report("streams must be enabled with NEW_AND_OLD_IMAGES");
      const elsewhere = replicasOf(t).filter((r) => r.regionName && r.regionName !== t.region);
      if (elsewhere.length === 0) report("the table has no replica in another region");
    }),
    forType(aws.dynamodb.GlobalTable, (_g, report) =>
      report("aws.dynamodb.GlobalTable is the legacy 2017.11.29 version; use Table with replicas"),
    ),
  ],
);

export const dynamodbConsistencyMode = resourceRule(
  {
    id: "D6",
    name: "dynamodb-consistency-mode",
    title: "Every replica states its consistency mode; STRONG (MRSC) needs three regions (or two and a witness).",
    sources: "DynamoDB global tables consistency modes (fixed at creation)",
  },
  forType(aws.dynamodb.Table, (t, report) => {
    const replicas = replicasOf(t);
    for (const r of replicas) if (!r.consistencyMode) report(`the replica in ${r.regionName} does not state consistencyMode`);
    const strong = replicas.some((r) => r.consistencyMode === "STRONG");
    const witnesses = ((t as { globalTableWitness?: unknown }).globalTableWitness ? 1 : 0) + replicas.length;
    if (strong && witnesses < 2) report("STRONG consistency needs two replicas, or one replica and a witness");
  }),
);

export const dynamodbIdempotencyTtl = resourceRule(
  {
    id: "D8",
    name: "dynamodb-idempotency-ttl",
    title: "Idempotency tables expire their records with TTL and are replicated like the payments.",
    sources: "Powertools idempotency; AWS Well-Architected REL04-BP04",
  },
  forType(aws.dynamodb.Table, (t, report) => {
    if (!/idempotency/.test(String(t.name))) return;
    if (t.ttl?.enabled !== true || !t.ttl.attributeName) report("the idempotency table has no TTL attribute");
  }),
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
