/**
 * Every CloudWatch alarm of a region, as data. Thresholds, periods and the treatment of missing
 * data are chosen here, with the reason next to each. Pure; tested as a table and read by the
 * offline rehearsal so the simulated alarms are the deployed ones.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DataConsistency, RegionRole } from "./config";
import { METRIC_NAMESPACE } from "./lambda-permissions";
import { ROUTE53_METRICS_REGION } from "./aws-facts";
import type { AlarmSpec } from "./alarm-spec";
import { PRIMARY_FENCED_ALARM, WRITE_FUNCTION } from "./stack-environment";

/** S3 RTC promises replication within 15 minutes; beyond that the object missed the threshold. */
const RTC_THRESHOLD_SECONDS = 15 * 60;
/**
 * The payment-failures alarm, a DR trigger (it drains the region): a 10-second high-resolution
 * period (create-payment publishes PaymentFailed at 1-second storage resolution; alarm periods of
 * 10, 20 or 30 s need it, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html),
 * and 5 of 6 consecutive periods must breach: a minute of sustained failure. A burst (a 20–30 s
 * blip, a deploy's first seconds) breaches at most 4 periods and never drains the region; a region
 * that cannot record payments drains after a minute instead of three, which keeps the gray failure
 * inside the DESIGN's 120 s RTO target (README, Measurements). High-resolution alarms cost more
 * than standard ones (https://aws.amazon.com/cloudwatch/pricing/): one per region.
 */
export const PAYMENT_FAILURES_PERIOD_SECONDS = 10;
export const PAYMENT_FAILURES_EVALUATION_PERIODS = 6;
/**
 * 5 of 6, not 6 of 6: one period in the minute may fall short (clients backing off between
 * retries leave a quiet period in a low-traffic region) without restarting detection; a burst still
 * needs 50 s of failures, which 20–30 s never fills (test/sim/emf-alarms.test.ts, the flapping scenario).
 */
export const PAYMENT_FAILURES_DATAPOINTS_TO_ALARM = 5;
/**
 * Unrecordable payments in one 10-second period that count as a failing period. Clients retry a
 * failed payment with backoff capped at 8 s (sim/rehearsal/traffic.ts models it), so even a few
 * clients keep a broken region above it in every period, while one stray failure in a quiet period
 * does not breach.
 */
export const PAYMENT_FAILURES_PER_PERIOD = 2;
/**
 * Period of the secondary's "primary fenced" alarm: standard resolution, because Route 53 alarm
 * health checks support only standard-resolution metrics. The failback's wait for the alarm to
 * clear is sized from it (state-machines/render.ts, recommendedTimings).
 */
export const PRIMARY_FENCED_PERIOD_SECONDS = 60;
/** DynamoDB global tables "typically" replicate within a second; 30 s means something is wrong. */
export const REPLICATION_LATENCY_THRESHOLD_MS = 30_000;

export interface AlarmCatalogInput {
  region: string;
  peerRegion: string;
  role: RegionRole;
  environment: string;
  tableNames: string[];
  /**
   * How the tables replicate. Default behaviour: "eventual". Strong-mode tables get no replication
   * latency alarm: "Global tables configured for multi-Region strong consistency (MRSC) do not
   * publish a ReplicationLatency metric" (a write is acknowledged only once replicated).
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
   */
  dataConsistency?: DataConsistency;
  /** Physical names of the payment-path functions in this region. */
  functionNames: string[];
  apiName: string;
  apiStage: string;
  dlqName: string;
  /** The transaction-log queue's DLQ. Default behaviour: no alarm on it. */
  transactionLogDlqName?: string;
  /**
   * The region's async-failures queue (failed EventBridge deliveries, Scheduler starts, async
   * invocations, exhausted stream batches). Default behaviour: no alarm on it.
   */
  asyncFailuresQueueName?: string;
  replication: { sourceBucket: pulumi.Input<string>; destinationBucket: pulumi.Input<string>; ruleId: string };
  /** Route 53 endpoint checks; alarms on them are created only in us-east-1. */
  healthChecks?: { primaryEndpoint: pulumi.Input<string>; secondaryEndpoint: pulumi.Input<string> };
  /** Canary-based DR signals (present once the orchestration is deployed). */
  dr?: { probePeriodSeconds: 10 | 30 | 60; failureThreshold: number; rpoSeconds: number };
}

