import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  DRILL_EXPERIMENT_TAG,
  DRILL_EXPERIMENTS,
  experimentLogGroupName,
  experimentTemplateName,
  FIS_LOG_SCHEMA_VERSION,
  FIS_ROLE_SERVICE,
  fisRoleStatements,
  type StopAlarmKey,
} from "../../core/drill-experiments";
import { resourceName } from "../../core/naming";
import { policyDocument, serviceTrustPolicy } from "../../core/policy-documents";
import { ShippedLogGroup } from "../logging/shipped-log-group";

export interface DrillExperimentsArgs {
  region: string;
  environment: string;
  accountId: pulumi.Input<string>;
  /** The payments global table; its replica in `region` is what `pause-replication` pauses. */
  paymentsTableName: pulumi.Input<string>;
  /** Whether the table is multi-Region strongly consistent (FIS then needs dynamodb:InjectError). */
  paymentsTableStrong: pulumi.Input<boolean>;
  /** The region's VPC and its private subnets, where every payment function runs. */
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string>[];
  /** ARNs of this region's alarms the stop conditions use (infra/core/alarm-catalog.ts keys). */
  stopAlarmArns: Record<StopAlarmKey, pulumi.Input<string>>;
  /** The region's key: the experiment log group is encrypted with it, like every log group of the stack. */
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  /** Logs destination (this region) that ships to the other region. */
  logDestinationArn: pulumi.Input<string>;
}

/**
 * One region's AWS FIS experiment templates for the quarterly drill (infra/core/drill-experiments.ts),
 * the experiment role FIS assumes to run them (trusted by FIS for experiments of this account and
 * region only, allowed exactly what the actions need on this region's targets), and the encrypted,
 * shipped log group the experiments log to. Starting one is `drctl drill --experiment <name>`.
 */
export class DrillExperiments extends pulumi.ComponentResource {
  /** Template ids by experiment name. */
  readonly templateIds: Record<string, pulumi.Output<string>>;
  readonly roleArn: pulumi.Output<string>;
  readonly logGroupName: string;

  constructor(name: string, args: DrillExperimentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:resilience:DrillExperiments", name, {}, opts);
    const { region, environment, accountId } = args;
    const parent = { parent: this };

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: resourceName(FIS_ROLE_SERVICE, region, environment),
        description: `Assumed by AWS FIS to run the drill experiments in ${region}`,
        maxSessionDuration: 3600,
        // FIS sends the experiment's ARN as aws:SourceArn (confused-deputy prevention).
        assumeRolePolicy: pulumi.jsonStringify(
          serviceTrustPolicy("fis.amazonaws.com", accountId, pulumi.interpolate`arn:aws:fis:${region}:${accountId}:experiment/*`),
        ),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        name: "drill-experiments",
        policy: pulumi
          .all([accountId, args.paymentsTableName, args.paymentsTableStrong, args.vpcId, pulumi.all(args.privateSubnetIds)])
          .apply(([account, table, strong, vpcId, subnetIds]) =>
            JSON.stringify(
              policyDocument(
                fisRoleStatements({
                  region,
                  accountId: account,
                  paymentsTableName: table,
                  paymentsTableStrong: strong,
                  vpcId,
                  subnetIds,
                }),
              ),
            ),
          ),
      },
      parent,
    );

    this.logGroupName = experimentLogGroupName(region, environment);
    const logs = new ShippedLogGroup(
      `${name}-logs`,
      {
        region,
        logGroupName: this.logGroupName,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        destinationArn: args.logDestinationArn,
      },
      parent,
    );

    const targetArns = {
      "aws:dynamodb:global-table": [pulumi.interpolate`arn:aws:dynamodb:${region}:${accountId}:table/${args.paymentsTableName}`],
      "aws:ec2:subnet": args.privateSubnetIds.map((id) => pulumi.interpolate`arn:aws:ec2:${region}:${accountId}:subnet/${id}`),
    };
    this.templateIds = {};
    for (const spec of DRILL_EXPERIMENTS) {
      const templateName = experimentTemplateName(spec.name, region, environment);
      const template = new aws.fis.ExperimentTemplate(
        `${name}-${spec.name}`,
        {
          region,
          description: `${spec.description} Stop conditions: ${spec.stopReason}.`.slice(0, 512),
          roleArn: role.arn,
          targets: [
            {
              name: spec.targetKey,
              resourceType: spec.targetResourceType,
              resourceArns: targetArns[spec.targetResourceType],
              selectionMode: "ALL",
            },
          ],
          actions: [
            {
              name: spec.name,
              actionId: spec.actionId,
              parameters: Object.entries({ duration: spec.duration, ...spec.parameters }).map(([key, value]) => ({ key, value })),
              target: { key: spec.targetKey, value: spec.targetKey },
            },
          ],
          stopConditions: spec.stopAlarms.map((key) => ({ source: "aws:cloudwatch:alarm", value: args.stopAlarmArns[key] })),
          // A target that resolves to nothing fails the experiment rather than "passing" a drill that injected nothing.
          experimentOptions: { accountTargeting: "single-account", emptyTargetResolutionMode: "fail" },
          logConfiguration: {
            logSchemaVersion: FIS_LOG_SCHEMA_VERSION,
            // FIS wants the log group ARN ending in `:*` (the provider's arn has no suffix).
            cloudwatchLogsConfiguration: { logGroupArn: pulumi.interpolate`${logs.arn}:*` },
          },
          tags: { Name: templateName, [DRILL_EXPERIMENT_TAG]: spec.name },
        },
        parent,
      );
      this.templateIds[spec.name] = template.id;
    }
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn, templateIds: this.templateIds });
  }
}
