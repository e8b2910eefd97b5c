/**
 * The floor plus what every handler carries for observability: Powertools Logger, Metrics and
 * Tracer (which loads the AWS X-Ray SDK), built by lib/observability.ts, and the DynamoDB client
 * captured by the Tracer as handlers capture theirs. bench/components.ts says why it exists.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { API_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import { createObservability, MetricUnit } from "../../lib/observability";

const region = process.env.AWS_REGION ?? "us-east-1";
const obs = createObservability({ service: "bench", namespace: "Bench", environment: "bench", region });
const dynamo = obs.tracer.captureAWSv3Client(awsClient(DynamoDBClient, region, API_CALL_TUNING));

export async function handler(event: { paymentId?: string }): Promise<{ statusCode: number }> {
  const { Item } = await dynamo.send(
    new GetItemCommand({ TableName: process.env.PAYMENTS_TABLE, Key: { paymentId: { S: event.paymentId ?? "health#probe" } } }),
  );
  obs.metrics.addMetric("Read", MetricUnit.Count, 1);
  obs.logger.info("read", { found: Item !== undefined });
  return { statusCode: Item ? 200 : 404 };
}
