import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { METRIC_NAMESPACE } from "../../core/lambda-permissions";
import { GLOBAL, resourceName } from "../../core/naming";
import { policyDocument } from "../../core/policy-documents";
import { primaryFenceAlarmName, STATE_MACHINE_SERVICE, WRITE_FUNCTION } from "../../core/stack-environment";
import { handoverSentinelKey } from "../../../lib/replication-heartbeat";

export const DR_OPERATIONS_SERVICE = "dr-operations";

export interface DrOperationsRoleArgs {
  environment: string;
  accountId: pulumi.Input<string>;
  primaryRegion: string;
  secondaryRegion: string;
  controlTableName: string;
  /**
   * The payments and idempotency tables, in eventual mode: the failback writes its sentinel into the
   * secondary's replica of each. Absent (strong mode, MRSC tables): the role may write neither.
   */
  dataTableNames?: { payments: string; idempotency: string };
  /** The runbook function roles (both regions) that may assume this role — by ARN, never `*`. */
  trustedRoleArns: pulumi.Input<string>[];
}

export function drOperationsRoleArn(accountId: string, environment: string): string {
  return `arn:aws:iam::${accountId}:role/${resourceName(DR_OPERATIONS_SERVICE, GLOBAL, environment)}`;
}

/**
 * The role runbook steps assume when they must act on the *other* region (IAM is global; the
 * assumed credentials are then used against the peer's endpoints). It may do exactly what those
 * steps do (docs/runbooks.md, "What the DR operations role must allow"):
 * write the fence/sentinel into the peer's control-table replica and the sentinel into its
 * data-table replicas (that key only), clear the fence metric and
 * read the fence alarm it feeds, throttle/restore the write function, start/follow the peer's
 * state machine.
 */
export class DrOperationsRole extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: DrOperationsRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:security:DrOperationsRole", name, {}, opts);
    const { accountId, environment } = args;
    const regions = [args.primaryRegion, args.secondaryRegion];

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: resourceName(DR_OPERATIONS_SERVICE, GLOBAL, environment),
        description: "Assumed by the DR runbook functions of both regions to act on the other region",
        maxSessionDuration: 3600,
        assumeRolePolicy: pulumi.jsonStringify(
          policyDocument([{ Effect: "Allow", Principal: { AWS: args.trustedRoleArns }, Action: "sts:AssumeRole" }]),
        ),
      },
      { parent: this },
    );
    const perRegion = (build: (region: string) => pulumi.Input<string>) => regions.map(build);
    const dataTables = args.dataTableNames;
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        name: "cross-region-dr-steps",
        policy: pulumi.jsonStringify(
          policyDocument([
            {
              Sid: "ControlRecordsInEitherReplica",
              Effect: "Allow",
              Action: ["dynamodb:GetItem", "dynamodb:PutItem"],
              Resource: perRegion((r) => pulumi.interpolate`arn:aws:dynamodb:${r}:${accountId}:table/${args.controlTableName}`),
            },
            ...(dataTables
              ? [
                  {
                    Sid: "SentinelInEitherDataTableReplica",
                    Effect: "Allow" as const,
                    Action: ["dynamodb:PutItem"],
                    Resource: regions.flatMap((r) =>
                      [dataTables.payments, dataTables.idempotency].map(
                        (t) => pulumi.interpolate`arn:aws:dynamodb:${r}:${accountId}:table/${t}`,
                      ),
                    ),
                    // The failback's sentinel only (lib/replication-heartbeat.ts): never a payment or an
                    // idempotency record. "dynamodb:LeadingKeys ... only the items where the partition key
                    // value matches" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
                    Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": regions.map(handoverSentinelKey) } },
                  },
                ]
              : []),
            {
              Sid: "FenceMetricInTheSecondary",
              Effect: "Allow",
              Action: ["cloudwatch:PutMetricData"],
              // PutMetricData has no resource-level permissions; namespace and region bound it.
              Resource: "*",
              Condition: { StringEquals: { "cloudwatch:namespace": METRIC_NAMESPACE, "aws:RequestedRegion": args.secondaryRegion } },
            },
            {
              Sid: "ReadTheFenceAlarmInTheSecondary",
              Effect: "Allow",
              // The failback waits for this alarm to clear before it trusts a DNS answer. DescribeAlarms
              // takes alarm ARNs as resources (AWS's own example: Region switch's "CloudWatch alarms
              // for application health permissions"), so exactly this one alarm.
              Action: ["cloudwatch:DescribeAlarms"],
              Resource: pulumi.interpolate`arn:aws:cloudwatch:${args.secondaryRegion}:${accountId}:alarm:${primaryFenceAlarmName(args.secondaryRegion, environment)}`,
            },
            {
              Sid: "StopAndRestoreTheWriteFunction",
              Effect: "Allow",
              Action: [
                "lambda:GetFunctionConcurrency",
                "lambda:PutFunctionConcurrency",
                "lambda:DeleteFunctionConcurrency",
                "lambda:TagResource",
                "lambda:UntagResource",
                "lambda:ListTags",
              ],
              Resource: perRegion(
                (r) => pulumi.interpolate`arn:aws:lambda:${r}:${accountId}:function:${resourceName(WRITE_FUNCTION, r, environment)}`,
              ),
            },
            {
              Sid: "StartThePeersRunbook",
              Effect: "Allow",
              Action: ["states:StartExecution"],
              Resource: perRegion(
                (r) =>
                  pulumi.interpolate`arn:aws:states:${r}:${accountId}:stateMachine:${resourceName(STATE_MACHINE_SERVICE, r, environment)}`,
              ),
            },
            {
              Sid: "FollowThePeersRunbook",
              Effect: "Allow",
              Action: ["states:DescribeExecution"],
              Resource: perRegion(
                (r) =>
                  pulumi.interpolate`arn:aws:states:${r}:${accountId}:execution:${resourceName(STATE_MACHINE_SERVICE, r, environment)}:*`,
              ),
            },
          ]),
        ),
      },
      { parent: this },
    );
    this.arn = role.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
