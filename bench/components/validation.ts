/**
 * The floor plus the zod schemas the payment handlers parse with: the control table's items
 * (lib/control-schema.ts, every schema in it is built at load) and the payment's
 * (functions/domain/payments.ts). bench/components.ts says why it exists.
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { API_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import { authoritySchema } from "../../lib/control-schema";
import { paymentSchema } from "../../functions/domain/payments";
import { parseWith } from "../../lib/validation";

const dynamo = awsClient(DynamoDBClient, process.env.AWS_REGION ?? "us-east-1", API_CALL_TUNING);

export async function handler(event: { paymentId?: string }): Promise<{ statusCode: number }> {
  const { Item } = await dynamo.send(
    new GetItemCommand({ TableName: process.env.PAYMENTS_TABLE, Key: { paymentId: { S: event.paymentId ?? "health#probe" } } }),
  );
  const parsed = event.paymentId ? parseWith(paymentSchema, Item) : parseWith(authoritySchema, Item);
  return { statusCode: parsed.ok ? 200 : 404 };
}
