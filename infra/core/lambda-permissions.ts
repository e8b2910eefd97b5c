/**
 * Turns the permissions a handler declares (lib/handlers/spec.ts) into IAM
 * statements on the named resources of the function's own region. Pure: tested table-driven.
 *
 * Wildcard resources appear only where AWS offers no resource-level permission; each is listed in
 * WILDCARD_RESOURCE_ACTIONS with the reason, and the tests fail on any other `*`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Permission } from "../../lib/handlers/spec";
import { restoreScratchTablePrefix } from "./naming";
import { REPLICATION_HEARTBEAT_PREFIX, replicationHeartbeatKey } from "../../lib/replication-heartbeat";
import { controlKeys } from "../../lib/control-schema";
import { KMS_DECRYPT_ACTIONS, KMS_ENCRYPT_ACTIONS, type Statement } from "./policy-documents";

export const METRIC_NAMESPACE = "PaymentsDR";

/** Actions that AWS only authorises on `Resource: "*"`, and why. */
export const WILDCARD_RESOURCE_ACTIONS: Record<string, string> = {
  "cloudwatch:PutMetricData": "no resource-level permissions; restricted by the cloudwatch:namespace condition instead",
  "cloudwatch:GetMetricData":
    "no resource type for classic metrics and no namespace condition key (Service Authorization Reference, Amazon CloudWatch; the optional `dataset` resource is for OTLP metrics): read-only, granted to the drill's payment check alone",
  "xray:PutTraceSegments": "X-Ray has no resource-level permissions",
  "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions",
  "dynamodb:ListStreams": "ListStreams has no resource-level permissions (needed by the stream event source mapping)",
  "ec2:CreateNetworkInterface": "Lambda's VPC attachment; ENI actions are not scoped by resource (AWSLambdaVPCAccessExecutionRole)",
  "ec2:DescribeNetworkInterfaces": "Lambda's VPC attachment; Describe* actions have no resource-level permissions",
  "ec2:DeleteNetworkInterface": "Lambda's VPC attachment (AWSLambdaVPCAccessExecutionRole)",
  "ec2:AssignPrivateIpAddresses": "Lambda's VPC attachment (AWSLambdaVPCAccessExecutionRole)",
  "ec2:UnassignPrivateIpAddresses": "Lambda's VPC attachment (AWSLambdaVPCAccessExecutionRole)",
};

/** The resources of one region a function may be granted access to. */
export interface RegionalResources {
  region: string;
  accountId: pulumi.Input<string>;
  environment: string;
  tableNames: { payments: string; idempotency: string; control: string };
  kmsKeyArn: pulumi.Input<string>;
  transactionBucketArn: pulumi.Input<string>;
  processingQueueArn: pulumi.Input<string>;
  processingDlqArn: pulumi.Input<string>;
  transactionLogQueueArn: pulumi.Input<string>;
  alertTopicArn: pulumi.Input<string>;
  /** Present once the orchestration exists. */
  stateMachineArn?: pulumi.Input<string>;
  drOperationsRoleArn?: pulumi.Input<string>;
  evidenceBucketArn?: pulumi.Input<string>;
}

const tableArn = (r: RegionalResources, name: string) => pulumi.interpolate`arn:aws:dynamodb:${r.region}:${r.accountId}:table/${name}`;
/** This region's restore-rehearsal scratch tables, and nothing else (infra/core/naming.ts). */
const scratchTablesArn = (r: RegionalResources) => tableArn(r, `${restoreScratchTablePrefix(r.region, r.environment)}*`);

/**
 * What a restore needs of the target table: "DynamoDB RestoreTableToPointInTime permissions are
 * necessary on the source table, and DynamoDB read and write permissions on the target table are
 * necessary for restore functionality" — the actions of AWS's example policy
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/backuprestore_IAM.html).
 */
export const RESTORE_TARGET_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:BatchWriteItem",
];

/**
 * What DynamoDB does with a customer managed key on the caller's behalf when it creates an
 * encrypted table — a restored table takes the source's encryption settings ("Encryption settings
 * ... come from the current settings of the source table", API RestoreTableToPointInTime) — the
 * actions AWS's own key policy for DynamoDB allows, through DynamoDB only
 * (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html).
 */
export const DYNAMODB_KEY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];

function requireArn(value: pulumi.Input<string> | undefined, permission: Permission): pulumi.Input<string> {
  if (value === undefined) throw new Error(`permission "${permission}" needs a resource this stack has not created yet`);
  return value;
}

