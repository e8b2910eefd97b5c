/**
 * What each DR function needs from the stack (see functions/lib/lambda-manifest.ts): the runbook
 * step handlers (runbooks/handlers/<name>), the alarm trigger (start-execution) and the canary
 * (functions/canary). One entry per handler folder; tests load every handler with exactly the
 * environment declared here.
 *
 * All of them run OUTSIDE the VPC (`vpc: false`): they must reach the peer region's APIs, the
 * peer's public /health and the zone's public name servers, and a failover path must not depend
 * on a NAT gateway in the failing region (docs/architecture.md, "Why some functions run outside
 * the VPC"). None of them touches payment data.
 *
 * Cross-region work goes through the DR operations role (`dr-operations:assume`); that role's
 * policy must allow exactly (docs/runbooks.md, "What the DR operations role must allow"):
 * - dynamodb:GetItem, PutItem on the control table in both regions (fence/sentinel/compensation
 *   written through the peer's replica);
 * - cloudwatch:PutMetricData (namespace PaymentsDR) in the secondary region (clear the fence metric);
 * - cloudwatch:DescribeAlarms on the secondary's fence alarm only (the failback waits for it to clear);
 * - lambda:GetFunctionConcurrency, PutFunctionConcurrency, DeleteFunctionConcurrency, TagResource,
 *   UntagResource, ListTags on the create-payment function of both regions;
 * - states:StartExecution on both regions' DR state machines and states:DescribeExecution on
 *   their executions (a drill starts and follows the primary's failback).
 *
 * Timeouts: every function answers well inside the state machine's Task TimeoutSeconds
 * (recommendedTimings: 30 s); peer calls have their own short timeouts (runbooks/lib/aws.ts).
 *
 * Reserved concurrency (policy rule L3): the DR path must not be starved when payment load — or
 * anything else in the account — exhausts the region's pool during the very incident it handles.
 * Every function here reserves a little, the same in both regions (the stack builds both from
 * this list). A throttled Task is retried by the state machine (Lambda.TooManyRequestsException)
 * and a throttled EventBridge delivery by Lambda's async retries, so small numbers are safe.
 */
import type { LambdaSpec, Permission, StackEnvironmentName } from "../functions/lib/lambda-manifest";

const STEP = { kind: "state-machine" } as const;
/**
 * One DR execution acts at a time (the lease), but another may run alongside it until it meets
 * the lease (an alarm-started run during a failback or drill), each invoking one step at a time.
 */
export const STEP_RESERVED_CONCURRENCY = 2;
/** start-execution: two alarms of a region may change state in the same evaluation. */
export const TRIGGER_RESERVED_CONCURRENCY = 2;
/** The canary probes one at a time; a slow probe (peer timing out) may still run when the next starts. */
export const CANARY_RESERVED_CONCURRENCY = 2;
const CONTROL: readonly StackEnvironmentName[] = ["LOCAL_REGION", "CONTROL_TABLE"];

function step(
  name: string,
  description: string,
  environment: readonly StackEnvironmentName[],
  permissions: readonly Permission[],
  timeoutSeconds = 10,
): LambdaSpec {
  return { name, description, timeoutSeconds, memoryMb: 256, vpc: false, environment, permissions, reservedConcurrency: STEP_RESERVED_CONCURRENCY, trigger: STEP };
}

