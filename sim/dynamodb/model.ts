/**
 * DynamoDB global tables, simulated: one replica per region per table, item operations with the
 * conditions and updates the handlers send (expressions.ts), and every applied change (local, or
 * arriving by replication) reported to listeners — the region's stream and the rehearsal's checks.
 * Each table has the consistency mode its replicas were created with
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html):
 *
 * MREC (multi-Region eventual): a write is applied to the local replica and acknowledged;
 * replication (replication.ts) delivers it to the other replicas later, per table, applied
 * last-writer-wins on the write time. Conditional writes see the local replica only; nothing
 * coordinates regions. ConsistentRead is strongly consistent within the local replica only.
 *
 * MRSC (multi-Region strong): a write is acknowledged only once it is durable in a second region —
 * the other replica or the witness — so the writing region must reach one of them (a quorum of
 * two out of replica, replica, witness). Conditional writes are evaluated against the latest
 * version in any region; a strongly consistent read returns that latest version (and needs the
 * quorum too); an eventually consistent read returns the local replica, which may lag. A write to
 * an item another region is writing at that moment fails with ReplicatedWriteConflictException.
 * What a region that reaches neither the other replica nor the witness gets back for a write or
 * a strong read: AWS does not document the error; the simulation returns InternalServerError
 * (5xx, retried by the SDK, then surfaced) — the harsher reading, costing the caller its retries.
 * Each MRSC write or strong read costs one extra round trip to the nearest quorum member.
 * Scan (scan.ts) reads the same way: the local replica, or with ConsistentRead on MRSC the latest
 * committed versions behind the same quorum.
 *
 * Point-in-time recovery (restore.ts) keeps every change of a PITR-enabled replica, restores a
 * replica as it was at a time into a new single-Region table, and adds that table here once it is
 * ACTIVE (until then item operations on it answer ResourceNotFoundException).
 */
import type { TableDefinition } from "../deployment/types";
import type { Reachability } from "../network";
import { ServiceError } from "../small-services";
import { cloneItem, type Item } from "./attribute-values";
import { applyUpdate, evaluateCondition } from "./expressions";
import { PointInTimeRecovery } from "./restore";
import { type ScanPage, type ScanRequest, scanPage, validateScan } from "./scan";
import { type TransactAction, TransactionLedger } from "./transactions";

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

/** How long an MRSC write holds its item against writes from other regions: its quorum round trip. */
const CONFLICT_WINDOW_MS = 30;

export class DynamoDbService {
  private readonly replicas = new Map<string, Map<string, Map<string, Version>>>();
  private readonly definitions = new Map<string, TableDefinition>();
  private readonly listeners: ((change: Change) => void)[] = [];
  /** MRSC: the latest committed version of each item, per table (what the quorum holds). */
  private readonly committed = new Map<string, Map<string, Version>>();
  /**
   * MRSC: per `region/table`, the keys whose committed version that replica may not hold yet, each
   * with its position in `committed` (catchUp visits only these, in that order, instead of every
   * committed item on every strongly consistent read and write).
   */
  private readonly behind = new Map<string, Map<string, number>>();
  /** MRSC: each committed key's position in its table's `committed` map (insertion order). */
  private readonly committedOrder = new Map<string, Map<string, number>>();
  /** MRSC: items being written, by `table|key`, with the writing region and until when. */
  private readonly inFlight = new Map<string, { region: string; until: number }>();
  /** Replica status per region and table, as DescribeTable reports it (scenarios may degrade it). */
  readonly replicaStatus = new Map<string, string>();
  /** Point-in-time recovery: DescribeContinuousBackups, RestoreTableToPointInTime and its tables (restore.ts). */
  readonly pitr: PointInTimeRecovery;
  /** TransactWriteItems' idempotency tokens (transactions.ts). */
  private readonly transactions: TransactionLedger;