function kms(r: RegionalResources, actions: string[], service: string): Statement {
  return {
    Effect: "Allow",
    Action: actions,
    Resource: r.kmsKeyArn,
    // The key may only be used through the service that holds the data.
    Condition: { StringEquals: { "kms:ViaService": `${service}.${r.region}.amazonaws.com` } },
  };
}

/** IAM statements for one declared permission. */
export function permissionStatements(permission: Permission, r: RegionalResources): Statement[] {
  const allow = (Action: string[], Resource: pulumi.Input<string> | pulumi.Input<string>[]): Statement => ({
    Effect: "Allow",
    Action,
    Resource,
  });
  const payments = tableArn(r, r.tableNames.payments);
  const control = tableArn(r, r.tableNames.control);
  switch (permission) {
    case "payments-table:read":
      return [allow(["dynamodb:GetItem", "dynamodb:Query"], payments)];
    case "payments-table:write":
      return [allow(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"], payments)];
    case "payments-table:stream":
      return [
        allow(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], pulumi.interpolate`${payments}/stream/*`),
        allow(["dynamodb:ListStreams"], "*"),
      ];
    case "idempotency-table:read-write":
      return [
        allow(
          ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
          tableArn(r, r.tableNames.idempotency),
        ),
      ];
    // The sweeper (strong mode): Scan to find dead items, DeleteItem to remove them. IAM cannot
    // require the delete's ConditionExpression; the handler always sends one (functions/sweep-expired).
    case "idempotency-table:sweep":
      return [allow(["dynamodb:Scan", "dynamodb:DeleteItem"], tableArn(r, r.tableNames.idempotency))];
    case "control-table:sweep":
      return [allow(["dynamodb:Scan", "dynamodb:DeleteItem"], control)];
    case "control-table:read":
      return [allow(["dynamodb:GetItem"], control)];
    case "control-table:write":
      return [allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"], control)];
    // The steps that renew the DR lease as they go (runbooks/domain/lease.ts) and need nothing
    // else of the control table may touch only the lease item: "dynamodb:LeadingKeys ... only the
    // items where the partition key value matches"
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
    case "control-table:lease":
      return [
        {
          ...allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], control),
          Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [controlKeys.lease()] } },
        },
      ];
    case "tables:describe":
      return [allow(["dynamodb:DescribeTable"], [payments, tableArn(r, r.tableNames.idempotency), control])];
    // The drill's restore rehearsal: the payments table's local replica restored into a scratch
    // table of this region, whose name IAM holds to the scratch prefix (a restore into any other
    // name is denied the target writes it needs, so it fails).
    case "payments-table:restore":
      return [
        allow(["dynamodb:DescribeContinuousBackups", "dynamodb:RestoreTableToPointInTime"], payments),
        allow([...RESTORE_TARGET_ACTIONS, "dynamodb:DescribeTable"], scratchTablesArn(r)),
        kms(r, DYNAMODB_KEY_ACTIONS, "dynamodb"),
        {
          // The grant DynamoDB creates for the new table; only for an AWS resource, only through DynamoDB.
          ...kms(r, ["kms:CreateGrant"], "dynamodb"),
          Condition: {
            StringEquals: { "kms:ViaService": `dynamodb.${r.region}.amazonaws.com` },
            Bool: { "kms:GrantIsForAWSResource": "true" },
          },
        },
      ];
    case "payments-table:scan":
      return [allow(["dynamodb:Scan"], payments)];
    case "scratch-tables:describe":
      return [allow(["dynamodb:DescribeTable"], scratchTablesArn(r))];
    case "scratch-tables:read":
      return [allow(["dynamodb:Scan", "dynamodb:GetItem"], scratchTablesArn(r))];
    case "scratch-tables:delete":
      return [allow(["dynamodb:DescribeTable", "dynamodb:DeleteTable"], scratchTablesArn(r))];
    // Eventual mode's per-table RPO exposure (lib/replication-heartbeat.ts): the canary writes its
    // region's heartbeat into the data tables, CheckReplication and the canary read the peer's. The
    // partition key is held to the heartbeat's, so neither can touch a payment or an idempotency
    // record: "dynamodb:LeadingKeys ... only the items where the partition key value matches"
    // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
    // ForAllValues, as AWS's examples write it: the key is multivalued (a batch names several).
    case "replication-heartbeats:write":
      return [
        {
          ...allow(["dynamodb:PutItem"], [payments, tableArn(r, r.tableNames.idempotency)]),
          Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [replicationHeartbeatKey(r.region)] } },
        },
      ];
    case "replication-heartbeats:read":
      return [
        {
          ...allow(["dynamodb:GetItem"], [payments, tableArn(r, r.tableNames.idempotency)]),
          Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${REPLICATION_HEARTBEAT_PREFIX}*`] } },
        },
      ];
    case "transaction-bucket:write":
      return [allow(["s3:PutObject"], pulumi.interpolate`${r.transactionBucketArn}/*`), kms(r, KMS_ENCRYPT_ACTIONS, "s3")];
    case "transaction-bucket:read":
      return [
        allow(["s3:GetObject"], pulumi.interpolate`${r.transactionBucketArn}/*`),
        allow(["s3:ListBucket"], r.transactionBucketArn),
        kms(r, KMS_DECRYPT_ACTIONS, "s3"),
      ];
    case "processing-queue:send":
      return [allow(["sqs:SendMessage"], r.processingQueueArn), kms(r, KMS_ENCRYPT_ACTIONS, "sqs")];
    case "processing-queue:consume":
      return [
        allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"], r.processingQueueArn),
        kms(r, KMS_DECRYPT_ACTIONS, "sqs"),
      ];
    case "transaction-log-queue:send":
      return [allow(["sqs:SendMessage"], r.transactionLogQueueArn), kms(r, KMS_ENCRYPT_ACTIONS, "sqs")];
    case "transaction-log-queue:consume":
      return [
        allow(
          ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
          r.transactionLogQueueArn,
        ),
        kms(r, KMS_DECRYPT_ACTIONS, "sqs"),
      ];
    case "processing-queue:inspect":
      return [allow(["sqs:GetQueueAttributes"], [r.processingQueueArn, r.processingDlqArn])];
    case "processing-dlq:redrive":
      return [
        allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"], r.processingDlqArn),
        allow(["sqs:SendMessage"], r.processingQueueArn),
        kms(r, KMS_ENCRYPT_ACTIONS, "sqs"),
      ];
    case "alerts-topic:publish":
      return [allow(["sns:Publish"], r.alertTopicArn), kms(r, KMS_ENCRYPT_ACTIONS, "sns")];
    case "metrics:put":
      return [
        {
          Effect: "Allow",
          Action: ["cloudwatch:PutMetricData"],
          Resource: "*",
          Condition: { StringEquals: { "cloudwatch:namespace": METRIC_NAMESPACE } },
        },
      ];
    case "metrics:read":
      // A read of metrics, in this region only (the client's endpoint); nothing narrower exists.
      return [{ Effect: "Allow", Action: ["cloudwatch:GetMetricData"], Resource: "*" }];
    case "alarms:read":
      return [
        allow(["cloudwatch:DescribeAlarms"], pulumi.interpolate`arn:aws:cloudwatch:${r.region}:${r.accountId}:alarm:*-${r.environment}`),
      ];
    case "state-machine:start":
      return [allow(["states:StartExecution"], requireArn(r.stateMachineArn, permission))];
    case "state-machine:list":
      return [allow(["states:ListExecutions"], requireArn(r.stateMachineArn, permission))];
    case "state-machine:callback":
      return [
        allow(["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"], requireArn(r.stateMachineArn, permission)),
      ];
    case "dr-operations:assume":
      return [allow(["sts:AssumeRole"], requireArn(r.drOperationsRoleArn, permission))];
    case "evidence-bucket:write":
      return [
        allow(["s3:PutObject"], pulumi.interpolate`${requireArn(r.evidenceBucketArn, permission)}/*`),
        kms(r, KMS_ENCRYPT_ACTIONS, "s3"),
      ];
    case "evidence-bucket:read":
      return [
        allow(["s3:GetObject"], pulumi.interpolate`${requireArn(r.evidenceBucketArn, permission)}/*`),
        kms(r, KMS_DECRYPT_ACTIONS, "s3"),
      ];
    case "parameters:read":
      return [
        allow(
          ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
          [
            pulumi.interpolate`arn:aws:ssm:${r.region}:${r.accountId}:parameter/payments-dr/${r.environment}`,
            pulumi.interpolate`arn:aws:ssm:${r.region}:${r.accountId}:parameter/payments-dr/${r.environment}/*`,
          ],
        ),
      ];
  }
}

/** Statements every function needs: its own log group, X-Ray, and (in a VPC) its network interfaces. */
export function baseStatements(logGroupArn: pulumi.Input<string>, vpc: boolean): Statement[] {
  const statements: Statement[] = [
    {
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [logGroupArn, pulumi.interpolate`${logGroupArn}:*`],
    },
    { Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" },
  ];
  if (vpc) {
    statements.push({
      Effect: "Allow",
      Action: [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ],
      Resource: "*",
    });
  }
  return statements;
}
