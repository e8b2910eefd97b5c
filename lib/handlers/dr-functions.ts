/**
 * What each DR function needs from the stack (see lib/handlers/spec.ts): the runbook
 * step handlers (runbooks/handlers/<name>), the alarm trigger (start-execution) and the canary
 * (runbooks/handlers/canary). One entry per handler folder; tests load every handler with exactly the
 * environment declared here.
 *
 * All of them but the restore rehearsal's steps run OUTSIDE the VPC (`vpc: false`): they must
 * reach the peer region's APIs, the peer's public /health and the zone's public name servers, and
 * a failover path must not depend on a NAT gateway in the failing region (docs/architecture.md,
 * "Why some functions run outside the VPC"). None of them touches payment data. The restore
 * rehearsal's steps (`restoreStep`) run in the private subnets: they read a copy of the payments
 * table and need nothing outside their region's DynamoDB.
 *
 * Cross-region work goes through the DR operations role (`dr-operations:assume`); that role's
 * policy must allow exactly (docs/runbooks.md, "What the DR operations role must allow"):
 * - dynamodb:GetItem, PutItem on the control table in both regions (fence/sentinel/compensation
 *   written through the peer's replica);
 * - eventual mode: dynamodb:PutItem on the payments and idempotency tables in both regions, for
 *   the failback sentinel's key only (`dr-heartbeat#<region>#sentinel`, a dynamodb:LeadingKeys condition);
 * - cloudwatch:PutMetricData (namespace PaymentsDR) in the secondary region (clear the fence metric);
 * - cloudwatch:DescribeAlarms on the secondary's fence alarm only (the failback waits for it to clear);
 * - lambda:GetFunctionConcurrency, PutFunctionConcurrency, DeleteFunctionConcurrency, TagResource,
 *   UntagResource, ListTags on the create-payment function of both regions;
 * - states:StartExecution on both regions' DR state machines and states:DescribeExecution on
 *   their executions (a drill starts and follows the primary's failback).
 *
 * Timeouts: every function answers well inside the state machine's Task TimeoutSeconds
 * (recommendedTimings: 30 s); peer calls have their own short timeouts (lib/aws-credentials.ts).
 *
 * Reserved concurrency (policy rule L3): the DR path must not be starved when payment load — or
 * anything else in the account — exhausts the region's pool during the very incident it handles.
 * Every function here reserves a little, the same in both regions (the stack builds both from
 * this list). A throttled Task is retried by the state machine (Lambda.TooManyRequestsException)
 * and a throttled EventBridge delivery by Lambda's async retries, so small numbers are safe.
 */
import type { HandlerSpec, Permission, StackEnvironmentName } from "./spec";

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
/**
 * The restore rehearsal's steps: one drill at a time restores (a second drill could only start after
 * the first released the lease, and its restore waits minutes between steps); a throttled Task is
 * retried by the state machine (Lambda.TooManyRequestsException).
 */
export const RESTORE_STEP_RESERVED_CONCURRENCY = 1;
const CONTROL = ["LOCAL_REGION", "CONTROL_TABLE"] as const;

function step<const E extends readonly StackEnvironmentName[]>(
  description: string,
  environment: E,
  permissions: readonly Permission[],
  timeoutSeconds = 10,
) {
  return {
    description,
    timeoutSeconds,
    memoryMb: 256,
    vpc: false,
    environment,
    permissions,
    reservedConcurrency: STEP_RESERVED_CONCURRENCY,
    trigger: STEP,
  } satisfies HandlerSpec;
}

/**
 * A step of the drill's restore rehearsal (runbooks/domain/restore-rehearsal.ts). These run in the
 * region's private subnets (`vpc: true`), unlike the other runbook steps: they need nothing but
 * DynamoDB of their own region (the VPC's gateway endpoint), and the copy they check holds payment
 * data, which no function outside the VPC touches (docs/architecture.md).
 */
