/**
 * Facts about AWS and about this stack's fixed names that both the components and the policy pack
 * need. Pure: the policy pack reads them without loading any component.
 */

/** Route 53 health-check metrics exist only in us-east-1, so alarms on them live there. */
export const ROUTE53_METRICS_REGION = "us-east-1";

/** Route 53 publishes query logs only to log groups in us-east-1. */
export const QUERY_LOG_REGION = "us-east-1";

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
