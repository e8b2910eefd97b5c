/**
 * The AWS FIS experiments of the quarterly drill, as data: what each does, the FIS action and its
 * parameters, the alarms that stop it, and the IAM its experiment role needs. The component
 * (infra/components/resilience/drill-experiments.ts), the policy pack, `drctl drill --experiment`
 * and the simulated FIS (sim/fis/) read this one catalogue. Pure.
 *
 * Each region gets the same templates, aimed at its own resources (FIS runs an experiment in one
 * region, on targets in that region): a drill uses the standby region's `pause-replication` and the
 * active region's `payment-path-dynamodb` (`runsIn`); the other region's twins serve once roles swapped.
 *
 * Deliberately not here:
 * - `aws:network:route-table-disrupt-cross-region-connectivity`: it blocks traffic *originating in
 *   the target subnets* towards another region (FIS actions reference). Nothing this stack sends
 *   across regions leaves its subnets: the payment functions in the private subnets reach only their
 *   own region's VPC endpoints, the canary and runbook functions run outside the VPC
 *   (docs/architecture.md, "Why some functions run outside the VPC"), and DynamoDB replicates over
 *   AWS's own network. The action would cut nothing this system uses, so a drill with it would pass
 *   without testing anything.
 * - `aws:lambda:invocation-error` on the payment functions: it needs the AWS FIS Lambda extension
 *   in every target function (docs/runbooks.md, "Why not the FIS Lambda extension"), which a payment
 *   path should not carry. `payment-path-dynamodb` injects the failure below the functions instead.
 */
import { resourceName } from "./naming";
import type { Statement } from "./policy-documents";

/** How FIS actions and the tag the templates carry are spelled. */
export const FIS_ACTIONS = {
  pauseReplication: "aws:dynamodb:global-table-pause-replication",
  disruptConnectivity: "aws:network:disrupt-connectivity",
} as const;

/** The tag naming a template's experiment; `drctl drill --experiment` and the simulated FIS find templates by it. */
export const DRILL_EXPERIMENT_TAG = "DrillExperiment";

/**
 * The alarm keys of infra/core/alarm-catalog.ts a stop condition may use:
 * - `payment-failures`: payments could not be recorded in this region for a minute (5 of 6 ten-second periods) — customers hurt here;
 * - `peer-health`: this region's canary cannot reach the *other* region's /health — the region
 *   customers depend on (or would fail over to) is failing.
 */
export type StopAlarmKey = "payment-failures" | "peer-health";

export interface DrillExperimentSpec {
  /** The name `drctl drill --experiment` and `npm start -- --experiment` take. */
  name: string;
  /** One sentence for the template's description and --help. */
  description: string;
  /**
   * The region `drctl drill --experiment` runs it in, from the normal state (primary active): the
   * standby's replica is paused; the active region's payment path is cut.
   */
  runsIn: "primary" | "secondary";
  actionId: (typeof FIS_ACTIONS)[keyof typeof FIS_ACTIONS];
  /** FIS target resource type of the action. */
  targetResourceType: "aws:dynamodb:global-table" | "aws:ec2:subnet";
  /** The action's target key (FIS actions reference). */
  targetKey: "Tables" | "Subnets";
  /** ISO 8601, as FIS takes it. */
  duration: string;
  /** Action parameters besides `duration`. */
  parameters: Record<string, string>;
  /** Stop the experiment when any of these alarms (in the template's region) goes to ALARM. */
  stopAlarms: StopAlarmKey[];
  /** Why these stop conditions, for the docs and the template's description. */
  stopReason: string;
}