function restoreStep<const E extends readonly StackEnvironmentName[]>(
  description: string,
  environment: E,
  permissions: readonly Permission[],
  timeoutSeconds = 10,
) {
  return {
    ...step(description, environment, permissions, timeoutSeconds),
    vpc: true,
    reservedConcurrency: RESTORE_STEP_RESERVED_CONCURRENCY,
  };
}

/** The DR functions, by handler folder name (runbooks/handlers/<name>/index.ts). */
export const DR_FUNCTIONS = {
  "validate-input": step(
    "ValidateInput: the execution input against this machine, normalised; pure, no AWS call",
    ["LOCAL_REGION", "DRILL_HOLD_SECONDS"],
    [],
  ),
  "acquire-lease": step(
    "AcquireLease: the single DR lease, and anti-flap for automatic runs",
    [...CONTROL, "MIN_AUTO_INTERVAL_SECONDS"],
    ["control-table:write"],
  ),
  "release-lease": step("ReleaseLease: release the DR lease if this run holds it", CONTROL, ["control-table:write"]),
  "assess-regions": step(
    "AssessRegions: read both region records locally; decide the action and the approval need (a reconciler restoring a writer over a silent one first probes the writer's /health once more)",
    [...CONTROL, "PEER_REGION", "AUTO_FAILOVER", "PEER_HEALTH_URL"],
    ["control-table:read", "control-table:lease"],
  ),
  "check-replication": step(
    "CheckReplication / CheckPrimaryHealth: local replicas ACTIVE; strong mode: reads and writes strongly here; eventual: the peer's heartbeat age and RPO exposure per table (the worst counts)",
    [...CONTROL, "PEER_REGION", "PAYMENTS_TABLE", "IDEMPOTENCY_TABLE", "RPO_SECONDS", "DATA_CONSISTENCY"],
    ["control-table:write", "tables:describe", "replication-heartbeats:read"],
  ),
  "request-approval": step(
    "RequestApproval: store the task token for drctl and ask on-call (.waitForTaskToken)",
    [...CONTROL, "ALERT_TOPIC_ARN", "ENVIRONMENT"],
    ["control-table:write", "alerts-topic:publish"],
  ),
  notify: step(
    "Notify*: start, decision, end and failure messages to the alert topic",
    ["LOCAL_REGION", "ALERT_TOPIC_ARN", "ENVIRONMENT", "RPO_SECONDS", "RTO_SECONDS"],
    ["alerts-topic:publish"],
  ),
  "set-peer-state": step(
    "FenceOldPrimary / DrainPrimary / FenceSecondary / MarkSecondaryStandby: the peer's state in the authority (local or through the peer; strong-mode failback: with the primary ACTIVE, one transition), and PrimaryFenced=1 when fencing the primary",
    [...CONTROL, "PEER_REGION", "PRIMARY_REGION", "METRIC_NAMESPACE", "ENVIRONMENT", "DR_OPERATIONS_ROLE_ARN", "DATA_CONSISTENCY"],
    ["control-table:write", "metrics:put", "dr-operations:assume"],
  ),
  "stop-peer-writes": step(
    "StopOldPrimaryWrites: best effort, reserved concurrency 0 on the peer's write function via the DR operations role",
    [...CONTROL, "PEER_REGION", "PEER_WRITE_FUNCTION_NAME", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume", "control-table:lease"],
    15,
  ),
  "promote-local": step("PromoteLocalRegion / PromoteSecondary / PromotePrimary: this region ACTIVE at epoch max+1, conditional", CONTROL, [
    "control-table:write",
  ]),
  "confirm-dns": step(
    "ConfirmDnsAnswer: query the DNS witness TXT against the zone's authoritative name servers",
    [...CONTROL, "DNS_WITNESS_NAME", "ZONE_NAME_SERVERS"],
    ["control-table:lease"],
  ),
  "drain-local": step("DrainLocalRegion: this region DRAINED on its own alarm", CONTROL, ["control-table:write"]),
  "write-sentinel": step(
    "WriteSentinel: the failback sentinel, written through the secondary's replica of the control table and of each data table",
    [...CONTROL, "PEER_REGION", "PAYMENTS_TABLE", "IDEMPOTENCY_TABLE", "DATA_CONSISTENCY", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume", "control-table:lease"],
  ),
  "check-sentinel": step(
    "CheckSentinelReplicated: has the sentinel reached the local replica of every table it was written to?",
    [...CONTROL, "PAYMENTS_TABLE", "IDEMPOTENCY_TABLE", "DATA_CONSISTENCY"],
    ["control-table:read", "replication-heartbeats:read", "control-table:lease"],
  ),
  "restore-write-function": step(
    "RestorePrimaryWriteFunction: undo a failover's direct stop of this region's write function",
    [...CONTROL, "LOCAL_WRITE_FUNCTION_NAME", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume", "control-table:lease"],
  ),
  "publish-fence-metric": step(
    "ClearPrimaryFenceMetric: PrimaryFenced in the secondary region via the DR operations role",
    [...CONTROL, "SECONDARY_REGION", "METRIC_NAMESPACE", "ENVIRONMENT", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume", "control-table:lease"],
  ),
  "check-fence-alarm": step(
    "CheckFenceAlarm (failback): is the secondary's primary-fenced alarm OK yet? DescribeAlarms via the DR operations role",
    [...CONTROL, "SECONDARY_REGION", "FENCE_ALARM_NAME", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume", "control-table:lease"],
  ),
  compensate: step(
    "CompensateFailback / CompensateDrill: put the peer back to ACTIVE when a failback or drill fails half-way",
    [...CONTROL, "PEER_REGION", "PRIMARY_REGION", "METRIC_NAMESPACE", "ENVIRONMENT", "DR_OPERATIONS_ROLE_ARN"],
    ["control-table:write", "metrics:put", "dr-operations:assume"],
  ),
  "check-detection": step(
    "CheckDetection (drill): has the local canary seen the drained primary fail?",
    [...CONTROL, "PROBES_PER_MINUTE"],
    ["control-table:read", "control-table:lease"],
  ),
  "check-hold-payments": step(
    "CheckHoldPayments (drill): after the hold, create-payment's PaymentAccepted/PaymentFailed/WriteRefused/WriteRedirected in this region over the hold (GetMetricData), judged: payments accepted and failures under the threshold",
    [...CONTROL, "ENVIRONMENT", "METRIC_NAMESPACE"],
    ["metrics:read", "control-table:lease"],
  ),
  "start-peer-failback": step(
    "StartPrimaryFailback (drill): start the peer's state machine in failback mode via the DR operations role",
    [...CONTROL, "PEER_REGION", "PEER_STATE_MACHINE_ARN", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume", "control-table:lease"],
  ),
  "check-peer-execution": step(
    "CheckPrimaryFailback (drill): DescribeExecution of that failback via the DR operations role",
    ["LOCAL_REGION", "PEER_REGION", "DR_OPERATIONS_ROLE_ARN"],
    ["dr-operations:assume"],
  ),
  "start-restore": restoreStep(
    "StartRestoreRehearsal (drill): restore the payments table's local replica to its latest restorable second into this run's scratch table (RestoreTableToPointInTime)",
    ["LOCAL_REGION", "PAYMENTS_TABLE", "RESTORE_SCRATCH_TABLE_PREFIX", "DATA_CONSISTENCY"],
    ["payments-table:restore"],
  ),
  "check-restore": restoreStep(
    "CheckScratchTable (drill): is the restored scratch table ACTIVE yet? (DescribeTable)",
    ["LOCAL_REGION"],
    ["scratch-tables:describe"],
  ),
  "verify-restore": restoreStep(
    "VerifyRestoredTable (drill): counts of the copy against the source at the restore point, and recent payments compared attribute by attribute; resumable across invocations",
    ["LOCAL_REGION"],
    ["scratch-tables:read", "payments-table:scan", "payments-table:read"],
    20,
  ),
  "delete-scratch-table": restoreStep(
    "DeleteScratchTable / DeleteScratchTableAfterFailure (drill): delete this run's scratch table (on every path once the restore was asked for)",
    ["LOCAL_REGION", "RESTORE_SCRATCH_TABLE_PREFIX"],
    ["scratch-tables:delete"],
  ),
  "write-report": step(
    "WriteReport / WriteFailureReport: the run's evidence report (JSON + Markdown) to the evidence bucket",
    ["LOCAL_REGION", "EVIDENCE_BUCKET", "ENVIRONMENT", "RPO_SECONDS", "RTO_SECONDS"],
    ["evidence-bucket:write"],
    15,
  ),
  "inspect-lease": step(
    "InspectLease (dry-run): the lease and anti-flap state, read-only",
    [...CONTROL, "MIN_AUTO_INTERVAL_SECONDS"],
    ["control-table:read"],
  ),
  "summarize-dry-run": step("SummarizeDryRun: findings and a ready/not-ready verdict; pure, no AWS call", [], []),
  "start-execution": {
    description:
      "EventBridge target: CloudWatch Alarm State Change -> this region's DR state machine (failover mode, deterministic execution name)",
    timeoutSeconds: 10,
    memoryMb: 256,
    vpc: false,
    environment: ["LOCAL_REGION", "STATE_MACHINE_ARN", "METRIC_NAMESPACE"] as const,
    permissions: ["state-machine:start"],
    reservedConcurrency: TRIGGER_RESERVED_CONCURRENCY,
    trigger: { kind: "eventbridge" },
  } satisfies HandlerSpec,
  reconcile: {
    description:
      "After every canary probe (the canary ticker): starts an automatic run when a standing condition needs one that no alarm transition reports " +
      "(nobody ACTIVE for a minute; the writer unreachable while this region is STANDBY; strong mode, the writer silent while this region is fenced) — runbooks/domain/reconcile.ts",
    timeoutSeconds: 10,
    memoryMb: 256,
    vpc: false,
    environment: [
      "LOCAL_REGION",
      "PEER_REGION",
      "CONTROL_TABLE",
      "STATE_MACHINE_ARN",
      "DATA_CONSISTENCY",
      "DNS_WITNESS_NAME",
      "ZONE_NAME_SERVERS",
    ] as const,
    permissions: ["control-table:read", "state-machine:list", "state-machine:start"],
    reservedConcurrency: TRIGGER_RESERVED_CONCURRENCY,
    trigger: { kind: "canary-ticker" },
  } satisfies HandlerSpec,
  canary: {
    description:
      "One probe of the peer's pinned /health: PeerHealthy, heartbeat (eventual mode: in every table), probe record (eventual mode: with the DNS witness's answer), PeerHeartbeatAgeSeconds, PrimaryFenced (secondary). " +
      "Invoked PROBES_PER_MINUTE times a minute by the canary ticker (state-machines/canary-ticker.asl.json), which Scheduler starts every minute.",
    // Probe timeout ≤ 5 s (runbooks/handlers/canary), then a handful of local writes.
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
      "PAYMENTS_TABLE",
      "IDEMPOTENCY_TABLE",
      "DATA_CONSISTENCY",
      "PEER_HEALTH_URL",
      "METRIC_NAMESPACE",
      "PROBES_PER_MINUTE",
      // Eventual mode: the DNS witness asked with every probe, for the payment path's partition guard.
      "DNS_WITNESS_NAME",
      "ZONE_NAME_SERVERS",
    ] as const,
    permissions: ["control-table:write", "metrics:put", "replication-heartbeats:write", "replication-heartbeats:read"],
    reservedConcurrency: CANARY_RESERVED_CONCURRENCY,
    trigger: { kind: "canary-ticker" },
  } satisfies HandlerSpec,
} as const;
