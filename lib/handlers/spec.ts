/**
 * What a Lambda handler needs from the stack: the types of the one handler registry
 * (lib/handlers/index.ts), which holds one spec per handler folder. The infra turns each spec into
 * a function per region: the environment variables it names (with that region's values), a role
 * holding exactly the permissions it names, and its network placement. Handlers read exactly that
 * environment (`handlerEnv`), never guess what the stack provides, and the stack never grants what
 * a handler did not ask for.
 */

/**
 * Environment variables the stack knows how to fill, per region. Values always point at the
 * function's own region, except where the name says "PEER" or names a region explicitly.
 */
export const STACK_ENVIRONMENT = {
  ENVIRONMENT: "deployment environment (stack), e.g. prod",
  LOCAL_REGION: "the region this copy of the function runs in",
  PEER_REGION: "the other region",
  PRIMARY_REGION: "the configured primary region",
  SECONDARY_REGION: "the configured secondary region",
  PAYMENTS_TABLE: "payments global table name (same name in both regions; calls go to the local replica)",
  IDEMPOTENCY_TABLE: "idempotency global table name",
  CONTROL_TABLE: "DR control global table name",
  TRANSACTION_BUCKET: "this region's transaction-log bucket",
  PROCESSING_QUEUE_URL: "this region's payment-processing queue URL",
  PROCESSING_DLQ_URL: "this region's processing dead-letter queue URL",
  TRANSACTION_LOG_QUEUE_URL: "this region's transaction-log queue URL (payment-events → record-transactions)",
  ALERT_TOPIC_ARN: "this region's DR alert SNS topic ARN",
  SSM_PREFIX: "parameter path prefix, e.g. /payments-dr/prod/ (same in both regions)",
  METRIC_NAMESPACE: "CloudWatch namespace for DR metrics (PaymentsDR)",
  REGION_STATE_CACHE_SECONDS: "how long the payment path caches the local region-state record",
  RPO_SECONDS: "RPO objective",
  RTO_SECONDS: "RTO objective",
  PEER_HEALTH_URL: "https URL of the peer region's region-pinned /health",
  PEER_API_ORIGIN: "https origin of the peer region's region-pinned API (where a region that is not the writer redirects payments)",
  PROBES_PER_MINUTE: "canary probes per invocation minute",
  FAILOVER_DNS_NAME: "the failover name, e.g. api.payments.example.com",
  DNS_WITNESS_NAME: "TXT failover record answering the serving region, e.g. _region.api.payments.example.com",
  ZONE_NAME_SERVERS: "comma-separated authoritative name servers of the hosted zone",
  DR_OPERATIONS_ROLE_ARN: "cross-region DR operations role the runbook functions may assume",
  PEER_WRITE_FUNCTION_NAME: "the peer region's create-payment function (fenced directly, best effort)",
  LOCAL_WRITE_FUNCTION_NAME: "this region's create-payment function (restored at failback)",
  PEER_STATE_MACHINE_ARN: "the peer region's DR state machine",
  STATE_MACHINE_ARN: "this region's DR state machine",
  EVIDENCE_BUCKET: "this region's drill/failover evidence bucket (Object Lock)",
  AUTO_FAILOVER: '"true" | "false": whether alarm-started runs may act without approval',
  MIN_AUTO_INTERVAL_SECONDS: "minimum interval between automatic executions in a region",
  DRILL_HOLD_SECONDS: "default time a drill holds traffic in the secondary",
  HEALTH_CHECK_INTERVAL_SECONDS: "Route 53 health-check request interval",
  HEALTH_CHECK_FAILURE_THRESHOLD: "Route 53 health-check failure threshold",
  DNS_TTL_SECONDS: "TTL of the failover records",
  FENCE_ALARM_NAME: "the secondary's primary-fenced alarm (Route 53's primary guard watches it); the same name in both regions",
  DATA_CONSISTENCY:
    '"strong" | "eventual": how the three global tables replicate (strong: multi-Region strong consistency with a witness; eventual: last writer wins)',
  RESTORE_SCRATCH_TABLE_PREFIX:
    "name prefix of this region's restore-rehearsal scratch tables (payments-restore-<region>-<env>-); the restore steps' IAM reaches only these",
} as const;

export type StackEnvironmentName = keyof typeof STACK_ENVIRONMENT;

/**
 * Permissions a handler may ask for. Each maps to IAM statements on the named resources of the
 * function's own region (see infra/components/lambda-permissions.ts). KMS permissions for
 * encrypted queues, topics and buckets are added automatically for the resources involved.
 */
