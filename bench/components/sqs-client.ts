/**
 * The floor plus a second client: SQS, sending the GetQueueAttributes deep-health sends.
 * bench/components.ts says why it exists.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { API_CALL_TUNING, awsClient } from "../../lib/aws-clients";

const region = process.env.AWS_REGION ?? "us-east-1";
const dynamo = awsClient(DynamoDBClient, region, API_CALL_TUNING);
const sqs = awsClient(SQSClient, region, API_CALL_TUNING);

export async function handler(event: { paymentId?: string }): Promise<{ statusCode: number }> {
  const { Item } = await dynamo.send(
    new GetItemCommand({ TableName: process.env.PAYMENTS_TABLE, Key: { paymentId: { S: event.paymentId ?? "health#probe" } } }),
  );
  const queue = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: process.env.PROCESSING_QUEUE_URL, AttributeNames: ["ApproximateNumberOfMessages"] }),
  );
  return { statusCode: Item && queue.Attributes ? 200 : 404 };
}
