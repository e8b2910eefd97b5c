/**
 * The floor plus Powertools Tracer alone (it loads the AWS X-Ray SDK), made as lib/observability.ts
 * makes it, with the DynamoDB client captured as the handlers capture theirs: what tracing costs a
 * cold load, apart from logging and metrics (bench/components/logger-metrics.ts).
 * bench/components.ts says why the fixtures exist.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { API_CALL_TUNING, awsClient } from "../../lib/aws-clients";

const tracer = new Tracer({ serviceName: "bench", captureHTTPsRequests: false });
const dynamo = tracer.captureAWSv3Client(awsClient(DynamoDBClient, process.env.AWS_REGION ?? "us-east-1", API_CALL_TUNING));

export async function handler(event: { paymentId?: string }): Promise<{ statusCode: number }> {
  const { Item } = await dynamo.send(
    new GetItemCommand({ TableName: process.env.PAYMENTS_TABLE, Key: { paymentId: { S: event.paymentId ?? "health#probe" } } }),
  );
  return { statusCode: Item ? 200 : 404 };
}
