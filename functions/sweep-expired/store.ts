/**
 * The sweeper's DynamoDB calls: the table's approximate size, a page of a parallel Scan, and the
 * conditional delete. Eventually consistent Scan pages are enough: whether an item is still dead
 * is decided by the delete's condition, against the latest version, not by what the Scan saw.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html (Segment,
 * TotalSegments, Limit, ExclusiveStartKey/LastEvaluatedKey; a page stops at 1 MB)
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteItem.html (ConditionExpression)
 */
import { ConditionalCheckFailedException, DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { SweepTarget } from "./expiry";
import type { DeleteOutcome, SweepIo } from "./sweep";

/**
 * The error an MRSC write gets "when it attempts to modify an item that is already being modified
 * in another Region"; it "can be retried and will succeed if the item is no longer being modified".
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html
 */
export const REPLICATED_WRITE_CONFLICT = "ReplicatedWriteConflictException";

/** DescribeTable's ItemCount ("updated approximately every six hours"); undefined when not reported. */
export async function approximateItemCount(client: DynamoDBClient, tableName: string): Promise<number | undefined> {
  const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return out.Table?.ItemCount;
}

export function dynamoSweepIo(doc: DynamoDBDocumentClient, target: SweepTarget): SweepIo {
  return {
    async scan({ segment, totalSegments, limit, startKey }) {
      const out = await doc.send(
        new ScanCommand({
          TableName: target.tableName,
          Segment: segment,
          TotalSegments: totalSegments,
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      return { items: out.Items ?? [], ...(out.LastEvaluatedKey ? { lastKey: out.LastEvaluatedKey } : {}) };
    },
    async deleteIfExpired(key: string, cutoff: number): Promise<DeleteOutcome> {
      try {
        await doc.send(
          new DeleteCommand({
            TableName: target.tableName,
            Key: { [target.hashKey]: key },
            // A missing attribute (or item) fails the comparison: nothing renewed or absent is deleted.
            ConditionExpression: "#expiry < :cutoff",
            ExpressionAttributeNames: { "#expiry": target.expiryAttribute },
            ExpressionAttributeValues: { ":cutoff": cutoff },
          }),
        );
        return "deleted";
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException || (error as Error).name === "ConditionalCheckFailedException") return "kept";
        if ((error as Error).name === REPLICATED_WRITE_CONFLICT) return "conflict";
        throw error;
      }
    },
  };
}