export const DRILL_EXPERIMENTS: readonly DrillExperimentSpec[] = [
  {
    name: "pause-replication",
    runsIn: "secondary",
    description:
      "Pauses DynamoDB replication to and from this region's replica of the payments table (FIS denies the replication service role on the replica and its stream).",
    actionId: FIS_ACTIONS.pauseReplication,
    targetResourceType: "aws:dynamodb:global-table",
    targetKey: "Tables",
    // "Tables may continue to be replicated for up to 5 minutes after action begins" (FIS actions
    // reference): 15 minutes leaves at least 10 of certain pause for the alarms and the RPO gate to see.
    duration: "PT15M",
    parameters: {},
    stopAlarms: ["payment-failures", "peer-health"],
    stopReason:
      "stops when payments cannot be recorded here, or when the other region (where customers are) fails its health check: a real outage must not meet a paused replica",
  },
  {
    name: "payment-path-dynamodb",
    runsIn: "primary",
    description:
      "Cuts this region's private subnets (every payment function, /health included) off DynamoDB's regional endpoint with a FIS-managed network ACL; the runbook and canary functions, outside the VPC, are untouched.",
    actionId: FIS_ACTIONS.disruptConnectivity,
    targetResourceType: "aws:ec2:subnet",
    targetKey: "Subnets",
    // Detection (payment-failures: 5 of 6 ten-second periods) plus the RTO objective fit in 10 minutes.
    duration: "PT10M",
    parameters: { scope: "dynamodb" },
    stopAlarms: ["peer-health"],
    stopReason:
      "stops when the region traffic fails over to is failing its own health check: payments failing here is the point, having nowhere to go is not",
  },
];

export function drillExperiment(name: string): DrillExperimentSpec | undefined {
  return DRILL_EXPERIMENTS.find((e) => e.name === name);
}

/** `drill-<experiment>-<region>-<environment>`: the template's Name tag (FIS templates have no name of their own). */
export function experimentTemplateName(experiment: string, region: string, environment: string): string {
  return resourceName(`drill-${experiment}`, region, environment);
}

/** The FIS experiment role of a region. */
export const FIS_ROLE_SERVICE = "fis-drill";

/**
 * The experiment log group. CloudWatch Logs delivers vended logs (FIS experiment logs among them)
 * under a resource policy on the log group; names under /aws/vendedlogs/ share one policy instead
 * of using up the region's ten (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html).
 */
export function experimentLogGroupName(region: string, environment: string): string {
  return `/aws/vendedlogs/fis/${resourceName("drill-experiments", region, environment)}`;
}

/** FIS experiment log records, schema version 2 (https://docs.aws.amazon.com/fis/latest/userguide/monitoring-logging.html). */
export const FIS_LOG_SCHEMA_VERSION = 2;

/** The tag FIS puts on what it creates for `aws:network:*` actions, and only there (FIS actions reference). */
export const FIS_MANAGED_TAG = "managedByFIS";

/**
 * Actions of the experiment role AWS offers no resource-level permission for (Service Authorization
 * Reference): FIS resolves targets through tag:GetResources and the EC2 Describe calls; MRSC
 * replication pause is dynamodb:InjectError, scoped by its dynamodb:FisActionId and
 * dynamodb:FisTargetArns condition keys instead. The log-delivery actions are the Step Functions ones
 * (infra/core/aws-facts.ts, STATE_MACHINE_WILDCARD_ACTIONS).
 */
export const FIS_WILDCARD_ACTIONS = [
  "tag:GetResources",
  "ec2:DescribeSubnets",
  "ec2:DescribeNetworkAcls",
  "ec2:DescribeVpcs",
  "ec2:DescribeManagedPrefixLists",
  "dynamodb:InjectError",
] as const;

/** What CloudWatch Logs asks of whoever sets up vended-log delivery to a log group (the experiment role, when an experiment starts). */
export const LOG_DELIVERY_ACTIONS = [
  "logs:CreateLogDelivery",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
] as const;

export interface FisRoleFacts {
  region: string;
  accountId: string;
  /** The payments table's name; its replica in `region` is the pause target. */
  paymentsTableName: string;
  /** Multi-Region strong consistency: FIS pauses an MRSC replica with dynamodb:InjectError. */
  paymentsTableStrong: boolean;
  vpcId: string;
  subnetIds: string[];
}

/**
 * The experiment role's permissions: exactly what the FIS actions reference lists for the two
 * actions (https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html), on this
 * region's payments replica and its stream, this VPC's subnets and network ACLs (the FIS-created
 * ACL only where AWS lets a tag say which), plus experiment log delivery.
 */
