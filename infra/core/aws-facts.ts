/**
 * Facts about AWS and about this stack's fixed names that both the components and the policy pack
 * need. Pure: the policy pack reads them without loading any component.
 */

/** Route 53 health-check metrics exist only in us-east-1, so alarms on them live there. */
export const ROUTE53_METRICS_REGION = "us-east-1";

/** Route 53 publishes query logs only to log groups in us-east-1. */
export const QUERY_LOG_REGION = "us-east-1";

/**
 * The region sets in which DynamoDB offers multi-Region strong consistency (MRSC). An MRSC global
 * table is deployed in exactly three Regions of one set (three replicas, or two replicas and a
 * witness) and cannot span sets: "MRSC global tables are available in the following Region sets:
 * US Region set (US East N. Virginia, US East Ohio, US West Oregon), EU Region set (Europe Ireland,
 * Europe London, Europe Paris, Europe Frankfurt), and AP Region set (Asia Pacific Tokyo, Asia
 * Pacific Seoul, and Asia Pacific Osaka). MRSC global tables cannot span Region sets".
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateGlobalTableWitnessGroupMemberAction.html
 */
export const MRSC_REGION_SETS = {
  US: ["us-east-1", "us-east-2", "us-west-2"],
  EU: ["eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"],
  AP: ["ap-northeast-1", "ap-northeast-2", "ap-northeast-3"],
} as const satisfies Record<string, readonly string[]>;

export type MrscRegionSet = keyof typeof MRSC_REGION_SETS;

/** The MRSC region set a region belongs to, or undefined for a region no set includes. */
export function mrscRegionSetOf(region: string): MrscRegionSet | undefined {
  return (Object.keys(MRSC_REGION_SETS) as MrscRegionSet[]).find((set) => (MRSC_REGION_SETS[set] as readonly string[]).includes(region));
}

/** The `{service}` slot of each region's canary ticker state machine. */
export const CANARY_TICKER_SERVICE = "canary-ticker";

/** Step Functions log delivery and X-Ray: AWS authorises these only on `Resource: "*"`. */
export const STATE_MACHINE_WILDCARD_ACTIONS = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
];

/**
 * The partition every ARN of this stack names (`arn:aws:...`). The program supports the regions of
 * this partition only: config refuses others (infra/core/config.ts), and the caller's identity must
 * be in it too (the credentials decide the partition the provider talks to).
 */
export const STACK_PARTITION = "aws";

/**
 * Which partition a region belongs to, by the region patterns of the AWS SDK's endpoint rules
 * (@aws-sdk/core, util-endpoints partitions). Undefined for a name no partition claims.
 * https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html
 */
export const PARTITION_REGION_PATTERNS: readonly (readonly [string, RegExp])[] = [
  ["aws", /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/],
  ["aws-cn", /^cn-\w+-\d+$/],
  ["aws-us-gov", /^us-gov-\w+-\d+$/],
  ["aws-iso", /^us-iso-\w+-\d+$/],
  ["aws-iso-b", /^us-isob-\w+-\d+$/],
  ["aws-iso-e", /^eu-isoe-\w+-\d+$/],
  ["aws-iso-f", /^us-isof-\w+-\d+$/],
  ["aws-eusc", /^eusc-(de)-\w+-\d+$/],
];

export function partitionOfRegion(region: string): string | undefined {
  return PARTITION_REGION_PATTERNS.find(([, pattern]) => pattern.test(region))?.[0];
}

/** The partition of an ARN (`arn:<partition>:...`). */
export function partitionOfArn(arn: string): string | undefined {
  return /^arn:([^:]+):/.exec(arn)?.[1];
}

/**
 * The deploying identity's account, once its partition is known to be the stack's: credentials of
 * another partition (GovCloud, China) would have the provider create resources whose ARNs this
 * program writes wrongly, so they stop the program before anything is created.
 */
export function accountInStackPartition(callerArn: string, accountId: string): string {
  const partition = partitionOfArn(callerArn);
  if (partition !== STACK_PARTITION) {
    throw new Error(
      `The AWS credentials belong to ${callerArn} in partition "${partition}"; payments-dr writes every ARN for the "${STACK_PARTITION}" partition ` +
        "and deploys only to its regions. Use credentials of an account in the aws partition.",
    );
  }
  return accountId;
}
