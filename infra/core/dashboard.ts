/**
 * The DR dashboard of one region: health, fence state, replication, heartbeat age, alarms and
 * runbook executions on one screen. Pure (tested); the stack creates one per region and
 * `drctl status` prints its URL.
 */
import type { DataConsistency } from "./config";
import { METRIC_NAMESPACE } from "./lambda-permissions";
import { ROUTE53_METRICS_REGION } from "./aws-facts";

export interface DashboardInput {
  region: string;
  peerRegion: string;
  primaryRegion: string;
  secondaryRegion: string;
  environment: string;
  tableNames: string[];
  /**
   * Eventual mode shows replication latency; strong mode has none to show ("Global tables
   * configured for multi-Region strong consistency (MRSC) do not publish a ReplicationLatency
   * metric") and shows write latency instead, which carries the round trip to the other replica
   * or the witness. Default behaviour: "eventual".
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
   */
  dataConsistency?: DataConsistency;
  healthCheckIds: { primaryEndpoint: string; secondaryEndpoint: string; primaryGuard?: string };
  alarmArns: string[];
  stateMachineArn: string;
  apiName: string;
  writeFunctionName: string;
}

type Metric = (string | Record<string, unknown>)[];

function metricWidget(title: string, region: string, metrics: Metric[], x: number, y: number, extra: Record<string, unknown> = {}) {
  return {
    type: "metric",
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region, metrics, view: "timeSeries", stat: "Maximum", period: 60, ...extra },
  };
}

export function dashboardName(region: string, environment: string): string {
  return `payments-dr-${region}-${environment}`;
}

export function dashboardUrl(region: string, environment: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${dashboardName(region, environment)}`;
}

export function drDashboardBody(input: DashboardInput): string {
  const env = input.environment;
  const checks = input.healthCheckIds;
  const widgets = [
    {
      type: "text",
      x: 0,
      y: 0,
      width: 24,
      height: 2,
      properties: {
        markdown:
          `## payments-dr ${env} — ${input.region} (${input.region === input.primaryRegion ? "primary" : "secondary"})\n` +
          `Which region serves is decided by Route 53 health checks (us-east-1 metrics) and the fence alarm in ${input.secondaryRegion}. ` +
          "Runbooks: `npx drctl status`, docs/runbooks.md.",
      },
    },
    metricWidget(
      "Route 53 health (1 = healthy)",
      ROUTE53_METRICS_REGION,
      [
        ["AWS/Route53", "HealthCheckStatus", "HealthCheckId", checks.primaryEndpoint, { label: `${input.primaryRegion} /health` }],
        ["AWS/Route53", "HealthCheckStatus", "HealthCheckId", checks.secondaryEndpoint, { label: `${input.secondaryRegion} /health` }],
        ...(checks.primaryGuard
          ? [["AWS/Route53", "HealthCheckStatus", "HealthCheckId", checks.primaryGuard, { label: "primary guard (health AND not fenced)" }]]
          : []),
      ],
      0,
      2,
      { stat: "Minimum", yAxis: { left: { min: 0, max: 1 } } },
    ),
    metricWidget(
      `Peer health seen from ${input.region}, and the primary fence`,
      input.region,
      [
        [
          METRIC_NAMESPACE,
          "PeerHealthy",
          "Environment",
          env,
          "Region",
          input.region,
          "Peer",
          input.peerRegion,
          { label: `${input.peerRegion} healthy` },
        ],
        [METRIC_NAMESPACE, "PrimaryFenced", "Environment", env, { label: "primary fenced", region: input.secondaryRegion }],
      ],
      12,
      2,
      { yAxis: { left: { min: 0, max: 1 } } },
    ),
    input.dataConsistency === "strong"
      ? metricWidget(
          `DynamoDB write latency in ${input.region} (ms; strongly consistent: includes the quorum round trip)`,
          input.region,
          input.tableNames.flatMap((t) =>
            ["PutItem", "UpdateItem"].map((operation) => [
              "AWS/DynamoDB",
              "SuccessfulRequestLatency",
              "TableName",
              t,
              "Operation",
              operation,
            ]),
          ),
          0,
          8,
          { stat: "p99" },
        )
      : metricWidget(
          `DynamoDB replication ${input.region} → ${input.peerRegion} (ms)`,
          input.region,
          input.tableNames.map((t) => ["AWS/DynamoDB", "ReplicationLatency", "TableName", t, "ReceivingRegion", input.peerRegion]),
          0,
          8,
          { stat: "Average" },
        ),
    metricWidget(
      `Age of ${input.peerRegion}'s heartbeat in the local replica (s) — the RPO exposure bound`,
      input.region,
      [[METRIC_NAMESPACE, "PeerHeartbeatAgeSeconds", "Environment", env, "Region", input.region, "Peer", input.peerRegion]],
      12,
      8,
    ),
    {
      type: "alarm",
      x: 0,
      y: 14,
      width: 24,
      height: 4,
      properties: { title: `Alarms in ${input.region}`, alarms: input.alarmArns, sortBy: "stateUpdatedTimestamp" },
    },
    metricWidget(
      "DR runbook executions",
      input.region,
      ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"].map((m) => [
        "AWS/States",
        m,
        "StateMachineArn",
        input.stateMachineArn,
      ]),
      0,
      18,
      { stat: "Sum" },
    ),
    metricWidget(
      "Payments: API 5xx and accepted writes",
      input.region,
      [
        ["AWS/ApiGateway", "5XXError", "ApiName", input.apiName, "Stage", "v1"],
        ["AWS/Lambda", "Invocations", "FunctionName", input.writeFunctionName, { label: "create-payment invocations" }],
      ],
      12,
      18,
      { stat: "Sum" },
    ),
  ];
  return JSON.stringify({ widgets });
}
