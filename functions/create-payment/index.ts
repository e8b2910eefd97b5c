/**
 * POST /payments — accept a payment in the ACTIVE region, exactly once per Idempotency-Key.
 *
 * Order matters, and each step is the cheapest one that can refuse the request:
 * 1. Validate the Idempotency-Key header and the body (400/413). Nothing is read or written yet.
 * 2. Write guard: the authority (read strongly, cached at most 5 s) must name this region the
 *    writer. Another writer named: 307 to it (same method and body; Retry-After 0). No writer, or
 *    the authority unreadable: 503 with a machine-readable reason and Retry-After. Nothing is
 *    written, not even an idempotency record. Eventual mode adds the partition guard
 *    (../domain/partition-guard.ts): a writer whose peer is unreachable while Route 53 names the
 *    peer refuses the same way (307 to the peer).
 * 3. Powertools idempotency (record in the replicated idempotency table, keyed by the header,
 *    validated against the body): a replay returns the stored response; the same key with another
 *    body is 422; a duplicate still running is 409.
 * 4. Inside it: conditional put of the payment (PENDING, version 1, originRegion), sent only before
 *    the guard's deadline (the admitting authority read's lifetime plus 500 ms) and aborted at it:
 *    503 `WRITE_DEADLINE_PASSED`, Retry-After 1. That bound is what limits how long a demoted region
 *    may still commit a payment after a transition (DEMOTED_WRITE_BOUND_MS), and what lets eventual
 *    mode's planned move know when this region's last payment write left (docs/architecture.md). The payment id
 *    is derived from the key, so when an earlier attempt died after the put (its idempotency record
 *    deleted, expired or never completed), the retry finds its own item, checks it holds the same
 *    request, and answers with it instead of failing or creating a second payment.
 *
 * The 202 needs nothing else: the payment item (replicated by the global table) is the durable
 * record, and the idempotency record makes a retry return the same answer. The transaction log is
 * not written here: the payment's INSERT reaches the payments stream, and record-transactions
 * writes its PENDING entry from it (docs/architecture.md, "Payment path"). So this function
 * bundles no S3 client and makes one call fewer before it answers.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { Context } from "aws-lambda";
import { ControlReader } from "../../lib/control-reader";
import { RegionStateCache } from "../../lib/region-state-cache";
import { API_CALL_TUNING, DOCUMENT_CLIENT_OPTIONS, awsClient } from "../../lib/aws-clients";
import { intEnv } from "../../lib/env";
import { handlerEnv } from "../../lib/handlers";
import { errorResponse, json, readHeader, readJsonBody, type ApiEvent, type ApiResult } from "../domain/http";
import { createObservability, errorName, fingerprint, MetricResolution, MetricUnit, withInvocation } from "../../lib/observability";
import { PaymentStore, PaymentWriteDeadlineError } from "../domain/payment-store";
import {
  createPaymentRequestSchema,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENCY_KEY_RULE,
  newPendingPayment,
  paymentIdFor,
  type CreatePaymentRequest,
  type PaymentStatus,
} from "../domain/payments";
import { formatProblems, parseWith } from "../../lib/validation";
import { checkWriteGuard, deadlineToSend, retryAfterSeconds } from "../domain/write-guard";
import { PartitionGuard } from "../domain/partition-guard";

const env = handlerEnv("create-payment");
const region = env.LOCAL_REGION;
const cacheMs = intEnv("REGION_STATE_CACHE_SECONDS", 5) * 1000;

/** How long a completed request can be replayed from the idempotency table. After that the payment item itself still answers a same-key retry (see createPayment). */
export const IDEMPOTENCY_EXPIRY_SECONDS = 24 * 60 * 60;
/** Used for the in-progress lock when no Lambda context is available (the offline rehearsal); equals the function timeout. */
const FALLBACK_REMAINING_MS = 10_000;

const obs = createObservability({
  service: "create-payment",
  namespace: env.METRIC_NAMESPACE,
  environment: env.ENVIRONMENT,
  region,
});
const { logger, metrics } = obs;