  constructor(
    tables: TableDefinition[],
    private readonly now: () => number,
    private readonly network?: Reachability,
  ) {
    for (const t of tables) {
      this.definitions.set(t.name, t);
      if (t.consistency === "STRONG") {
        this.committed.set(t.name, new Map());
        this.committedOrder.set(t.name, new Map());
      }
      for (const region of t.regions) {
        if (!this.replicas.has(region)) this.replicas.set(region, new Map());
        this.replicas.get(region)?.set(t.name, new Map());
        this.replicaStatus.set(`${region}/${t.name}`, "ACTIVE");
      }
    }
    // An MRSC replica that can reach its quorum again catches up with what was committed meanwhile.
    network?.onChange(() => this.catchUpAll());
    this.pitr = new PointInTimeRecovery(
      {
        definitionOf: (table) => this.definitions.get(table),
        liveItems: (region, table) =>
          new Map([...this.replica(region, table)].flatMap(([k, v]) => (v.item === undefined ? [] : [[k, cloneItem(v.item) as Item]]))),
        addTable: (definition, items, at) => {
          const region = definition.regions[0];
          this.definitions.set(definition.name, definition);
          this.replicas
            .get(region)
            ?.set(definition.name, new Map([...items].map(([k, item]) => [k, { item, writtenAt: at, origin: region }])));
          this.replicaStatus.set(`${region}/${definition.name}`, "ACTIVE");
        },
        removeTable: (table) => {
          for (const region of this.definitions.get(table)?.regions ?? []) {
            this.replicas.get(region)?.delete(table);
            this.replicaStatus.delete(`${region}/${table}`);
          }
          this.definitions.delete(table);
        },
      },
      now,
      now(),
    );
    this.onChange((change) => this.pitr.record(change));
    this.transactions = new TransactionLedger(now);
  }

  onChange(listener: (change: Change) => void): void {
    this.listeners.push(listener);
  }

  definition(table: string): TableDefinition {
    this.pitr.settle();
    const d = this.definitions.get(table);
    if (!d) throw new UnknownTableError("any region", table);
    return d;
  }

  tables(): TableDefinition[] {
    return [...this.definitions.values()];
  }

  isStrong(table: string): boolean {
    return this.definitions.get(table)?.consistency === "STRONG";
  }

