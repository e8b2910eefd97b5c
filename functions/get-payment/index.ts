/**
 * GET /payments/{id} — the payment as a merchant sees it. Reads work in every region state
 * (a fenced or standby region still answers from its replica), so there is no write guard here.
 * The read is strongly consistent within the local replica: a client that was just answered 202
 * by this region reads its own write.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { API_CALL_TUNING, DOCUMENT_CLIENT_OPTIONS, awsClient } from "../../lib/aws-clients";
import { handlerEnv } from "../../lib/handlers";
import { errorResponse, json, type ApiEvent, type ApiResult } from "../domain/http";
import { createObservability, errorName, MetricUnit, withInvocation } from "../../lib/observability";
import { PaymentStore } from "../domain/payment-store";
import { PAYMENT_ID_PATTERN, publicView } from "../domain/payments";

const env = handlerEnv("get-payment");
const region = env.LOCAL_REGION;

const obs = createObservability({
  service: "get-payment",
  namespace: env.METRIC_NAMESPACE,
  environment: env.ENVIRONMENT,
  region,
});
const { logger, metrics } = obs;

const dynamo = obs.tracer.captureAWSv3Client(awsClient(DynamoDBClient, region, API_CALL_TUNING));
const payments = new PaymentStore(DynamoDBDocumentClient.from(dynamo, DOCUMENT_CLIENT_OPTIONS), env.PAYMENTS_TABLE);

export async function handler(event: ApiEvent, context?: Context): Promise<ApiResult> {
  return withInvocation(obs, context, async () => {
    const paymentId = event.pathParameters?.id;
    if (!paymentId || !PAYMENT_ID_PATTERN.test(paymentId)) {
      return errorResponse(400, {
        error: "The payment id is malformed: it must be pay_ followed by 26 characters from 0-9 and A-Z (no I, L, O, U)",
        reason: "INVALID_PAYMENT_ID",
        problems: [{ field: "id", message: "must match pay_[0-9A-HJKMNP-TV-Z]{26}" }],
      });
    }
    try {
      const payment = await payments.get(paymentId, { consistentRead: true });
      if (!payment) {
        return errorResponse(404, { error: `Payment ${paymentId} was not found`, reason: "PAYMENT_NOT_FOUND" });
      }
      return json(200, publicView(payment));
    } catch (error) {
      metrics.addMetric("PaymentReadFailed", MetricUnit.Count, 1);
      logger.error("payment could not be read", { paymentId, errorName: errorName(error) });
      return errorResponse(500, {
        error: "The payment could not be read; retry",
        reason: "INTERNAL_ERROR",
        ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
      });
    }
  });
}
