import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GLOBAL, resourceName } from "../../core/naming";
import { serviceTrustPolicy } from "../../core/policy-documents";

export interface TableBackupsArgs {
  environment: string;
  accountId: pulumi.Input<string>;
  primaryRegion: string;
  secondaryRegion: string;
  primaryKmsKeyArn: pulumi.Input<string>;
  secondaryKmsKeyArn: pulumi.Input<string>;
  tableArns: pulumi.Input<string>[];
  /** Days a recovery point is kept, in both vaults. Default behaviour: 35. */
  retentionDays?: number;
}

/**
 * AWS Backup for the global tables: a daily plan in the primary whose recovery points are copied
 * to a vault in the secondary. PITR covers the last 35 days at second granularity; these backups
 * are the separate, immutable-by-vault copy that survives a bad write replicated everywhere.
 *
 * Cross-region copies of DynamoDB backups need AWS Backup's advanced DynamoDB features enabled
 * for the account (README, "Deploy").
 *
 * The same plan serves both consistency modes. A restore, from AWS Backup, an on-demand backup or
 * PITR, always creates a new single-Region table ("The recovery process restores to a new DynamoDB
 * table"), and a restored MRSC table cannot become MRSC again ("only empty tables can be made into
 * MRSC tables. One solution is to restore the table and then copy the data from the restored table
 * into an empty MRSC table"): recovering a strong-mode table is restore, then copy into a new empty
 * MRSC table (docs/architecture.md, "Data layer").
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/pointintimerecovery_restores.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-pitr-recovery-table-restore.html
 */
export class TableBackups extends pulumi.ComponentResource {
  readonly planId: pulumi.Output<string>;
  readonly secondaryVaultArn: pulumi.Output<string>;

  constructor(name: string, args: TableBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:data:TableBackups", name, {}, opts);
    const retention = args.retentionDays ?? 35;
    const parent = { parent: this };

    const vault = (role: "primary" | "secondary", region: string, kmsKeyArn: pulumi.Input<string>) =>
      new aws.backup.Vault(`${name}-vault-${role}`, { region, name: resourceName("backups", region, args.environment), kmsKeyArn }, parent);
    const primaryVault = vault("primary", args.primaryRegion, args.primaryKmsKeyArn);
    const secondaryVault = vault("secondary", args.secondaryRegion, args.secondaryKmsKeyArn);

    const plan = new aws.backup.Plan(
      `${name}-plan`,
      {
        region: args.primaryRegion,
        name: resourceName("tables-backup", args.primaryRegion, args.environment),
        rules: [
          {
            ruleName: "daily-with-cross-region-copy",
            targetVaultName: primaryVault.name,
            schedule: "cron(0 5 * * ? *)",
            startWindow: 60,
            completionWindow: 360,
            lifecycle: { deleteAfter: retention },
            // With advanced DynamoDB backup (full AWS Backup management), encryption "is controlled
            // through the AWS KMS key configuration in the backup vault where your backup in stored"
            // (sic): the copy takes the secondary vault's customer-managed key, used by AWS Backup
            // through the backup role (AWS-managed policy below), which the key policy's account-root
            // statement lets IAM grant (issue 12, settled).
            // https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
            copyActions: [{ destinationVaultArn: secondaryVault.arn, lifecycle: { deleteAfter: retention } }],
          },
        ],
      },
      parent,
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: resourceName("backup", GLOBAL, args.environment),
        assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("backup.amazonaws.com", args.accountId)),
      },
      parent,
    );
    // AWS-managed service-role policies: the documented way to let AWS Backup act on resources.
    for (const [suffix, policy] of [
      ["backup", "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"],
      ["restore", "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"],
    ]) {
      new aws.iam.RolePolicyAttachment(`${name}-role-${suffix}`, { role: role.name, policyArn: policy }, parent);
    }
    new aws.backup.Selection(
      `${name}-selection`,
      {
        region: args.primaryRegion,
        name: resourceName("tables", args.primaryRegion, args.environment),
        planId: plan.id,
        iamRoleArn: role.arn,
        resources: args.tableArns,
      },
      parent,
    );

    this.planId = plan.id;
    this.secondaryVaultArn = secondaryVault.arn;
    this.registerOutputs({ planId: this.planId });
  }
}
