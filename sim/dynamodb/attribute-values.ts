/**
 * DynamoDB JSON ⇄ native values, for the simulated tables (which store native values, as the
 * document client sees them), with the SDK's own converter (@aws-sdk/util-dynamodb, what the
 * document client uses); and a cheap deep copy of stored items.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";

export type Item = Record<string, unknown>;

/** An item in DynamoDB JSON, as a DynamoDBClient (not the document client) sends it. */
export function toAttributeMap(item: Item): Record<string, AttributeValue> {
  return marshall(item, { removeUndefinedValues: true });
}

/** DynamoDB JSON back to the native values the simulated tables hold (sets stay sets). */
export function fromAttributeMap(item: Record<string, AttributeValue>): Item {
  return unmarshall(item);
}

function cloneValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(cloneValue);
  if (value instanceof Set) return new Set(value);
  const out: Record<string, unknown> = {};
  for (const k in value as Record<string, unknown>) out[k] = cloneValue((value as Record<string, unknown>)[k]);
  return out;
}

/** A deep copy of an item's values (strings, numbers, booleans, null, lists, maps, sets): the hot path, cheaper than structuredClone. */
export function cloneItem<T extends Item | undefined>(item: T): T {
  return cloneValue(item) as T;
}