export const PERMISSIONS = {
  "payments-table:read": "GetItem/Query on the payments table (local replica)",
  "payments-table:write": "PutItem/UpdateItem/ConditionCheckItem on the payments table",
  "payments-table:stream": "read the payments table stream (event source mapping)",
  "idempotency-table:read-write": "Get/Put/Update/DeleteItem on the idempotency table",
  "control-table:read": "GetItem on the control table",
  "control-table:write": "GetItem/PutItem/UpdateItem/DeleteItem on the control table",
  "control-table:lease":
    "GetItem/PutItem/UpdateItem on the control table, of the DR lease item only (dynamodb:LeadingKeys lease): the steps that renew it",
  "idempotency-table:sweep": "Scan and DeleteItem (the delete conditional on expiry) on the idempotency table",
  "control-table:sweep": "Scan and DeleteItem (the delete conditional on expiry) on the control table",
  "tables:describe": "DescribeTable on the three global tables (replica status)",
  "payments-table:restore":
    "DescribeContinuousBackups and RestoreTableToPointInTime on the payments table, into this region's scratch tables only (the restore's writes to the scratch table, and the region's key through DynamoDB)",
  "payments-table:scan": "Scan on the payments table (the restore rehearsal counts the source)",
  "scratch-tables:describe": "DescribeTable on this region's restore-rehearsal scratch tables",
  "scratch-tables:read": "Scan and GetItem on this region's restore-rehearsal scratch tables",
  "scratch-tables:delete": "DescribeTable and DeleteTable on this region's restore-rehearsal scratch tables",
  "replication-heartbeats:write":
    "PutItem on the payments and idempotency tables, of this region's replication heartbeat only (dynamodb:LeadingKeys dr-heartbeat#<region>)",
  "replication-heartbeats:read":
    "GetItem on the payments and idempotency tables, of replication heartbeats only (dynamodb:LeadingKeys dr-heartbeat#*)",
  "transaction-bucket:write": "PutObject in this region's transaction-log bucket",
  "transaction-bucket:read": "GetObject/ListBucket in this region's transaction-log bucket",
  "processing-queue:send": "SendMessage to this region's processing queue",
  "processing-queue:consume": "Receive/Delete/ChangeVisibility/GetQueueAttributes on the processing queue",
  "processing-queue:inspect": "GetQueueAttributes on the processing queue and its DLQ",
  "transaction-log-queue:send": "SendMessage to this region's transaction-log queue",
  "transaction-log-queue:consume": "Receive/Delete/ChangeVisibility/GetQueueAttributes on the transaction-log queue",
  "processing-dlq:redrive": "receive/delete on the DLQ and send to the processing queue",
  "alerts-topic:publish": "Publish to this region's alert topic",
  "metrics:put": "PutMetricData, restricted to the PaymentsDR namespace",
  "alarms:read": "DescribeAlarms on this stack's alarms",
  "metrics:read": "GetMetricData (CloudWatch offers no resource-level permission or namespace condition for it: Resource *)",
  "state-machine:start": "StartExecution on this region's DR state machine",
  "state-machine:list": "ListExecutions of this region's DR state machine",
  "state-machine:callback": "SendTaskSuccess/Failure/Heartbeat on this region's DR state machine",
  "dr-operations:assume": "sts:AssumeRole on the cross-region DR operations role",
  "evidence-bucket:write": "PutObject in this region's evidence bucket",
  "evidence-bucket:read": "GetObject in this region's evidence bucket",
  "parameters:read": "GetParameter(s)ByPath under this stack's SSM prefix",
} as const;

export type Permission = keyof typeof PERMISSIONS;

export interface ApiRouteSpec {
  method: "GET" | "POST";
  path: string;
  authorization: "NONE" | "AWS_IAM";
  /** Headers API Gateway rejects a request without (before the function runs). */
  requiredHeaders?: readonly string[];
  /**
   * The JSON body's model, by name. The stack turns the named zod schema (functions/domain) into
   * API Gateway's request model, so the gateway and the handler validate against one definition.
   */
  requestModel?: "CreatePaymentRequest";
}

/** What one handler needs from the stack; its name is its key in the registry (lib/handlers/index.ts). */
export interface HandlerSpec {
  description: string;
  /** Seconds. State-machine tasks set their own TimeoutSeconds above this. */
  timeoutSeconds: number;
  memoryMb: number;
  /**
   * true: runs in the region's private subnets (payment data path).
   * false: runs outside the VPC because its job is to reach public endpoints or the other
   * region (canary, DNS confirmation, cross-region runbook steps) — see docs/architecture.md.
   */
  vpc: boolean;
  environment: readonly StackEnvironmentName[];
  permissions: readonly Permission[];
  /** Reserved concurrency; omitted means unreserved. Payment-path functions reserve. */
  reservedConcurrency?: number;
  /** How the function is invoked, so the stack wires the right trigger and failure handling. */
  trigger:
    | { kind: "api"; routes: readonly ApiRouteSpec[] }
    | { kind: "dynamodb-stream"; table: "payments"; batchSize: number; maximumRetryAttempts: number }
    | { kind: "sqs"; queue: "processing" | "transaction-log"; batchSize: number }
    | { kind: "schedule"; rate: "1 minute" }
    /** Invoked by the region's canary ticker (an Express state machine spacing probes within a minute). */
    | { kind: "canary-ticker" }
    | { kind: "eventbridge" }
    | { kind: "state-machine" }
    | { kind: "manual" };
}

/** A handler's spec with its name: the handler folder name, also the `{service}` slot of the physical name. */
export interface LambdaSpec extends HandlerSpec {
  name: string;
}
