/**
 * Environment for the payment handlers under test. Imported first by every test file, before
 * any handler module (they read their environment once, at load).
 */
export const LOCAL_REGION = "us-east-1";
export const PEER_REGION = "us-east-2";
export const ACCOUNT = "123456789012";

export const TABLES = {
  payments: "payments-global-test",
  idempotency: "idempotency-global-test",
  control: "control-global-test",
} as const;

export const BUCKET = `transactions-us-east-1-test-${ACCOUNT}`;
export const QUEUE_URL = `https://sqs.${LOCAL_REGION}.amazonaws.com/${ACCOUNT}/processing-us-east-1-test`;
export const DLQ_URL = `https://sqs.${LOCAL_REGION}.amazonaws.com/${ACCOUNT}/processing-dlq-us-east-1-test`;
export const CACHE_SECONDS = 5;
/** The peer's region-pinned API (infra/core/stack-environment.ts): where a region that is not the writer redirects payments. */
export const PEER_API_ORIGIN = `https://api-${PEER_REGION}.payments.example.com`;

export const PAYMENT_ENV: Record<string, string> = {
  ENVIRONMENT: "test",
  LOCAL_REGION,
  PEER_REGION,
  PAYMENTS_TABLE: TABLES.payments,
  IDEMPOTENCY_TABLE: TABLES.idempotency,
  CONTROL_TABLE: TABLES.control,
  TRANSACTION_BUCKET: BUCKET,
  PROCESSING_QUEUE_URL: QUEUE_URL,
  PROCESSING_DLQ_URL: DLQ_URL,
  METRIC_NAMESPACE: "PaymentsDR",
  REGION_STATE_CACHE_SECONDS: String(CACHE_SECONDS),
  RPO_SECONDS: "60",
  PEER_API_ORIGIN,
};

Object.assign(process.env, PAYMENT_ENV);
