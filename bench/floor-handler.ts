/**
 * The floor `npm run bench` compares every handler against: the least a payment handler can be —
 * one DynamoDB client, built by the same factory with the same timeouts, sending one GetItem —
 * bundled by the same build function as the real handlers (scripts/build-lambdas.ts). Nothing
 * deploys it.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { API_CALL_TUNING, awsClient } from "../lib/aws-clients";

const dynamo = awsClient(DynamoDBClient, process.env.AWS_REGION ?? "us-east-1", API_CALL_TUNING);

export async function handler(event: { paymentId?: string }): Promise<{ statusCode: number }> {
  const { Item } = await dynamo.send(
    new GetItemCommand({ TableName: process.env.PAYMENTS_TABLE, Key: { paymentId: { S: event.paymentId ?? "health#probe" } } }),
  );
  return { statusCode: Item ? 200 : 404 };
}