  private replica(region: string, table: string): Map<string, Version> {
    this.pitr.settle();
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

  // --- MRSC quorum ------------------------------------------------------------------------------

  /** The other members of an MRSC table's quorum, seen from `region`: the other replica(s) and the witness. */
  private quorumPeers(region: string, table: string): string[] {
    const d = this.definition(table);
    return [...d.regions.filter((r) => r !== region), ...(d.witness ? [d.witness] : [])];
  }

  /** Whether `region` can complete an MRSC write or strong read on `table` now. */
  hasQuorum(region: string, table: string): boolean {
    if (!this.network) return true;
    return this.network.isUp(region) && this.quorumPeers(region, table).some((p) => this.network?.linkUp(region, p));
  }

  /** The extra one-way latency an MRSC write or strong read pays: the round trip to the nearest reachable quorum member. */
  quorumLatencyMs(region: string, table: string): number {
    if (!this.network || !this.isStrong(table)) return 0;
    const reachable = this.quorumPeers(region, table).filter((p) => this.network?.linkUp(region, p));
    if (reachable.length === 0) return 0;
    return 2 * Math.min(...reachable.map((p) => this.network?.latencyMs(region, p) ?? 0));
  }

  private requireQuorum(region: string, table: string, what: string): void {
    if (this.hasQuorum(region, table)) return;
    throw new ServiceError(
      "InternalServerError",
      `${what} on the multi-Region strongly consistent table ${table} failed in ${region}: neither another replica nor the witness can be reached (simulated; AWS does not document this error)`,
      500,
    );
  }

  // --- reads -------------------------------------------------------------------------------------

  /**
   * GetItem. MREC: the local replica (ConsistentRead is strong within it only). MRSC with
   * ConsistentRead: the latest committed version, which needs the quorum; without: the local replica.
   */
  get(region: string, table: string, key: Item, consistentRead = false): Item | undefined {
    const k = this.keyOf(table, key);
    if (this.isStrong(table) && consistentRead) {
      this.requireQuorum(region, table, "A strongly consistent read");
      this.catchUp(region, table);
      return cloneItem(this.committed.get(table)?.get(k)?.item);
    }
    return cloneItem(this.replica(region, table).get(k)?.item);
  }

  /**
   * One page of a Scan (scan.ts: segments, Limit, paging, filter). Eventually consistent (the
   * default): the local replica, which may lag. ConsistentRead on an MRSC table: every item's
   * latest committed version, which needs the quorum as GetItem's does — the global tables guide
   * says "Strongly consistent read operations on any MRSC replica always return the latest
   * version", and "If a second Region isn't available, the local Region can service only
   * eventually consistent reads"; it names no exception for Scan, so Scan is held to the same rule
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html).
   * ConsistentRead on an MREC table: the local replica (strong within it only).
   */
  scan(region: string, table: string, request: ScanRequest = {}): ScanPage {
    let versions = this.replica(region, table);
    validateScan(request);
    if (this.isStrong(table) && request.consistentRead) {
      this.requireQuorum(region, table, "A strongly consistent read");
      this.catchUp(region, table);
      versions = this.committed.get(table) ?? versions;
    }
    const live = function* () {
      for (const [key, v] of versions) if (v.item !== undefined) yield [key, v.item] as [string, Item];
    };
    return scanPage(live(), { hashKey: this.definition(table).hashKey, keyOf: (key) => this.keyOf(table, key) }, request);
  }

  /** Every live item of a replica (for checks and reports). */
  items(region: string, table: string): Item[] {
    return [...this.replica(region, table).values()].filter((v) => v.item !== undefined).map((v) => cloneItem(v.item) as Item);
  }

  version(region: string, table: string, key: string): Version | undefined {
    return this.replica(region, table).get(key);
  }

  // --- writes ------------------------------------------------------------------------------------

  put(region: string, table: string, item: Item, condition: Condition = {}): WriteOutcome {
    const key = this.keyOf(table, item);
    return this.conditionalWrite(region, table, key, condition, () => cloneItem(item));
  }

  update(region: string, table: string, keyItem: Item, update: string, condition: Condition = {}): WriteOutcome {
    const key = this.keyOf(table, keyItem);
    return this.conditionalWrite(region, table, key, condition, (old) =>
      applyUpdate(update, old ?? { ...keyItem }, condition.names, condition.values),
    );
  }

  delete(region: string, table: string, keyItem: Item, condition: Condition = {}): WriteOutcome {
    const key = this.keyOf(table, keyItem);
    return this.conditionalWrite(region, table, key, condition, () => undefined);
  }

  /**
   * TransactWriteItems in `region` (transactions.ts): all conditions against this region's replica,
   * then every write, each an ordinary change of its table (replicated individually, not together).
   * MRSC tables refuse it.
   */
  transactWrite(region: string, actions: TransactAction[], token?: string, request?: unknown): void {
    this.transactions.transactWrite(
      {
        keyOf: (table, keyOrItem) => this.keyOf(table, keyOrItem),
        isStrong: (table) => this.isStrong(table),
        current: (r, table, key) => this.replica(r, table).get(key)?.item,
        evaluate: (condition, item) =>
          condition.expression === undefined || evaluateCondition(condition.expression, item, condition.names, condition.values),
        apply: (r, action) => {
          const key = this.keyOf(action.table, action.kind === "Put" ? action.item : action.key);
          const old = this.replica(r, action.table).get(key)?.item;
          const next =
            action.kind === "Put"
              ? cloneItem(action.item)
              : action.kind === "Update"
                ? applyUpdate(action.update, old ?? { ...action.key }, action.condition.names, action.condition.values)
                : undefined;
          this.write(r, action.table, key, old, next);
        },
      },
      region,
      actions,
      token,
      request,
    );
  }

  private conditionalWrite(
    region: string,
    table: string,
    key: string,
    condition: Condition,
    next: (old: Item | undefined) => Item | undefined,
  ): WriteOutcome {
    const strong = this.isStrong(table);
    if (strong) {
      this.requireQuorum(region, table, "A write");
      const busy = this.inFlight.get(`${table}|${key}`);
      if (busy && busy.region !== region && busy.until > this.now()) {
        throw new ServiceError(
          "ReplicatedWriteConflictException",
          "The request was rejected because one or more items in the request are being modified by a request in another Region.",
          400,
        );
      }
      this.catchUp(region, table);
    }
    // MRSC: the condition sees the latest version in any region; MREC: this replica's.
    const old = strong ? this.committed.get(table)?.get(key)?.item : this.replica(region, table).get(key)?.item;
    if (condition.expression && !evaluateCondition(condition.expression, old, condition.names, condition.values))
      return { ok: false, old: cloneItem(old) };
    const value = next(old);
    const outcome = this.write(region, table, key, old, value);
    if (strong) this.inFlight.set(`${table}|${key}`, { region, until: this.now() + CONFLICT_WINDOW_MS });
    return outcome;
  }

  private write(region: string, table: string, key: string, old: Item | undefined, next: Item | undefined): WriteOutcome {
    const version: Version = { item: next, writtenAt: this.now(), origin: region };
    const local = this.replica(region, table);
    const before = local.get(key)?.item;
    local.set(key, version);
    this.emit({ region, table, key, old: before, new: next, at: version.writtenAt, version, local: true });
    if (this.isStrong(table)) {
      this.commit(table, key, version);
      // Synchronously replicated to every replica it can reach now; the others catch up later.
      for (const peer of this.definition(table).regions) {
        if (peer === region) continue;
        this.markBehind(peer, table, key);
        this.catchUp(peer, table);
      }
    }
    return { ok: true, old: cloneItem(old), new: cloneItem(next) };
  }

  /**
   * MREC replication delivering a version: applied last-writer-wins on the write time (ties broken
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

  /** MRSC: brings `region`'s replica up to what was committed, if it can reach a quorum member that holds it. */
  private catchUp(region: string, table: string): void {
    const committed = this.committed.get(table);
    const behind = this.behind.get(`${region}/${table}`);
    if (!committed || !behind || behind.size === 0 || !this.hasQuorum(region, table)) return;
    const replica = this.replica(region, table);
    // In the committed map's order, as a walk over all of it would meet them.
    const keys = [...behind].sort((a, b) => a[1] - b[1]).map(([key]) => key);
    behind.clear();
    for (const key of keys) {
      const version = committed.get(key);
      const current = replica.get(key);
      if (!version || current === version) continue;
      replica.set(key, version);
      if (JSON.stringify(current?.item) !== JSON.stringify(version.item)) {
        this.emit({ region, table, key, old: current?.item, new: version.item, at: this.now(), version, local: false });
      }
    }
  }

  private commit(table: string, key: string, version: Version): void {
    const order = this.committedOrder.get(table);
    if (order && !order.has(key)) order.set(key, order.size);
    this.committed.get(table)?.set(key, version);
  }

  private markBehind(region: string, table: string, key: string): void {
    const id = `${region}/${table}`;
    let behind = this.behind.get(id);
    if (!behind) {
      behind = new Map();
      this.behind.set(id, behind);
    }
    if (!behind.has(key)) behind.set(key, this.committedOrder.get(table)?.get(key) ?? 0);
  }

  private catchUpAll(): void {
    for (const t of this.definitions.values()) if (t.consistency === "STRONG") for (const r of t.regions) this.catchUp(r, t.name);
  }

  /** MRSC items some replica has not received yet (replication is synchronous only to what is reachable). */
  lagging(table: string): { region: string; keys: number }[] {
    const committed = this.committed.get(table);
    if (!committed) return [];
    return this.definition(table)
      .regions.map((region) => {
        const replica = this.replica(region, table);
        return { region, keys: [...committed].filter(([k, v]) => replica.get(k) !== v).length };
      })
      .filter((x) => x.keys > 0);
  }

  /** Seeds an item in every replica of its table (or the listed ones), as if written and replicated before the scenario. */
  seed(table: string, item: Item, writtenAt: number, origin: string, regions: readonly string[] = this.definition(table).regions): void {
    const key = this.keyOf(table, item);
    const version: Version = { item: cloneItem(item), writtenAt, origin };
    for (const region of regions) this.replica(region, table).set(key, version);
    if (this.isStrong(table)) {
      this.commit(table, key, version);
      for (const region of this.definition(table).regions) if (!regions.includes(region)) this.markBehind(region, table, key);
    }
  }

  describe(
    region: string,
    table: string,
  ): { status: string; replicas: { region: string; status: string }[]; consistency: string; witness?: string } {
    const d = this.definition(table);
    this.replica(region, table);
    return {
      status: this.replicaStatus.get(`${region}/${table}`) ?? "ACTIVE",
      // DescribeTable in a region lists the other replicas of the global table.
      replicas: d.regions
        .filter((r) => r !== region)
        .map((r) => ({ region: r, status: this.replicaStatus.get(`${r}/${table}`) ?? "ACTIVE" })),
      consistency: d.consistency,
      ...(d.witness ? { witness: d.witness } : {}),
    };
  }

  private emit(change: Change): void {
    for (const listener of this.listeners) listener(change);
  }
}