const dynamo = obs.tracer.captureAWSv3Client(awsClient(DynamoDBClient, region, API_CALL_TUNING));
const doc = DynamoDBDocumentClient.from(dynamo, DOCUMENT_CLIENT_OPTIONS);

// `() => Date.now()` rather than `Date.now`: read the clock at call time, so a virtual clock
// installed after this module loaded (tests, the rehearsal) is honoured.
const regionState = new RegionStateCache(new ControlReader(doc, env.CONTROL_TABLE, () => Date.now()), region, cacheMs, () => Date.now());
const payments = new PaymentStore(doc, env.PAYMENTS_TABLE);
/**
 * Eventual mode only (strong mode's data layer already fences a region cut off from its peer and
 * the witness), and only in the primary: Route 53 answers the secondary only when the primary's
 * guard is unhealthy, so a witness naming the secondary is evidence that the primary was fenced or
 * is failing, whereas a witness naming the primary is merely the default — a secondary just
 * promoted by a failover sees it until DNS moves, and must not refuse on it.
 */
const partitionGuard =
  env.DATA_CONSISTENCY === "eventual" && region === env.PRIMARY_REGION
    ? new PartitionGuard(
        new ControlReader(doc, env.CONTROL_TABLE, () => Date.now()),
        { region, peer: env.PEER_REGION, probeIntervalMs: 60_000 / Math.max(1, intEnv("PROBES_PER_MINUTE", 1)) },
        cacheMs,
        () => Date.now(),
      )
    : undefined;

/** What Powertools hashes: the key names the record, the request is the payload it validates. */
interface IdempotentInput {
  idempotencyKey: string;
  request: CreatePaymentRequest;
  /**
   * The write guard's deadline for this request's payment write (epoch ms): the admitting authority
   * read's lifetime plus a grace (RegionStateCache.admission). Neither hashed nor validated.
   */
  writeDeadline?: number;
}

/** The stored (and replayed) result; also the 202 body. */
export interface CreatePaymentResult {
  paymentId: string;
  status: PaymentStatus;
  region: string;
}

/** The key was used before for a different request (seen on the payment item itself). */
export class IdempotencyKeyReusedError extends Error {
  constructor(readonly paymentId: string) {
    super(`Payment ${paymentId} exists for this Idempotency-Key with a different request`);
    this.name = "IdempotencyKeyReusedError";
  }
}

async function createPayment(input: IdempotentInput, _context: Context): Promise<CreatePaymentResult> {
  const paymentId = paymentIdFor(input.idempotencyKey);
  const candidate = newPendingPayment({
    paymentId,
    request: input.request,
    region,
    at: new Date(Date.now()).toISOString(),
  });
  const sendBy = input.writeDeadline === undefined ? undefined : await deadlineToSend(regionState, region, input.writeDeadline, Date.now());
  if (input.writeDeadline !== undefined && sendBy === undefined)
    throw new PaymentWriteDeadlineError(paymentId, false, "a fresh authority read no longer makes this region the writer; not sent");
  const { created, payment } = await payments.putPending(candidate, { sendBy });
  if (!created && payment.requestHash !== candidate.requestHash) throw new IdempotencyKeyReusedError(paymentId);
  if (created) metrics.addMetric("PaymentCreated", MetricUnit.Count, 1);
  else logger.info("completed an earlier attempt's payment", { paymentId, status: payment.status });
  // A payment found from an earlier attempt reports where it was accepted and its current state.
  return { paymentId, status: payment.status, region: payment.originRegion };
}

const persistenceStore = new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE, awsSdkV3Client: dynamo });
const createPaymentOnce = makeIdempotent(createPayment, {
  persistenceStore,
  // A fixed prefix, not the default (the function name): the physical name differs per region,
  // and a client retrying against the other region during a failover must find the same record.
  keyPrefix: "create-payment",
  config: new IdempotencyConfig({
    eventKeyJmesPath: "idempotencyKey",
    payloadValidationJmesPath: "request",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
    hashFunction: "sha256",
  }),
});

