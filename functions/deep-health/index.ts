/**
 * GET /health/deep — for operators and the failback runbook (IAM-authenticated). Reports, each
 * as its own check: the local payments replica, this region's state in the authority (read fresh
 * and strongly consistent, not from a cache), processing-queue and DLQ depth, and the age of this region's
 * and the peer's heartbeat as seen in the local replica. 200 unless a check failed (503).
 * Like /health it only talks to this region.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { ControlReader } from "../../lib/control-reader";
import { API_CALL_TUNING, DOCUMENT_CLIENT_OPTIONS, awsClient } from "../../lib/aws-clients";
import { intEnv } from "../../lib/env";
import { handlerEnv } from "../../lib/handlers";
import { json, type ApiEvent, type ApiResult } from "../domain/http";
import { createObservability, withInvocation } from "../../lib/observability";
import { PaymentStore } from "../domain/payment-store";
import { evaluateDeepHealth, type Observed, type QueueDepth } from "./checks";

const env = handlerEnv("deep-health");
const region = env.LOCAL_REGION;
/** The RPO objective; a peer heartbeat older than this is reported. */
const rpoSeconds = intEnv("RPO_SECONDS", 60);

const obs = createObservability({ service: "deep-health", namespace: env.METRIC_NAMESPACE, environment: env.ENVIRONMENT, region });
const { logger } = obs;

const dynamo = obs.tracer.captureAWSv3Client(awsClient(DynamoDBClient, region, API_CALL_TUNING));
const doc = DynamoDBDocumentClient.from(dynamo, DOCUMENT_CLIENT_OPTIONS);
const sqs = obs.tracer.captureAWSv3Client(awsClient(SQSClient, region, API_CALL_TUNING));
const payments = new PaymentStore(doc, env.PAYMENTS_TABLE);
const control = new ControlReader(doc, env.CONTROL_TABLE, () => Date.now());

async function observe<T>(work: Promise<T>): Promise<Observed<T>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    return { ok: false, error };
  }
}

async function queueDepth(queueUrl: string): Promise<QueueDepth> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

export async function handler(_event: ApiEvent, context?: Context): Promise<ApiResult> {
  return withInvocation(obs, context, async () => {
    const strong = { consistentRead: true };
    const [paymentsTable, regionRecord, processingQueue, deadLetterQueue, localHeartbeat, peerHeartbeat] = await Promise.all([
      observe(payments.probe()),
      observe(control.getRegion(region, strong)),
      observe(queueDepth(env.PROCESSING_QUEUE_URL)),
      observe(queueDepth(env.PROCESSING_DLQ_URL)),
      observe(control.getHeartbeat(region, strong)),
      observe(control.getHeartbeat(env.PEER_REGION, strong)),
    ]);
    const report = evaluateDeepHealth({
      region,
      peerRegion: env.PEER_REGION,
      now: Date.now(),
      rpoSeconds,
      paymentsTable,
      regionRecord,
      processingQueue,
      deadLetterQueue,
      localHeartbeat,
      peerHeartbeat,
    });
    if (report.status !== "ok") {
      const notOk = Object.entries(report.checks).filter(([, c]) => c.status !== "ok");
      logger.warn("deep health not ok", { status: report.status, checks: Object.fromEntries(notOk.map(([k, c]) => [k, c.detail])) });
    }
    return json(report.status === "failed" ? 503 : 200, report);
  });
}
