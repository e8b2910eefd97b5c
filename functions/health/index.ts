/**
 * GET /health — the shallow check Route 53 probes (unauthenticated, several times a second from
 * its checkers). 200 only when this region may serve: its local payments replica answers AND its
 * local region-state record is not FENCED/DRAINED (`mayServe`). Region-local dependencies only:
 * it never calls the other region, so a sick peer cannot take this region out with it.
 *
 * The body says which region answered, its state and, in fixed phrases, why. The operator's
 * free-text reason is left to the IAM-authenticated /health/deep.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { ControlReader } from "../../lib/control-reader";
import { mayServe, type RegionRecord } from "../../lib/control-schema";
import { RegionStateCache } from "../../lib/region-state-cache";
import { DOCUMENT_CLIENT_OPTIONS, HEALTH_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import { intEnv } from "../../lib/env";
import { handlerEnv } from "../../lib/handlers";
import { json, type ApiEvent, type ApiResult } from "../domain/http";
import { createObservability, errorName, MetricUnit, withInvocation } from "../../lib/observability";
import { PaymentStore } from "../domain/payment-store";

const env = handlerEnv("health");
const region = env.LOCAL_REGION;
const cacheMs = intEnv("REGION_STATE_CACHE_SECONDS", 5) * 1000;

const obs = createObservability({ service: "health", namespace: env.METRIC_NAMESPACE, environment: env.ENVIRONMENT, region });
const { logger, metrics } = obs;

const dynamo = obs.tracer.captureAWSv3Client(awsClient(DynamoDBClient, region, HEALTH_CALL_TUNING));
const doc = DynamoDBDocumentClient.from(dynamo, DOCUMENT_CLIENT_OPTIONS);
const payments = new PaymentStore(doc, env.PAYMENTS_TABLE);
const regionState = new RegionStateCache(new ControlReader(doc, env.CONTROL_TABLE, () => Date.now()), region, cacheMs, () => Date.now());

export interface HealthBody {
  status: "healthy" | "unhealthy";
  region: string;
  /** The local record's state, or UNKNOWN when it is missing or unreadable. */
  state: RegionRecord["state"] | "UNKNOWN";
  epoch?: number;
  reasons: string[];
}

export async function handler(_event: ApiEvent, context?: Context): Promise<ApiResult> {
  return withInvocation(obs, context, async () => {
    const [table, record] = await Promise.allSettled([payments.probe(), regionState.get()]);
    const reasons: string[] = [];
    if (table.status === "rejected") reasons.push(`the local payments table did not answer (${errorName(table.reason)})`);
    if (record.status === "rejected") {
      reasons.push(`the local region-state record could not be read (${errorName(record.reason)})`);
    } else if (!record.value) {
      reasons.push(`there is no region-state record for ${region}`);
    } else if (!mayServe(record.value)) {
      reasons.push(`${region} is ${record.value.state}`);
    }
    const current = record.status === "fulfilled" ? record.value : undefined;
    const body: HealthBody = {
      status: reasons.length === 0 ? "healthy" : "unhealthy",
      region,
      state: current?.state ?? "UNKNOWN",
      ...(current ? { epoch: current.epoch } : {}),
      reasons,
    };
    if (reasons.length > 0) {
      metrics.addMetric("HealthCheckFailed", MetricUnit.Count, 1);
      logger.warn("unhealthy", { state: body.state, reasons });
    }
    return json(reasons.length === 0 ? 200 : 503, body);
  });
}