const IDEMPOTENCY_HEADER = "Idempotency-Key";

function badRequest(error: string, problems?: { field: string; message: string }[]): ApiResult {
  metrics.addMetric("PaymentRejected", MetricUnit.Count, 1);
  return errorResponse(400, { error, reason: "INVALID_REQUEST", ...(problems ? { problems } : {}) });
}

export async function handler(event: ApiEvent, context?: Context): Promise<ApiResult> {
  return withInvocation(obs, context, async () => {
    // 1. Validate everything before any side effect.
    const header = readHeader(event, IDEMPOTENCY_HEADER);
    if (!header.present) {
      return badRequest(`The ${IDEMPOTENCY_HEADER} header is required: ${IDEMPOTENCY_KEY_RULE}`, [
        { field: IDEMPOTENCY_HEADER, message: "is required" },
      ]);
    }
    if ("conflicting" in header) {
      return badRequest(`The ${IDEMPOTENCY_HEADER} header must be sent once`, [
        { field: IDEMPOTENCY_HEADER, message: "was sent more than once with different values" },
      ]);
    }
    if (!IDEMPOTENCY_KEY_PATTERN.test(header.value)) {
      return badRequest(`The ${IDEMPOTENCY_HEADER} header is malformed: it must be ${IDEMPOTENCY_KEY_RULE}`, [
        { field: IDEMPOTENCY_HEADER, message: `must be ${IDEMPOTENCY_KEY_RULE}` },
      ]);
    }
    const idempotencyKey = header.value;
    logger.appendKeys({ idempotencyKeyFingerprint: fingerprint(idempotencyKey) });

    const body = readJsonBody(event);
    if (!body.ok) {
      metrics.addMetric("PaymentRejected", MetricUnit.Count, 1);
      return errorResponse(body.statusCode, { error: body.message, reason: "INVALID_REQUEST" });
    }
    const parsed = parseWith(createPaymentRequestSchema, body.value);
    if (!parsed.ok) return badRequest(`Request body is invalid: ${formatProblems(parsed.problems)}`, parsed.problems);

    // 2. Write guard (fail closed), then in eventual mode the partition guard.
    const authorityGuard = await checkWriteGuard(regionState, region);
    const guard = authorityGuard.allowed && partitionGuard ? await partitionGuard.check() : authorityGuard;
    if ("readError" in guard && guard.readError) logger.warn("the canary's probe record could not be read", { errorName: guard.readError });
    if (!guard.allowed) {
      metrics.addMetric("WriteRefused", MetricUnit.Count, 1);
      logger.warn("payment refused by the write guard", { reason: guard.reason, detail: guard.detail, writer: guard.writer });
      // The authority names the writer: send the client there now (307 keeps the method, the body and
      // the Idempotency-Key), instead of making it wait for DNS to move. A planned handover then costs
      // a client one redirect, not the minute DNS takes. Only ever to the peer's region-pinned API.
      if (guard.writer !== undefined && guard.writer !== region) {
        metrics.addMetric("WriteRedirected", MetricUnit.Count, 1);
        return errorResponse(
          307,
          {
            error:
              guard.reason === "PEER_PROMOTED"
                ? `${region} cannot reach ${guard.writer} and Route 53 names ${guard.writer}. Send the same request there with the same ${IDEMPOTENCY_HEADER}`
                : `${region} is not the writer; ${guard.writer} is. Send the same request there with the same ${IDEMPOTENCY_HEADER}`,
            reason: guard.reason,
            region,
          },
          { location: `${env.PEER_API_ORIGIN}/payments`, "retry-after": "0" },
        );
      }
      const retryAfter = "retryAfterSeconds" in guard ? guard.retryAfterSeconds : retryAfterSeconds(guard);
      return errorResponse(
        503,
        {
          error: `${region} is not accepting payments right now; retry in ${retryAfter} s with the same ${IDEMPOTENCY_HEADER}`,
          reason: guard.reason,
          region,
        },
        { "retry-after": String(retryAfter) },
      );
    }

    // 3 + 4. Idempotent create.
    try {
      const result = await createPaymentOnce(
        // In both modes the write must leave before its admitting read's lifetime plus a grace: that is
        // what bounds how long a demoted region may still commit a payment (DEMOTED_WRITE_BOUND_MS),
        // and in eventual mode what a planned move's settle outlasts (docs/architecture.md).
        { idempotencyKey, request: parsed.value, writeDeadline: authorityGuard.writeDeadline },
        lambdaContext(context),
      );
      // High resolution (1 s storage), as PaymentFailed: the outcome metrics of the payment path feed
      // 10-second alarm periods (infra/core/alarm-catalog.ts, payment-failures).
      metrics.addMetric("PaymentAccepted", MetricUnit.Count, 1, MetricResolution.High);
      logger.info("payment accepted", { paymentId: result.paymentId, status: result.status });
      return json(202, result);
    } catch (error) {
      return failureResponse(error, context);
    }
  });
}