export const runbookFunctions: LambdaSpec[] = [
  step("validate-input", "ValidateInput: the execution input against this machine, normalised; pure, no AWS call", ["LOCAL_REGION", "DRILL_HOLD_SECONDS"], []),
  step("acquire-lease", "AcquireLease: the single DR lease, and anti-flap for automatic runs", [...CONTROL, "MIN_AUTO_INTERVAL_SECONDS"], ["control-table:write"]),
  step("release-lease", "ReleaseLease: release the DR lease if this run holds it", CONTROL, ["control-table:write"]),
  step("assess-regions", "AssessRegions: read both region records locally; decide the action and the approval need", [...CONTROL, "PEER_REGION", "AUTO_FAILOVER"], [
    "control-table:read",
  ]),
  step(
    "check-replication",
    "CheckReplication / CheckPrimaryHealth: local replicas ACTIVE, peer heartbeat age, RPO exposure",
    [...CONTROL, "PEER_REGION", "PAYMENTS_TABLE", "IDEMPOTENCY_TABLE", "RPO_SECONDS"],
    ["control-table:read", "tables:describe"],
  ),
  step("request-approval", "RequestApproval: store the task token for drctl and ask on-call (.waitForTaskToken)", [...CONTROL, "ALERT_TOPIC_ARN", "ENVIRONMENT"], [
    "control-table:write",
    "alerts-topic:publish",
  ]),
  step("notify", "Notify*: start, decision, end and failure messages to the alert topic", ["LOCAL_REGION", "ALERT_TOPIC_ARN", "ENVIRONMENT", "RPO_SECONDS", "RTO_SECONDS"], [
    "alerts-topic:publish",
  ]),
  step(
    "set-peer-state",
    "FenceOldPrimary / DrainPrimary / FenceSecondary / MarkSecondaryStandby: the peer's record (local or through the peer), and PrimaryFenced=1 when fencing the primary",
    [...CONTROL, "PEER_REGION", "PRIMARY_REGION", "METRIC_NAMESPACE", "ENVIRONMENT", "DR_OPERATIONS_ROLE_ARN"],
    ["control-table:write", "metrics:put", "dr-operations:assume"],
  ),
  step(
    "stop-peer-writes",
    "StopOldPrimaryWrites: best effort, reserved concurrency 0 on the peer's write function via the DR operations role",
    ["LOCAL_REGION", "PEER_REGION", "PEER_WRITE_FUNCTION_NAME", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume"],
    15,
  ),
  step("promote-local", "PromoteLocalRegion / PromoteSecondary / PromotePrimary: this region ACTIVE at epoch max+1, conditional", CONTROL, ["control-table:write"]),
  step("confirm-dns", "ConfirmDnsAnswer: query the DNS witness TXT against the zone's authoritative name servers", ["LOCAL_REGION", "DNS_WITNESS_NAME", "ZONE_NAME_SERVERS"], []),
  step("drain-local", "DrainLocalRegion: this region DRAINED on its own alarm", CONTROL, ["control-table:write"]),
  step("write-sentinel", "WriteSentinel: the failback sentinel, written through the secondary's replica", [...CONTROL, "PEER_REGION", "DR_OPERATIONS_ROLE_ARN"], [
    "dr-operations:assume",
  ]),
  step("check-sentinel", "CheckSentinelReplicated: has the sentinel reached the local replica?", CONTROL, ["control-table:read"]),
  step(
    "restore-write-function",
    "RestorePrimaryWriteFunction: undo a failover's direct stop of this region's write function",
    ["LOCAL_REGION", "LOCAL_WRITE_FUNCTION_NAME", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume"],
  ),
  step(
    "publish-fence-metric",
    "ClearPrimaryFenceMetric: PrimaryFenced in the secondary region via the DR operations role",
    ["LOCAL_REGION", "SECONDARY_REGION", "METRIC_NAMESPACE", "ENVIRONMENT", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume"],
  ),
  step(
    "check-fence-alarm",
    "CheckFenceAlarm (failback): is the secondary's primary-fenced alarm OK yet? DescribeAlarms via the DR operations role",
    ["LOCAL_REGION", "SECONDARY_REGION", "FENCE_ALARM_NAME", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume"],
  ),
  step(
    "compensate",
    "CompensateFailback / CompensateDrill: put the peer back to ACTIVE when a failback or drill fails half-way",
    [...CONTROL, "PEER_REGION", "PRIMARY_REGION", "METRIC_NAMESPACE", "ENVIRONMENT", "DR_OPERATIONS_ROLE_ARN"],
    ["control-table:write", "metrics:put", "dr-operations:assume"],
  ),
  step("check-detection", "CheckDetection (drill): has the local canary seen the drained primary fail?", [...CONTROL, "PROBES_PER_MINUTE"], ["control-table:read"]),
  step(
    "start-peer-failback",
    "StartPrimaryFailback (drill): start the peer's state machine in failback mode via the DR operations role",
    ["LOCAL_REGION", "PEER_REGION", "PEER_STATE_MACHINE_ARN", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume"],
  ),
  step("check-peer-execution", "CheckPrimaryFailback (drill): DescribeExecution of that failback via the DR operations role", [
    "LOCAL_REGION",
    "PEER_REGION",
    "DR_OPERATIONS_ROLE_ARN",
  ], ["dr-operations:assume"]),
  step(
    "write-report",
    "WriteReport / WriteFailureReport: the run's evidence report (JSON + Markdown) to the evidence bucket",
    ["LOCAL_REGION", "EVIDENCE_BUCKET", "ENVIRONMENT", "RPO_SECONDS", "RTO_SECONDS"],
    ["evidence-bucket:write"],
    15,
  ),
  step("inspect-lease", "InspectLease (dry-run): the lease and anti-flap state, read-only", [...CONTROL, "MIN_AUTO_INTERVAL_SECONDS"], ["control-table:read"]),
  step("summarize-dry-run", "SummarizeDryRun: findings and a ready/not-ready verdict; pure, no AWS call", [], []),
  {
    name: "start-execution",
    description: "EventBridge target: CloudWatch Alarm State Change -> this region's DR state machine (failover mode, deterministic execution name)",
    timeoutSeconds: 10,
    memoryMb: 256,
    vpc: false,
    environment: ["LOCAL_REGION", "STATE_MACHINE_ARN", "METRIC_NAMESPACE"],
    permissions: ["state-machine:start"],
    reservedConcurrency: TRIGGER_RESERVED_CONCURRENCY,
    trigger: { kind: "eventbridge" },
  },
  {
    name: "canary",
    description:
      "One probe of the peer's pinned /health: PeerHealthy, heartbeat, probe record, PeerHeartbeatAgeSeconds, PrimaryFenced (secondary). " +
      "Invoked PROBES_PER_MINUTE times a minute by the canary ticker (state-machines/canary-ticker.asl.json), which Scheduler starts every minute.",
    // Probe timeout ≤ 5 s (functions/canary), then a handful of local writes.
    timeoutSeconds: 15,
    memoryMb: 256,
    vpc: false,
    environment: [
      "ENVIRONMENT",
      "LOCAL_REGION",
      "PEER_REGION",
      "PRIMARY_REGION",
      "SECONDARY_REGION",
      "CONTROL_TABLE",
      "PEER_HEALTH_URL",
      "METRIC_NAMESPACE",
      "PROBES_PER_MINUTE",
    ],
    permissions: ["control-table:write", "metrics:put"],
    reservedConcurrency: CANARY_RESERVED_CONCURRENCY,
    trigger: { kind: "canary-ticker" },
  },
];

/** Concurrency the DR functions reserve in each region (docs/architecture.md, Decisions). */
export function runbookReservedConcurrencyPerRegion(): number {
  return runbookFunctions.reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0);
}
