/**
 * What each payment-path handler needs from the stack (see lib/handlers/spec.ts).
 * The canary is declared by its own owner; runbook handlers are in lib/handlers/dr-functions.ts.
 *
 * Timeouts: API functions stay far below API Gateway's 29 s integration timeout; queue consumers'
 * visibility timeout must be at least 6x theirs (the stack derives it). Memory buys CPU, which is
 * what cold starts of bundled SDK clients spend.
 */
import type { HandlerSpec } from "./spec";

/** Env every payment-path function reads for logging and metrics. */
const OBSERVABILITY_ENV = ["ENVIRONMENT", "LOCAL_REGION", "METRIC_NAMESPACE"] as const;

/** The payment-path functions, by handler folder name (functions/<name>/index.ts). */
export const PAYMENT_FUNCTIONS = {
  "create-payment": {
    // Acknowledges once the payment item and the idempotency record are written; the transaction
    // log is record-transactions' (docs/architecture.md, "Payment path"), so no bucket here.
    description: "POST /payments: validate, write guard, idempotent create of a PENDING payment",
    timeoutSeconds: 10,
    memoryMb: 512,
    vpc: true,
    environment: [
      ...OBSERVABILITY_ENV,
      "PAYMENTS_TABLE",
      "IDEMPOTENCY_TABLE",
      "CONTROL_TABLE",
      "REGION_STATE_CACHE_SECONDS",
      "PEER_API_ORIGIN",
      // Eventual mode's partition guard (functions/domain/partition-guard.ts): the canary's probe
      // record of the peer, probe#<region>#<peer>, judged against the probe interval.
      "DATA_CONSISTENCY",
      "PRIMARY_REGION",
      "PEER_REGION",
      "PROBES_PER_MINUTE",
    ],
    permissions: ["payments-table:read", "payments-table:write", "idempotency-table:read-write", "control-table:read"],
    // This is the function the failover runbook throttles to 0 in a fenced region (PEER_WRITE_FUNCTION_NAME).
    reservedConcurrency: 50,
    trigger: {
      kind: "api",
      routes: [
        {
          method: "POST",
          path: "/payments",
          authorization: "AWS_IAM",
          // The gateway refuses these before the function runs; the handler still checks both
          // (the key's format, and the card-number rule JSON Schema cannot express).
          requiredHeaders: ["Idempotency-Key"],
          requestModel: "CreatePaymentRequest",
        },
      ],
    },
  } satisfies HandlerSpec,
  "get-payment": {
    description: "GET /payments/{id}: the payment as a merchant sees it, from the local replica",
    timeoutSeconds: 5,
    memoryMb: 256,
    vpc: true,
    environment: [...OBSERVABILITY_ENV, "PAYMENTS_TABLE"],
    permissions: ["payments-table:read"],
    reservedConcurrency: 50,
    trigger: { kind: "api", routes: [{ method: "GET", path: "/payments/{id}", authorization: "AWS_IAM" }] },
  } satisfies HandlerSpec,
  health: {
    description: "GET /health: 200 only if the local payments replica answers and the region is not FENCED/DRAINED",
    // Route 53 wants an answer within 2 s of connecting; the SDK calls give up well before this.
    timeoutSeconds: 3,
    memoryMb: 256,
    vpc: true,
    environment: [...OBSERVABILITY_ENV, "PAYMENTS_TABLE", "CONTROL_TABLE", "REGION_STATE_CACHE_SECONDS"],
    permissions: ["payments-table:read", "control-table:read"],
    // Route 53 checkers probe several times a second; reserved so payment load cannot starve it
    // into a false failover.
    reservedConcurrency: 10,
    trigger: { kind: "api", routes: [{ method: "GET", path: "/health", authorization: "NONE" }] },
  } satisfies HandlerSpec,
  "deep-health": {
    description: "GET /health/deep: per-check report of table, queues, heartbeats and region state, for operators",
    timeoutSeconds: 10,
    memoryMb: 256,
    vpc: true,
    environment: [
      ...OBSERVABILITY_ENV,
      "PEER_REGION",
      "PAYMENTS_TABLE",
      "CONTROL_TABLE",
      "PROCESSING_QUEUE_URL",
      "PROCESSING_DLQ_URL",
      "RPO_SECONDS",
    ],
    permissions: ["payments-table:read", "control-table:read", "processing-queue:inspect"],
    reservedConcurrency: 2,
    trigger: { kind: "api", routes: [{ method: "GET", path: "/health/deep", authorization: "AWS_IAM" }] },
  } satisfies HandlerSpec,
  "payment-events": {
    description:
      "Payments stream: new PENDING payments of this region to the processing queue, each state they reach to the transaction-log queue",
    timeoutSeconds: 30,
    memoryMb: 256,
    vpc: true,
    environment: [...OBSERVABILITY_ENV, "PROCESSING_QUEUE_URL", "TRANSACTION_LOG_QUEUE_URL"],
    permissions: ["payments-table:stream", "processing-queue:send", "transaction-log-queue:send"],
    // Stream concurrency is one per shard (x parallelization factor); this bounds it with room to spare.
    reservedConcurrency: 10,
    // Needs ReportBatchItemFailures on the mapping and the filters from paymentStreamFilterPatterns().
    // The stream's only reader: AWS recommends one per shard of a global table's stream.
    // Retries: Lambda's maximum, 10,000, and no record-age limit (the stream keeps a record 24 h).
    // Malformed records are skipped in code, so only an outage (the function, SQS, KMS) fails a
    // record, and it must wait for the outage to end: a record Lambda gives up on leaves only its
    // metadata in async-failures, and its payment unsettled and unlogged. With 10 retries a
    // three-minute outage stranded 236 payments (test/sim/rehearsal-stream-consumer-outage.test.ts).
    // Waiting holds the shard's later records behind it, which is what ordering needs anyway.
    // 10,000 is the most MaximumRetryAttempts takes; -1 (until the record expires) would be
    // unbounded, which policy L4 refuses (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html).
    // AWS does not document how fast Lambda retries a failed batch. The simulation retries every
    // second (10,000 last about 2.8 hours there); read harshly, a function that fails in 100 ms
    // could spend them in about 17 minutes. Either way the records then go to async-failures (alarmed).
    trigger: { kind: "dynamodb-stream", table: "payments", batchSize: 25, maximumRetryAttempts: 10_000 },
  } satisfies HandlerSpec,
  "process-payment": {
    description: "Processing queue: PENDING -> SETTLED (conditional, idempotent)",
    timeoutSeconds: 30,
    memoryMb: 256,
    vpc: true,
    environment: [...OBSERVABILITY_ENV, "PAYMENTS_TABLE", "CONTROL_TABLE", "REGION_STATE_CACHE_SECONDS"],
    permissions: ["payments-table:read", "payments-table:write", "control-table:read", "processing-queue:consume"],
    // The SQS mapping's maximum concurrency must stay at or below this; otherwise throttled
    // batches go back to the queue and count towards maxReceiveCount.
    reservedConcurrency: 10,
    // Needs ReportBatchItemFailures on the mapping.
    trigger: { kind: "sqs", queue: "processing", batchSize: 10 },
  } satisfies HandlerSpec,
  "record-transactions": {
    description: "Transaction-log queue: each state a payment of this region reaches, as an append-only S3 entry",
    timeoutSeconds: 30,
    memoryMb: 256,
    vpc: true,
    environment: [...OBSERVABILITY_ENV, "TRANSACTION_BUCKET"],
    permissions: ["transaction-bucket:write", "transaction-log-queue:consume"],
    // The SQS mapping's maximum concurrency stays at or below this (see process-payment).
    reservedConcurrency: 10,
    // Needs ReportBatchItemFailures on the mapping.
    trigger: { kind: "sqs", queue: "transaction-log", batchSize: 10 },
  } satisfies HandlerSpec,
  "redrive-dlq": {
    description: "Operator action: move processing-DLQ messages back to the processing queue (send, then delete)",
    timeoutSeconds: 60,
    memoryMb: 256,
    vpc: true,
    environment: [...OBSERVABILITY_ENV, "PROCESSING_QUEUE_URL", "PROCESSING_DLQ_URL"],
    permissions: ["processing-dlq:redrive"],
    reservedConcurrency: 1,
    trigger: { kind: "manual" },
  } satisfies HandlerSpec,
  "sweep-expired": {
    // Strong mode only (infra/stack/payment-path.ts): multi-Region strongly consistent tables have no
    // TTL, so dead idempotency records and control items are deleted by condition on their expiry.
    description: "Every minute in each region: delete expired idempotency records and control items (MRSC tables have no TTL)",
    // Below the schedule's period, so one run ends before the next starts.
    timeoutSeconds: 50,
    memoryMb: 256,
    vpc: true,
    environment: [...OBSERVABILITY_ENV, "PRIMARY_REGION", "IDEMPOTENCY_TABLE", "CONTROL_TABLE", "DATA_CONSISTENCY"],
    permissions: ["idempotency-table:sweep", "control-table:sweep", "tables:describe"],
    // One run at a time per region.
    reservedConcurrency: 1,
    trigger: { kind: "schedule", rate: "1 minute" },
  } satisfies HandlerSpec,
} as const;

/**
 * The event-source filters for `payment-events` in `region` (Lambda passes a record that matches
 * any one): INSERTs of PENDING payments that region accepted, and updates of those payments that
 * leave PENDING. (The LambdaSpec stream trigger has no field for filters yet.) The handler applies
 * the same rule in code.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html
 */
export function paymentStreamFilterPatterns(region: string): string[] {
  const local = { S: [region] };
  return [
    JSON.stringify({ eventName: ["INSERT"], dynamodb: { NewImage: { originRegion: local, status: { S: ["PENDING"] } } } }),
    JSON.stringify({
      eventName: ["MODIFY"],
      dynamodb: { NewImage: { originRegion: local, status: { S: [{ "anything-but": ["PENDING"] }] } } },
    }),
  ];
}
