/**
 * DynamoDB global tables, simulated: one replica per region per table, item operations with the
 * conditions and updates the handlers send (expressions.ts), and every applied change (local, or
 * arriving by replication) reported to listeners — the region's stream and the rehearsal's checks.
 *
 * Each stored item remembers when and where it was written: replication (replication.ts) applies
 * incoming versions last-writer-wins on that timestamp, as global tables do. Conditional writes
 * are atomic within a replica only; nothing here coordinates regions.
 */
import type { TableDefinition } from "../deployment/types";
import { cloneItem, type Item } from "./attribute-values";
import { applyUpdate, evaluateCondition } from "./expressions";

export interface Version {
  /** undefined = deleted (a tombstone, kept for last-writer-wins). */
  item: Item | undefined;
  writtenAt: number;
  origin: string;
}

export interface Change {
  region: string;
  table: string;
  key: string;
  old: Item | undefined;
  new: Item | undefined;
  at: number;
  /** The version written (for replication). */
  version: Version;
  /** true when written through this region's endpoint; false when it arrived by replication. */
  local: boolean;
}

export interface Condition {
  expression?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export type WriteOutcome = { ok: true; old: Item | undefined; new: Item | undefined } | { ok: false; old: Item | undefined };

export class UnknownTableError extends Error {
  constructor(region: string, table: string) {
    super(`Requested resource not found: Table: ${table} not found in ${region}`);
    this.name = "ResourceNotFoundException";
  }
}

export class DynamoDbService {
  private readonly replicas = new Map<string, Map<string, Map<string, Version>>>();
  private readonly definitions = new Map<string, TableDefinition>();
  private readonly listeners: ((change: Change) => void)[] = [];
  /** Replica status per region and table, as DescribeTable reports it (scenarios may degrade it). */
  readonly replicaStatus = new Map<string, string>();
  /** A scenario fault may drop writes (returns false to drop; the caller still sees success). */
  writeFilter: (region: string, table: string, item: Item | undefined) => boolean = () => true;

  constructor(
    tables: TableDefinition[],
    private readonly now: () => number,
  ) {
    for (const t of tables) {
      this.definitions.set(t.name, t);
      for (const region of t.regions) {
        if (!this.replicas.has(region)) this.replicas.set(region, new Map());
        this.replicas.get(region)?.set(t.name, new Map());
        this.replicaStatus.set(`${region}/${t.name}`, "ACTIVE");
      }
    }
  }

  onChange(listener: (change: Change) => void): void {
    this.listeners.push(listener);
  }

  definition(table: string): TableDefinition {
    const d = this.definitions.get(table);
    if (!d) throw new UnknownTableError("any region", table);
    return d;
  }

  private replica(region: string, table: string): Map<string, Version> {
    const r = this.replicas.get(region)?.get(table);
    if (!r) throw new UnknownTableError(region, table);
    return r;
  }

  /** The key of an item (or of a Key) as stored: the hash key's value. */
  keyOf(table: string, keyOrItem: Item): string {
    const hashKey = this.definition(table).hashKey;
    const value = keyOrItem[hashKey];
    if (value === undefined) throw new Error(`The key for ${table} lacks its hash key ${hashKey}: ${JSON.stringify(keyOrItem)}`);
    return JSON.stringify(value);
  }

  get(region: string, table: string, key: Item): Item | undefined {
    return cloneItem(this.replica(region, table).get(this.keyOf(table, key))?.item);
  }

  /** Every live item of a replica (for checks and reports). */
  items(region: string, table: string): Item[] {
    return [...this.replica(region, table).values()].filter((v) => v.item !== undefined).map((v) => cloneItem(v.item) as Item);
  }

  version(region: string, table: string, key: string): Version | undefined {
    return this.replica(region, table).get(key);
  }

  put(region: string, table: string, item: Item, condition: Condition = {}): WriteOutcome {
    const replica = this.replica(region, table);
    const key = this.keyOf(table, item);
    const old = replica.get(key)?.item;
    if (condition.expression && !evaluateCondition(condition.expression, old, condition.names, condition.values))
      return { ok: false, old: cloneItem(old) };
    return this.write(region, table, key, old, cloneItem(item));
  }

  update(region: string, table: string, keyItem: Item, update: string, condition: Condition = {}): WriteOutcome {
    const replica = this.replica(region, table);
    const key = this.keyOf(table, keyItem);
    const old = replica.get(key)?.item;
    if (condition.expression && !evaluateCondition(condition.expression, old, condition.names, condition.values))
      return { ok: false, old: cloneItem(old) };
    const next = applyUpdate(update, old ?? { ...keyItem }, condition.names, condition.values);
    return this.write(region, table, key, old, next);
  }

  delete(region: string, table: string, keyItem: Item, condition: Condition = {}): WriteOutcome {
    const replica = this.replica(region, table);
    const key = this.keyOf(table, keyItem);
    const old = replica.get(key)?.item;
    if (condition.expression && !evaluateCondition(condition.expression, old, condition.names, condition.values))
      return { ok: false, old: cloneItem(old) };
    return this.write(region, table, key, old, undefined);
  }

  private write(region: string, table: string, key: string, old: Item | undefined, next: Item | undefined): WriteOutcome {
    if (!this.writeFilter(region, table, next ?? old)) return { ok: true, old: cloneItem(old), new: cloneItem(next) };
    const version: Version = { item: next, writtenAt: this.now(), origin: region };
    this.replica(region, table).set(key, version);
    this.emit({ region, table, key, old, new: next, at: version.writtenAt, version, local: true });
    return { ok: true, old: cloneItem(old), new: cloneItem(next) };
  }

  /**
   * Applies a version that replication delivers, last-writer-wins on the write time (ties broken
   * by region name, deterministically). Returns whether it won.
   */
  applyReplicated(region: string, table: string, key: string, incoming: Version): boolean {
    const replica = this.replica(region, table);
    const current = replica.get(key);
    if (
      current &&
      (current.writtenAt > incoming.writtenAt || (current.writtenAt === incoming.writtenAt && current.origin >= incoming.origin))
    ) {
      return false;
    }
    replica.set(key, incoming);
    if (JSON.stringify(current?.item) !== JSON.stringify(incoming.item)) {
      this.emit({ region, table, key, old: current?.item, new: incoming.item, at: this.now(), version: incoming, local: false });
    }
    return true;
  }

  /** Seeds an item in every replica of its table (or the listed ones), as if written and replicated before the scenario. */
  seed(table: string, item: Item, writtenAt: number, origin: string, regions: readonly string[] = this.definition(table).regions): void {
    const key = this.keyOf(table, item);
    for (const region of regions) this.replica(region, table).set(key, { item: cloneItem(item), writtenAt, origin });
  }

  describe(region: string, table: string): { status: string; replicas: { region: string; status: string }[] } {
    const d = this.definition(table);
    this.replica(region, table);
    return {
      status: this.replicaStatus.get(`${region}/${table}`) ?? "ACTIVE",
      // DescribeTable in a region lists the other replicas of the global table.
      replicas: d.regions
        .filter((r) => r !== region)
        .map((r) => ({ region: r, status: this.replicaStatus.get(`${r}/${table}`) ?? "ACTIVE" })),
    };
  }

  private emit(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }
}