/** Every operation the functions call (Query by the payment reads, DeleteItem by leases, approvals and Powertools idempotency). */
const DYNAMODB_OPERATIONS = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"];

/** Any message in a dead-letter queue needs a person (Security Hub CloudWatch.15/17; checklist Q3). */
function queueDepthAlarm(key: string, queueName: string, description: string): AlarmSpec {
  return {
    key,
    description,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: queueName },
    statistic: "Maximum",
    periodSeconds: 60,
    evaluationPeriods: 1,
    threshold: 0,
    comparison: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
  };
}

export function regionalAlarmCatalog(input: AlarmCatalogInput): AlarmSpec[] {
  const alarms: AlarmSpec[] = [];
  const env = { Environment: input.environment };

  for (const table of input.tableNames) {
    const short = table.replace(`-global-${input.environment}`, "");
    if (input.dataConsistency !== "strong")
      alarms.push({
        key: `${short}-replication-latency`,
        description: `DynamoDB replication ${input.region} -> ${input.peerRegion} of ${table} above 30 s (RPO at risk). Missing data ignored: AWS/DynamoDB alarms always treat missing data that way.`,
        namespace: "AWS/DynamoDB",
        metricName: "ReplicationLatency",
        dimensions: { TableName: table, ReceivingRegion: input.peerRegion },
        statistic: "Average",
        periodSeconds: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        threshold: REPLICATION_LATENCY_THRESHOLD_MS,
        comparison: "GreaterThanThreshold",
        treatMissingData: "ignore",
      });
    alarms.push({
      key: `${short}-errors`,
      description: `DynamoDB system errors on ${table} in ${input.region}. Missing data ignored (AWS/DynamoDB semantics).`,
      math: {
        expression: `SUM([${DYNAMODB_OPERATIONS.map((_, i) => `m${i}`).join(", ")}])`,
        metrics: DYNAMODB_OPERATIONS.map((operation) => ({
          namespace: "AWS/DynamoDB",
          metricName: "SystemErrors",
          dimensions: { TableName: table, Operation: operation },
          stat: "Sum",
        })),
      },
      periodSeconds: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparison: "GreaterThanThreshold",
      treatMissingData: "ignore",
    });
    alarms.push({
      key: `${short}-throttles`,
      description: `DynamoDB read or write throttling on ${table} in ${input.region} (on-demand tables throttle only at partition or account limits). Missing data ignored (AWS/DynamoDB semantics).`,
      math: {
        // SUM([...]) rather than m0 + m1: throttle metrics are sparse, and one-sided throttling
        // (reads only, or writes only) must still produce a datapoint.
        expression: "SUM([m0, m1])",
        metrics: ["ReadThrottleEvents", "WriteThrottleEvents"].map((metricName) => ({
          namespace: "AWS/DynamoDB",
          metricName,
          dimensions: { TableName: table },
          stat: "Sum",
        })),
      },
      periodSeconds: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparison: "GreaterThanThreshold",
      treatMissingData: "ignore",
    });
  }

  for (const fn of input.functionNames) {
    const short = fn.replace(`-${input.region}-${input.environment}`, "");
    alarms.push({
      key: `${short}-errors`,
      description: `Lambda ${fn} returned errors. No invocations means no errors: missing data is not breaching.`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: fn },
      statistic: "Sum",
      periodSeconds: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparison: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    });
    alarms.push({
      key: `${short}-throttles`,
      description: `Lambda ${fn} was throttled (reserved concurrency exhausted). Missing data is not breaching.`,
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      dimensions: { FunctionName: fn },
      statistic: "Sum",
      periodSeconds: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparison: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
    });
  }

  alarms.push({
    key: "api-5xx",
    description:
      `Sustained 5xx answers from the payment API in ${input.region} (3 minutes of at least 5 per minute). Notification only, NOT a DR trigger: ` +
      "a fenced, drained or standby region answers 503 on purpose (and /health 503 to Route 53), which this metric cannot tell from failure. " +
      "No traffic is not an error: missing data is not breaching.",
    namespace: "AWS/ApiGateway",
    metricName: "5XXError",
    dimensions: { ApiName: input.apiName, Stage: input.apiStage },
    statistic: "Sum",
    periodSeconds: 60,
    evaluationPeriods: 3,
    threshold: 5,
    comparison: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
  });
  alarms.push({
    key: "payment-failures",
    description:
      `Payments in ${input.region} could not be recorded for a minute: at least ${PAYMENT_FAILURES_PER_PERIOD} in each of ${PAYMENT_FAILURES_DATAPOINTS_TO_ALARM} of ` +
      `${PAYMENT_FAILURES_EVALUATION_PERIODS} consecutive ${PAYMENT_FAILURES_PERIOD_SECONDS}-second periods (create-payment's own high-resolution PaymentFailed metric, ` +
      "which counts only 500s, never the deliberate 503s of a fenced region; a shorter burst does not alarm). A DR trigger: the runbook here drains the region if it is ACTIVE, " +
      "so the peer's detection takes over. No traffic is not a failure: missing data is not breaching.",
    namespace: METRIC_NAMESPACE,
    metricName: "PaymentFailed",
    // Powertools metrics: the `service` dimension plus the handler's default dimensions.
    dimensions: { service: WRITE_FUNCTION, Environment: input.environment, Region: input.region },
    statistic: "Sum",
    periodSeconds: PAYMENT_FAILURES_PERIOD_SECONDS,
    evaluationPeriods: PAYMENT_FAILURES_EVALUATION_PERIODS,
    datapointsToAlarm: PAYMENT_FAILURES_DATAPOINTS_TO_ALARM,
    threshold: PAYMENT_FAILURES_PER_PERIOD,
    comparison: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    drTrigger: true,
  });
  alarms.push(
    queueDepthAlarm(
      "processing-dlq-depth",
      input.dlqName,
      `Messages waiting in ${input.dlqName}: payments that failed processing. SQS stops publishing for idle queues: missing data is not breaching.`,
    ),
  );
  if (input.transactionLogDlqName) {
    alarms.push(
      queueDepthAlarm(
        "transaction-log-dlq-depth",
        input.transactionLogDlqName,
        `Messages waiting in ${input.transactionLogDlqName}: payment states whose transaction-log entry could not be written. The payments are safe in the table; the log is missing them until someone redrives the queue (docs/runbooks.md). Missing data is not breaching (idle queue).`,
      ),
    );
  }
  if (input.asyncFailuresQueueName) {
    alarms.push(
      queueDepthAlarm(
        "async-failures-depth",
        input.asyncFailuresQueueName,
        `Messages waiting in ${input.asyncFailuresQueueName}: a runbook start EventBridge could not deliver, a canary minute Scheduler could not start, or a stream batch that exhausted its retries. Nothing retries them: someone must look. Missing data is not breaching (idle queue).`,
      ),
    );
  }
  const s3 = {
    SourceBucket: input.replication.sourceBucket,
    DestinationBucket: input.replication.destinationBucket,
    RuleId: input.replication.ruleId,
  };
  alarms.push({
    key: "txlog-replication-latency",
    description: `Transaction-log replication ${input.region} -> ${input.peerRegion} slower than the 15-minute RTC threshold. No new objects means no metric: missing data is not breaching.`,
    namespace: "AWS/S3",
    metricName: "ReplicationLatency",
    dimensions: s3,
    statistic: "Maximum",
    periodSeconds: 300,
    evaluationPeriods: 1,
    threshold: RTC_THRESHOLD_SECONDS,
    comparison: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
  });
  alarms.push({
    key: "txlog-replication-failed",
    description: `Transaction-log objects that failed to replicate ${input.region} -> ${input.peerRegion}. Missing data is not breaching.`,
    namespace: "AWS/S3",
    metricName: "OperationsFailedReplication",
    dimensions: s3,
    statistic: "Sum",
    periodSeconds: 300,
    evaluationPeriods: 1,
    threshold: 0,
    comparison: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
  });

  if (input.healthChecks && input.region === ROUTE53_METRICS_REGION) {
    for (const [which, id] of [
      ["primary", input.healthChecks.primaryEndpoint],
      ["secondary", input.healthChecks.secondaryEndpoint],
    ] as const) {
      alarms.push({
        key: `${which}-endpoint-health`,
        description:
          `Route 53 health check of the ${which} region's /health is failing. ` +
          "A gap in Route 53 metrics is not evidence of failure (the peer's canary watches independently): missing data is ignored.",
        namespace: "AWS/Route53",
        metricName: "HealthCheckStatus",
        dimensions: { HealthCheckId: id },
        statistic: "Minimum",
        periodSeconds: 60,
        evaluationPeriods: 1,
        threshold: 1,
        comparison: "LessThanThreshold",
        treatMissingData: "ignore",
        // Only the primary's own check triggers a runbook here (it drains an unhealthy active primary).
        drTrigger: which === "primary" && input.role === "primary",
      });
    }
  }

  if (input.dr) {
    alarms.push({
      key: "peer-health",
      description:
        `The canary in ${input.region} cannot reach ${input.peerRegion}'s /health (${input.dr.failureThreshold} failed probe periods). A DR trigger. ` +
        "No data means the canary itself is not running, which says nothing about the peer: missing data is not breaching (canary-silent alarm covers it).",
      namespace: METRIC_NAMESPACE,
      metricName: "PeerHealthy",
      dimensions: { ...env, Region: input.region, Peer: input.peerRegion },
      statistic: "Maximum",
      periodSeconds: input.dr.probePeriodSeconds,
      evaluationPeriods: input.dr.failureThreshold,
      threshold: 1,
      comparison: "LessThanThreshold",
      treatMissingData: "notBreaching",
      drTrigger: true,
    });
    alarms.push({
      key: "canary-silent",
      description: `The canary in ${input.region} has published no probe for 3 minutes: the region is blind to its peer. Missing data IS the failure here: breaching.`,
      namespace: METRIC_NAMESPACE,
      metricName: "PeerHealthy",
      dimensions: { ...env, Region: input.region, Peer: input.peerRegion },
      statistic: "Maximum",
      periodSeconds: 60,
      evaluationPeriods: 3,
      threshold: 0,
      comparison: "LessThanThreshold",
      treatMissingData: "breaching",
    });
    alarms.push({
      key: "peer-heartbeat-age",
      description: `Replication from ${input.peerRegion} is behind the RPO objective (${input.dr.rpoSeconds} s): the peer's heartbeat in the local replica is too old. Missing data is not breaching (canary-silent covers it).`,
      namespace: METRIC_NAMESPACE,
      metricName: "PeerHeartbeatAgeSeconds",
      dimensions: { ...env, Region: input.region, Peer: input.peerRegion },
      statistic: "Maximum",
      periodSeconds: 60,
      evaluationPeriods: 2,
      threshold: input.dr.rpoSeconds,
      comparison: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
    if (input.role === "secondary") {
      alarms.push({
        key: PRIMARY_FENCED_ALARM,
        description:
          "The primary is fenced or drained (published here, in the secondary, by the fence step and every canary probe). Route 53's primary guard " +
          "watches this alarm. Standard resolution (60 s) because alarm-based health checks require it. Missing data keeps the last state " +
          "(here, and in the Route 53 check, which follows the data stream and is LastKnownStatus on silence): " +
          "a fence is only lifted by an explicit 0 (failback), never by silence.",
        namespace: METRIC_NAMESPACE,
        metricName: "PrimaryFenced",
        dimensions: env,
        statistic: "Maximum",
        periodSeconds: PRIMARY_FENCED_PERIOD_SECONDS,
        evaluationPeriods: 1,
        threshold: 1,
        comparison: "GreaterThanOrEqualToThreshold",
        treatMissingData: "ignore",
      });
    }
  }
  return alarms;
}
