/**
 * DynamoDB through both clients the code uses: the low-level DynamoDBClient (Powertools
 * idempotency, DescribeTable, and the drill's restore rehearsal: DescribeContinuousBackups,
 * RestoreTableToPointInTime, DeleteTable — restore.ts) and the DynamoDBDocumentClient (control
 * record, payments, the sweeper's Scan). Both reach the same simulated replica of the client's region.
 */
import * as ddb from "@aws-sdk/client-dynamodb";
import * as lib from "@aws-sdk/lib-dynamodb";
import { fromAttributeMap, toAttributeMap, type Item } from "./attribute-values";
import type { WriteOutcome } from "./model";
import type { TransactAction, TransactionCanceledError } from "./transactions";
import { restoreCommands } from "./restore-sdk";
import type { ScanRequest } from "./scan";
import type { ClientInfo, SdkBackend } from "../sdk/backend";
import { installFake, sdkError } from "../sdk/plumbing";
import { ServiceError } from "../small-services";

type Input = Record<string, any>;

function outcome(o: WriteOutcome, input: Input, raw: boolean): { Attributes?: Record<string, unknown> } {
  if (!o.ok) {
    const old = input.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && o.old ? { Item: toAttributeMap(o.old) } : {};
    throw sdkError(
      ddb as unknown as Record<string, unknown>,
      "ConditionalCheckFailedException",
      "The conditional request failed",
      400,
      old,
    );
  }
  const rv = input.ReturnValues ?? "NONE";
  const attributes = rv === "ALL_NEW" ? o.new : rv === "ALL_OLD" ? o.old : undefined;
  if (rv !== "NONE" && rv !== "ALL_NEW" && rv !== "ALL_OLD")
    throw new Error(`The rehearsal's DynamoDB does not support ReturnValues ${rv}`);
  if (!attributes) return {};
  return { Attributes: raw ? toAttributeMap(attributes) : attributes };
}

/** The document client's marshaller drops undefined attributes (removeUndefinedValues); its middleware is bypassed here. */
function stripUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value && typeof value === "object" && !(value instanceof Set)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, stripUndefined(v)]),
    );
  }
  return value;
}

function native(input: Input, raw: boolean): { key?: Item; item?: Item; values?: Record<string, unknown>; startKey?: Item } {
  const conv = (v: Record<string, unknown> | undefined) =>
    v === undefined ? undefined : raw ? fromAttributeMap(v as never) : (stripUndefined(v) as Item);
  return {
    key: conv(input.Key),
    item: conv(input.Item),
    values: conv(input.ExpressionAttributeValues),
    startKey: conv(input.ExclusiveStartKey),
  };
}

function unsupportedFields(input: Input): void {
  for (const field of ["ConditionalOperator", "Expected", "AttributeUpdates", "ProjectionExpression", "AttributesToGet"]) {
    if (input[field] !== undefined) throw new Error(`The rehearsal's DynamoDB does not support ${field}`);
  }
}

/**
 * What Scan takes here: what the sweeper sends (functions/sweep-expired/store.ts: a parallel scan
 * paged with Limit and ExclusiveStartKey), ConsistentRead, and a FilterExpression with its names
 * and values. Anything else (ProjectionExpression, Select, IndexName, ScanFilter, ...) is refused,
 * so code that starts relying on it fails the rehearsal instead of being half-answered.
 */
const SCAN_FIELDS = new Set([
  "TableName",
  "Segment",
  "TotalSegments",
  "Limit",
  "ExclusiveStartKey",
  "ConsistentRead",
  "FilterExpression",
  "ExpressionAttributeNames",
  "ExpressionAttributeValues",
]);

