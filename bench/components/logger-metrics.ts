/**
 * The floor plus Powertools Logger and Metrics, made with the options lib/observability.ts gives
 * them, without Tracer: with bench/components/tracer.ts it splits the "+observability" row into
 * its two costs. (It builds them here because lib/observability.ts also builds a Tracer, and
 * importing it loads the X-Ray SDK.) bench/components.ts says why the fixtures exist.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { API_CALL_TUNING, awsClient } from "../../lib/aws-clients";

const region = process.env.AWS_REGION ?? "us-east-1";
const logger = new Logger({ serviceName: "bench", persistentKeys: { environment: "bench", region } });
const metrics = new Metrics({ namespace: "Bench", serviceName: "bench", defaultDimensions: { Environment: "bench", Region: region } });
const dynamo = awsClient(DynamoDBClient, region, API_CALL_TUNING);

export async function handler(event: { paymentId?: string }): Promise<{ statusCode: number }> {
  const { Item } = await dynamo.send(
    new GetItemCommand({ TableName: process.env.PAYMENTS_TABLE, Key: { paymentId: { S: event.paymentId ?? "health#probe" } } }),
  );
  metrics.addMetric("Read", MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  logger.info("read", { found: Item !== undefined });
  return { statusCode: Item ? 200 : 404 };
}
