/**
 * An in-memory DynamoDB behind aws-sdk-client-mock, shared by the raw client (Powertools
 * idempotency) and the document client (our code). It honours ConditionExpression, SET update
 * expressions, ReturnValues ALL_NEW and ReturnValuesOnConditionCheckFailure ALL_OLD, so
 * idempotency and conditional-write tests exercise real outcomes instead of canned answers.
 *
 * What it cannot prove: that AWS accepts these exact inputs, or anything about replication
 * between regions (one model = one replica).
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { applyUpdate, evaluateCondition } from "./expressions";

type Item = Record<string, unknown>;
export type Operation = "Get" | "Put" | "Update" | "Delete";

export interface OperationRecord {
  table: string;
  op: Operation;
  key: Item;
  region: string;
  outcome: "ok" | "condition-failed" | "fault";
  /** The condition the write was made under, when there was one. */
  condition?: string;
}

interface Fault {
  table?: string;
  op?: Operation;
  error: () => Error;
  remaining: number;
}

interface Request {
  TableName?: string;
  Key?: Item;
  Item?: Item;
  ConditionExpression?: string;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
  ReturnValues?: string;
  ReturnValuesOnConditionCheckFailure?: string;
}

export function conditionFailed(old?: Item, raw = false): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: "The conditional request failed",
    $metadata: {},
    ...(old ? { Item: raw ? toItemAttributes(old) : (old as never) } : {}),
  });
}

export class DynamoDbModel {
  readonly log: OperationRecord[] = [];
  private readonly data = new Map<string, Map<string, Item>>();
  private faults: Fault[] = [];
  readonly raw = mockClient(DynamoDBClient);
  readonly doc = mockClient(DynamoDBDocumentClient);

  /** @param hashKeys table name → its hash key attribute */
  constructor(private readonly hashKeys: Record<string, string>) {
    const rawCommands = { Get: GetItemCommand, Put: PutItemCommand, Update: UpdateItemCommand, Delete: DeleteItemCommand };
    const docCommands = { Get: GetCommand, Put: PutCommand, Update: UpdateCommand, Delete: DeleteCommand };
    for (const op of ["Get", "Put", "Update", "Delete"] as const) {
      this.raw
        .on(rawCommands[op] as never)
        .callsFake(async (input: Request, getClient?: () => DynamoDBClient) => this.execute(op, input, await regionOf(getClient), true));
      this.doc
        .on(docCommands[op] as never)
        .callsFake(async (input: Request, getClient?: () => DynamoDBDocumentClient) =>
          this.execute(op, input, await regionOf(getClient), false),
        );
    }
  }

  reset(): void {
    this.raw.restore();
    this.doc.restore();
  }

  private table(name: string): Map<string, Item> {
    if (!(name in this.hashKeys)) throw new Error(`test model has no table ${name}`);
    let table = this.data.get(name);
    if (!table) this.data.set(name, (table = new Map()));
    return table;
  }

  private keyOf(tableName: string, key: Item): string {
    const attribute = this.hashKeys[tableName];
    const value = key[attribute];
    if (value === undefined) throw new Error(`key for ${tableName} lacks ${attribute}: ${JSON.stringify(key)}`);
    return JSON.stringify(value);
  }

  /** Seeds or overwrites an item directly (not logged). */
  put(tableName: string, item: Item): void {
    this.table(tableName).set(this.keyOf(tableName, item), structuredClone(item));
  }

  get(tableName: string, keyValue: unknown): Item | undefined {
    const item = this.table(tableName).get(JSON.stringify(keyValue));
    return item && structuredClone(item);
  }

  remove(tableName: string, keyValue: unknown): void {
    this.table(tableName).delete(JSON.stringify(keyValue));
  }

  /** The next `times` matching operations fail with `error` (after being logged as faults). */
  fail(match: { table?: string; op?: Operation }, error: () => Error, times = 1): void {
    this.faults.push({ ...match, error, remaining: times });
  }

  /** Operations of a kind on a table, in order. */
  calls(table: string, op?: Operation): OperationRecord[] {
    return this.log.filter((r) => r.table === table && (op === undefined || r.op === op));
  }

  private async execute(op: Operation, request: Request, region: string, raw: boolean): Promise<unknown> {
    const tableName = request.TableName ?? "";
    const table = this.table(tableName);
    const input: Request = raw
      ? {
          ...request,
          Key: request.Key && fromItemAttributes(request.Key as never),
          Item: request.Item && fromItemAttributes(request.Item as never),
          ExpressionAttributeValues: request.ExpressionAttributeValues && fromItemAttributes(request.ExpressionAttributeValues as never),
        }
      : request;
    const keyItem = (op === "Put" ? input.Item : input.Key) ?? {};
    const key = this.keyOf(tableName, keyItem);
    const record: OperationRecord = {
      table: tableName,
      op,
      key: { [this.hashKeys[tableName]]: keyItem[this.hashKeys[tableName]] },
      region,
      outcome: "ok",
      ...(input.ConditionExpression ? { condition: input.ConditionExpression } : {}),
    };
    this.log.push(record);

    const fault = this.faults.find((f) => f.remaining > 0 && (!f.table || f.table === tableName) && (!f.op || f.op === op));
    if (fault) {
      fault.remaining -= 1;
      record.outcome = "fault";
      throw fault.error();
    }

    const existing = table.get(key);
    if (op === "Get") {
      const item = existing && structuredClone(existing);
      return { Item: item && (raw ? toItemAttributes(item) : item), $metadata: {} };
    }
    if (
      input.ConditionExpression &&
      !evaluateCondition(input.ConditionExpression, existing, input.ExpressionAttributeNames, input.ExpressionAttributeValues)
    ) {
      record.outcome = "condition-failed";
      throw conditionFailed(input.ReturnValuesOnConditionCheckFailure === "ALL_OLD" ? existing : undefined, raw);
    }
    if (op === "Put") {
      table.set(key, structuredClone(input.Item ?? {}));
      return { $metadata: {} };
    }
    if (op === "Delete") {
      table.delete(key);
      return { $metadata: {} };
    }
    const updated = applyUpdate(
      input.UpdateExpression ?? "",
      existing ?? { ...input.Key },
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    table.set(key, updated);
    const attributes = input.ReturnValues === "ALL_NEW" ? structuredClone(updated) : undefined;
    return { Attributes: attributes && (raw ? toItemAttributes(attributes) : attributes), $metadata: {} };
  }
}

async function regionOf(getClient?: () => { config: { region: unknown } }): Promise<string> {
  const region = getClient?.().config.region;
  if (typeof region === "function") return String(await region());
  return String(region ?? "unknown");
}

/** DynamoDB JSON ⇄ native values with the SDK's own converter (what the document client uses). */
function toItemAttributes(item: Record<string, unknown>) {
  return marshall(item, { removeUndefinedValues: true });
}
function fromItemAttributes(item: Record<string, never>): Record<string, unknown> {
  return unmarshall(item);
}