function scanRequest(input: Input, raw: boolean): ScanRequest {
  for (const [field, value] of Object.entries(input)) {
    if (value !== undefined && !SCAN_FIELDS.has(field)) throw new Error(`The rehearsal's DynamoDB does not support ${field} on Scan`);
  }
  if (input.ConsistentRead !== undefined && typeof input.ConsistentRead !== "boolean")
    throw new ServiceError("ValidationException", `ConsistentRead must be true or false, not ${JSON.stringify(input.ConsistentRead)}`, 400);
  // DynamoDB refuses expression names or values when no expression is there to use them.
  if (!input.FilterExpression && (input.ExpressionAttributeNames || input.ExpressionAttributeValues))
    throw new ServiceError(
      "ValidationException",
      "ExpressionAttributeNames and ExpressionAttributeValues can only be specified with an expression",
      400,
    );
  const n = native(input, raw);
  return {
    ...(input.Segment !== undefined ? { segment: input.Segment } : {}),
    ...(input.TotalSegments !== undefined ? { totalSegments: input.TotalSegments } : {}),
    ...(input.Limit !== undefined ? { limit: input.Limit } : {}),
    ...(n.startKey ? { exclusiveStartKey: n.startKey } : {}),
    consistentRead: input.ConsistentRead === true,
    ...(input.FilterExpression
      ? { filter: { expression: input.FilterExpression, names: input.ExpressionAttributeNames, values: n.values } }
      : {}),
  };
}