function failureResponse(error: unknown, context: Context | undefined): ApiResult {
  switch (errorName(error)) {
    case "IdempotencyValidationError":
    case "IdempotencyKeyReusedError":
      metrics.addMetric("IdempotencyKeyReused", MetricUnit.Count, 1);
      logger.warn("idempotency key reused with a different request");
      return errorResponse(422, {
        error: `This ${IDEMPOTENCY_HEADER} was already used with a different request body; use a new key for a new payment`,
        reason: "IDEMPOTENCY_KEY_REUSED",
      });
    case "PaymentWriteDeadlineError":
      // The write was not sent, or not answered, while the authority read that admitted it was still
      // fresh (plus a grace): nothing is acknowledged, Powertools removed the in-progress record, and
      // the next attempt is judged on a fresh read. Usually a planned move's fence, seen a moment late.
      metrics.addMetric("WriteRefused", MetricUnit.Count, 1);
      logger.warn("payment write not sent or aborted at the write guard's deadline", { errorName: errorName(error) });
      return errorResponse(
        503,
        {
          error: `The payment was not recorded in time; retry in 1 s with the same ${IDEMPOTENCY_HEADER}`,
          reason: "WRITE_DEADLINE_PASSED",
        },
        { "retry-after": "1" },
      );
    case "IdempotencyAlreadyInProgressError":
    case "IdempotencyInconsistentStateError":
      logger.info("duplicate request while the first is in progress");
      return errorResponse(
        409,
        {
          error: `A request with this ${IDEMPOTENCY_HEADER} is still in progress; retry shortly with the same key`,
          reason: "IDEMPOTENCY_IN_PROGRESS",
        },
        { "retry-after": "1" },
      );
    default:
      // High resolution: the payment-failures alarm reads it in 10-second periods. A standard-resolution
      // metric would give such an alarm one datapoint a minute and leave it INSUFFICIENT_DATA between
      // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html, Period).
      metrics.addMetric("PaymentFailed", MetricUnit.Count, 1, MetricResolution.High);
      logger.error("payment could not be recorded", { errorName: errorName(error) });
      return errorResponse(500, {
        error: `The payment could not be recorded; retry with the same ${IDEMPOTENCY_HEADER}`,
        reason: "INTERNAL_ERROR",
        ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
      });
  }
}

/**
 * Powertools sets the in-progress lock's expiry from the remaining invocation time; without it
 * a crashed attempt would block its key until the record expires (24 h). The rehearsal may call
 * the handler without a Lambda context, so fall back to the function timeout.
 */
function lambdaContext(context: Context | undefined): Context {
  if (context && typeof context.getRemainingTimeInMillis === "function") return context;
  const deadline = Date.now() + FALLBACK_REMAINING_MS;
  return { ...(context ?? {}), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as Context;
}
