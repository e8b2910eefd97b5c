/**
 * The floor plus a second client: S3, sending the PutObject record-transactions sends for the
 * transaction log (there it is the only client). bench/components.ts says why it exists.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { API_CALL_TUNING, awsClient } from "../../lib/aws-clients";

const region = process.env.AWS_REGION ?? "us-east-1";
const dynamo = awsClient(DynamoDBClient, region, API_CALL_TUNING);
const s3 = awsClient(S3Client, region, API_CALL_TUNING);

export async function handler(event: { paymentId?: string }): Promise<{ statusCode: number }> {
  const { Item } = await dynamo.send(
    new GetItemCommand({ TableName: process.env.PAYMENTS_TABLE, Key: { paymentId: { S: event.paymentId ?? "health#probe" } } }),
  );
  await s3.send(new PutObjectCommand({ Bucket: process.env.TRANSACTION_BUCKET, Key: "bench", Body: JSON.stringify(Item ?? {}) }));
  return { statusCode: Item ? 200 : 404 };
}
