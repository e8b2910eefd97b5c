/**
 * DynamoDB JSON ⇄ native values, for the simulated tables (which store native values, as the
 * document client sees them). Supports the types the handlers and Powertools write: S, N, BOOL,
 * NULL, M, L, SS, NS. Anything else throws: the rehearsal must not guess.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type Item = Record<string, unknown>;

export function toAttribute(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  if (value instanceof Set) {
    const values = [...value];
    if (values.every((v) => typeof v === "string")) return { SS: values as string[] };
    if (values.every((v) => typeof v === "number")) return { NS: values.map(String) };
  }
  if (typeof value === "object" && value !== null && !(value instanceof Set)) return { M: toAttributeMap(value as Item) };
  throw new Error(`The rehearsal's DynamoDB cannot store ${typeof value} values`);
}

export function fromAttribute(attribute: AttributeValue): unknown {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.NULL !== undefined) return null;
  if (attribute.L !== undefined) return attribute.L.map(fromAttribute);
  if (attribute.M !== undefined) return fromAttributeMap(attribute.M);
  if (attribute.SS !== undefined) return new Set(attribute.SS);
  if (attribute.NS !== undefined) return new Set(attribute.NS.map(Number));
  throw new Error(`The rehearsal's DynamoDB does not support the attribute ${JSON.stringify(attribute)}`);
}

export function toAttributeMap(item: Item): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toAttribute(v)]));
}

export function fromAttributeMap(item: Record<string, AttributeValue>): Item {
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, fromAttribute(v)]));
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