const TRANSACT_FIELDS = new Set(["TransactItems", "ClientRequestToken", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics"]);
const ACTION_FIELDS = new Set([
  "TableName",
  "Item",
  "Key",
  "UpdateExpression",
  "ConditionExpression",
  "ExpressionAttributeNames",
  "ExpressionAttributeValues",
  "ReturnValuesOnConditionCheckFailure",
]);

/** A TransactWriteItems input in the model's terms; anything the model does not know is refused, not half-answered. */
function transactActions(input: Input, raw: boolean): TransactAction[] {
  for (const [field, value] of Object.entries(input)) {
    if (value !== undefined && !TRANSACT_FIELDS.has(field))
      throw new Error(`The rehearsal's DynamoDB does not support ${field} on TransactWriteItems`);
  }
  const items = Array.isArray(input.TransactItems) ? (input.TransactItems as Input[]) : [];
  return items.map((entry) => {
    const kinds = Object.keys(entry).filter((k) => entry[k] !== undefined);
    if (kinds.length !== 1 || !["Put", "Update", "Delete", "ConditionCheck"].includes(kinds[0]))
      throw new ServiceError(
        "ValidationException",
        `A TransactItem must hold exactly one of Put, Update, Delete or ConditionCheck (got ${kinds.join(", ")})`,
        400,
      );
    const kind = kinds[0] as TransactAction["kind"];
    const a = entry[kind] as Input;
    for (const field of Object.keys(a))
      if (a[field] !== undefined && !ACTION_FIELDS.has(field))
        throw new Error(`The rehearsal's DynamoDB does not support ${field} in a transaction's ${kind}`);
    const n = native(a, raw);
    const condition = { expression: a.ConditionExpression, names: a.ExpressionAttributeNames, values: n.values };
    const returnOld = a.ReturnValuesOnConditionCheckFailure === "ALL_OLD";
    if (kind === "ConditionCheck" && !a.ConditionExpression)
      throw new ServiceError("ValidationException", "A ConditionCheck needs a ConditionExpression", 400);
    if (kind === "Put") return { kind, table: a.TableName, item: n.item ?? {}, condition, returnOld };
    if (kind === "Update") {
      if (!a.UpdateExpression) throw new Error("The rehearsal's DynamoDB needs an UpdateExpression");
      return { kind, table: a.TableName, key: n.key ?? {}, update: a.UpdateExpression, condition, returnOld };
    }
    return { kind, table: a.TableName, key: n.key ?? {}, condition, returnOld };
  });
}

function handlers(backend: () => SdkBackend, raw: boolean) {
  const condition = (input: Input, values?: Record<string, unknown>) => ({
    expression: input.ConditionExpression,
    names: input.ExpressionAttributeNames,
    values,
  });
  return {
    get: (input: Input, info: ClientInfo) => {
      unsupportedFields(input);
      const item = backend().dynamodb.get(info.region, input.TableName, native(input, raw).key ?? {}, input.ConsistentRead === true);
      return item ? { Item: raw ? toAttributeMap(item) : item } : {};
    },
    put: (input: Input, info: ClientInfo) => {
      unsupportedFields(input);
      const n = native(input, raw);
      return outcome(backend().dynamodb.put(info.region, input.TableName, n.item ?? {}, condition(input, n.values)), input, raw);
    },
    update: (input: Input, info: ClientInfo) => {
      unsupportedFields(input);
      if (!input.UpdateExpression) throw new Error("The rehearsal's DynamoDB needs an UpdateExpression");
      const n = native(input, raw);
      return outcome(
        backend().dynamodb.update(info.region, input.TableName, n.key ?? {}, input.UpdateExpression, condition(input, n.values)),
        input,
        raw,
      );
    },
    delete: (input: Input, info: ClientInfo) => {
      unsupportedFields(input);
      const n = native(input, raw);
      return outcome(backend().dynamodb.delete(info.region, input.TableName, n.key ?? {}, condition(input, n.values)), input, raw);
    },
    transactWrite: (input: Input, info: ClientInfo) => {
      const actions = transactActions(input, raw);
      try {
        backend().dynamodb.transactWrite(info.region, actions, input.ClientRequestToken, input.TransactItems);
      } catch (error) {
        // By name, not instanceof: under jest the world's model and this fake may load separate
        // copies of transactions.ts (one module registry per region's handlers).
        const reasons = (error as Partial<TransactionCanceledError>).reasons;
        if ((error as Error).name !== "TransactionCanceledException" || !reasons) throw error;
        // The SDK's exception carries the reasons in the API's own (attribute-value) form.
        throw sdkError(ddb as unknown as Record<string, unknown>, (error as Error).name, (error as Error).message, 400, {
          CancellationReasons: reasons.map((r) => ({ ...r, ...(r.Item ? { Item: toAttributeMap(r.Item) } : {}) })),
        });
      }
      return {};
    },
    scan: (input: Input, info: ClientInfo) => {
      const page = backend().dynamodb.scan(info.region, input.TableName, scanRequest(input, raw));
      const out = (item: Item) => (raw ? toAttributeMap(item) : item);
      return {
        Items: page.items.map(out),
        Count: page.items.length,
        ScannedCount: page.scannedCount,
        ...(page.lastEvaluatedKey ? { LastEvaluatedKey: out(page.lastEvaluatedKey) } : {}),
      };
    },
  };
}

export function installDynamoDbFakes(backend: () => SdkBackend): void {
  const rawOps = handlers(backend, true);
  const restores = restoreCommands(backend);
  installFake(
    {
      service: "dynamodb",
      module: ddb as unknown as Record<string, unknown>,
      client: ddb.DynamoDBClient,
      commands: [
        [ddb.GetItemCommand, rawOps.get],
        [ddb.PutItemCommand, rawOps.put],
        [ddb.UpdateItemCommand, rawOps.update],
        [ddb.DeleteItemCommand, rawOps.delete],
        [ddb.ScanCommand, rawOps.scan],
        [ddb.TransactWriteItemsCommand, rawOps.transactWrite],
        [
          ddb.DescribeTableCommand,
          (input, info) => {
            const restored = backend().dynamodb.pitr.describe(info.region, input.TableName);
            if (restored) return { Table: restores.describeRestored(backend(), info.region, restored) };
            const t = backend().dynamodb.describe(info.region, input.TableName);
            const def = backend().dynamodb.definition(input.TableName);
            return {
              Table: {
                TableName: input.TableName,
                TableStatus: t.status,
                KeySchema: [{ AttributeName: def.hashKey, KeyType: "HASH" }],
                Replicas: t.replicas.map((r) => ({ RegionName: r.region, ReplicaStatus: r.status })),
                MultiRegionConsistency: t.consistency,
                ...(t.witness ? { GlobalTableWitnesses: [{ RegionName: t.witness, WitnessStatus: "ACTIVE" }] } : {}),
              },
            };
          },
        ],
        ...restores.commands,
      ],
    },
    backend,
  );
  const docOps = handlers(backend, false);
  installFake(
    {
      service: "dynamodb",
      module: ddb as unknown as Record<string, unknown>,
      client: lib.DynamoDBDocumentClient,
      commands: [
        [lib.GetCommand, docOps.get],
        [lib.PutCommand, docOps.put],
        [lib.UpdateCommand, docOps.update],
        [lib.DeleteCommand, docOps.delete],
        [lib.ScanCommand, docOps.scan],
        [lib.TransactWriteCommand, docOps.transactWrite],
      ],
    },
    backend,
  );
}
