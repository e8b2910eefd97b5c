/**
 * The floor plus Powertools idempotency over the DynamoDB client (its persistence layer and
 * JMESPath), as create-payment uses it. bench/components.ts says why it exists.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { API_CALL_TUNING, awsClient } from "../../lib/aws-clients";

const dynamo = awsClient(DynamoDBClient, process.env.AWS_REGION ?? "us-east-1", API_CALL_TUNING);
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: process.env.IDEMPOTENCY_TABLE ?? "bench", awsSdkV3Client: dynamo });

const read = makeIdempotent(
  async (paymentId: string) => {
    const { Item } = await dynamo.send(new GetItemCommand({ TableName: process.env.PAYMENTS_TABLE, Key: { paymentId: { S: paymentId } } }));
    return { statusCode: Item ? 200 : 404 };
  },
  { persistenceStore, config: new IdempotencyConfig({ expiresAfterSeconds: 3600 }) },
);

export async function handler(event: { paymentId?: string }): Promise<{ statusCode: number }> {
  return read(event.paymentId ?? "health#probe");
}