export function fisRoleStatements(f: FisRoleFacts): Statement[] {
  const table = `arn:aws:dynamodb:${f.region}:${f.accountId}:table/${f.paymentsTableName}`;
  const ec2 = (resource: string) => `arn:aws:ec2:${f.region}:${f.accountId}:${resource}`;
  const vpcArn = ec2(`vpc/${f.vpcId}`);
  const statements: Statement[] = [
    {
      Sid: "PauseReplicationOfThePaymentsReplica",
      Effect: "Allow",
      // FIS appends (and later removes) a Deny for DynamoDB's replication role to the replica's and
      // its stream's resource policies.
      Action: ["dynamodb:PutResourcePolicy", "dynamodb:DeleteResourcePolicy", "dynamodb:GetResourcePolicy", "dynamodb:DescribeTable"],
      Resource: [table, `${table}/stream/*`],
    },
    {
      Sid: "ResolveTargets",
      Effect: "Allow",
      // No resource-level permissions exist for these (Service Authorization Reference).
      Action: ["tag:GetResources", "ec2:DescribeSubnets", "ec2:DescribeNetworkAcls", "ec2:DescribeVpcs", "ec2:DescribeManagedPrefixLists"],
      Resource: "*",
    },
    {
      Sid: "ReadTheDynamoDbPrefixList",
      Effect: "Allow",
      // The AWS-managed prefix list of DynamoDB's regional endpoint, in this region only.
      Action: ["ec2:GetManagedPrefixListEntries"],
      Resource: `arn:aws:ec2:${f.region}:*:prefix-list/*`,
    },
    {
      Sid: "CreateNetworkAclsInThisVpcOnly",
      Effect: "Allow",
      // CreateNetworkAcl is authorized on the VPC and on the new ACL (Service Authorization Reference).
      Action: ["ec2:CreateNetworkAcl"],
      Resource: vpcArn,
    },
    {
      Sid: "CreateOnlyFisManagedNetworkAcls",
      Effect: "Allow",
      // "Creates the network ACL with the tag managedByFIS=true" (FIS actions reference).
      Action: ["ec2:CreateNetworkAcl"],
      Resource: ec2("network-acl/*"),
      Condition: { StringEquals: { [`aws:RequestTag/${FIS_MANAGED_TAG}`]: "true" } },
    },
    {
      Sid: "TagOnlyWhileCreatingIt",
      Effect: "Allow",
      // Tagging on create only: an existing network ACL can never be marked FIS-managed (and so
      // become editable below).
      Action: ["ec2:CreateTags"],
      Resource: ec2("network-acl/*"),
      Condition: { StringEquals: { "ec2:CreateAction": "CreateNetworkAcl", [`aws:RequestTag/${FIS_MANAGED_TAG}`]: "true" } },
    },
    {
      Sid: "EditAndDeleteOnlyTheFisNetworkAcl",
      Effect: "Allow",
      Action: ["ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"],
      Resource: ec2("network-acl/*"),
      Condition: { StringEquals: { [`ec2:ResourceTag/${FIS_MANAGED_TAG}`]: "true" } },
    },
    {
      Sid: "SwapNetworkAclsOfThePrivateSubnets",
      Effect: "Allow",
      // Swapping in the FIS ACL and, at the end, the original ACL back: both are this VPC's.
      Action: ["ec2:ReplaceNetworkAclAssociation"],
      Resource: [...f.subnetIds.map((id) => ec2(`subnet/${id}`)), ec2("network-acl/*")],
      Condition: { StringEquals: { "ec2:Vpc": vpcArn } },
    },
    {
      Sid: "DeliverExperimentLogs",
      Effect: "Allow",
      // CloudWatch Logs' vended-log delivery has no resource-level permissions.
      Action: [...LOG_DELIVERY_ACTIONS],
      Resource: "*",
    },
  ];
  if (f.paymentsTableStrong) {
    statements.push({
      Sid: "PauseReplicationOfAStrongReplica",
      Effect: "Allow",
      // "* The permission is only required if you are targeting MRSC global tables" (FIS actions
      // reference); no resource type, so bound to this action and this replica by condition keys.
      Action: ["dynamodb:InjectError"],
      Resource: "*",
      Condition: {
        "ForAllValues:StringEquals": { "dynamodb:FisActionId": [FIS_ACTIONS.pauseReplication], "dynamodb:FisTargetArns": [table] },
      },
    });
  }
  return statements;
}
