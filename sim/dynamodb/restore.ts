/**
 * DynamoDB point-in-time recovery, simulated: DescribeContinuousBackups, RestoreTableToPointInTime
 * into a new single-Region table that stays CREATING for a modelled time, and DeleteTable of such a
 * table. What is modelled, each from AWS's documentation:
 *
 * - Point-in-time semantics: "DynamoDB restores your table data to the state based on the selected
 *   date and time (day:hour:minute:second) to a new table"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_RestoreTableToPointInTime.html).
 *   Every change a PITR-enabled replica applies (local writes and replicated ones, model.ts's change
 *   feed) is kept with its old value, and a restore to T is the replica now with every change after
 *   T undone: the copy holds the items as of T, never a later write. A global table's replica
 *   restores on its own: "the backup restores to an independent table that is not part of the
 *   global table"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/pointintimerecovery_beforeyoubegin.html),
 *   so the copy is what that region's replica held at T (an MREC replica that had not yet received a
 *   write does not restore it).
 * - The restorable window: from when PITR was enabled to LatestRestorableDateTime, which "is
 *   typically 5 minutes before the current time"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PointInTimeRecoveryDescription.html).
 *   Here the window opens when the simulated world starts (history is kept from then; harsher than
 *   AWS, where it opens at deployment) and ends exactly {@link LATEST_RESTORABLE_LAG_MS} before now.
 *   A time outside it: InvalidRestoreTimeException. PITR off on that replica (the deployment's
 *   `pointInTimeRecovery` regions, or {@link PointInTimeRecovery.update} as UpdateContinuousBackups
 *   does it): PointInTimeRecoveryUnavailableException. "If you disable point-in-time recovery and
 *   later enable it on a table, you reset the start time for which you can recover that table"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/pointintimerecovery_restores.html):
 *   re-enabling opens a new window then.
 * - What the new table is: a single-Region table with the source's key schema; "Stream settings,
 *   Time to Live (TTL) settings, Point in time recovery settings", tags and the rest are not copied
 *   (API_RestoreTableToPointInTime): no stream, no PITR of its own, no deletion protection.
 * - How long it takes: "The restore can take several hours to complete. Restore time varies based
 *   on multiple factors and doesn't always correlate with table size"
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-pitr-recovery-table-restore.html).
 *   AWS gives no figure for a small table. Modelled: CREATING for {@link RESTORE_BASE_MS} (ten
 *   minutes) plus one more minute per {@link ITEMS_PER_EXTRA_MINUTE} items — the harsher reading of
 *   "minutes" for the tables a rehearsal holds; hours are left to the runbook's wait bound.
 * - A table that is not ACTIVE answers item operations with ResourceNotFoundException: "The
 *   operation tried to access a nonexistent table or index. The resource might not be specified
 *   correctly, or its status might not be ACTIVE" (API Common Errors / ResourceNotFoundException).
 *   Here it is simply absent from the item model (model.ts) until it turns ACTIVE.
 * - DeleteTable: "If a table is in CREATING or UPDATING states, then DynamoDB returns a
 *   ResourceInUseException ... If table is already in the DELETING state, no error is returned";
 *   a deleted table is DELETING for a while (not documented how long: {@link DELETING_MS} here),
 *   then gone (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteTable.html).
 *   AWS "might continue to accept data read and write operations ... on a table in the DELETING
 *   state": here it accepts none (the harsher reading). A deployed table is never deleted here.
 * - "Any number of users can execute up to 50 concurrent restores (any type of restore) in a given
 *   account" (API_RestoreTableToPointInTime): the 51st gets LimitExceededException.
 *
 * Not modelled: overrides (billing mode, indexes, throughput, encryption), which the rehearsal's
 * callers do not send and are refused; KMS (the new table keeps the source's key, and DynamoDB's use
 * of it is not authorized here); the IAM of the target table's writes (the SDK fake authorizes the
 * request as sim/iam/requests.ts maps it).
 */
import type { TableDefinition } from "../deployment/types";
import { ServiceError } from "../small-services";
import { cloneItem, type Item } from "./attribute-values";

/** LatestRestorableDateTime "is typically 5 minutes before the current time". */
export const LATEST_RESTORABLE_LAG_MS = 5 * 60_000;
/** A restore's modelled time in CREATING, before the size-dependent part (see the header). */
export const RESTORE_BASE_MS = 10 * 60_000;
export const ITEMS_PER_EXTRA_MINUTE = 100_000;
/** How long a deleted table answers DescribeTable with DELETING (AWS gives no figure). */
export const DELETING_MS = 60_000;
/** "up to 50 concurrent restores (any type of restore) in a given account". */
export const MAX_CONCURRENT_RESTORES = 50;

/** What this model needs of the item model (model.ts implements it; no import back, no cycle). */
export interface RestorableTables {
  definitionOf(table: string): TableDefinition | undefined;
  /** The replica's live items, by stored key. */
  liveItems(region: string, table: string): Map<string, Item>;
  /** Makes a single-Region table with these items answer item operations (it is ACTIVE). */
  addTable(definition: TableDefinition, items: Map<string, Item>, at: number): void;
  removeTable(table: string): void;
}

/** One applied change, as model.ts reports it (only what an undo needs). */
export interface AppliedChange {
  region: string;
  table: string;
  key: string;
  old: Item | undefined;
  at: number;
}

interface RestoredTable {
  name: string;
  region: string;
  source: string;
  restoreTime: number;
  requestedAt: number;
  readyAt: number;
  status: "CREATING" | "ACTIVE" | "DELETING";
  deletedAt?: number;
  definition: TableDefinition;
  items: Map<string, Item>;
}

export interface TableStatusView {
  name: string;
  status: string;
  keySchema: string;
  itemCount: number;
  createdAt: number;
  restore: { source: string; restoreTime: number; inProgress: boolean };
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const fail = (name: string, message: string, status = 400) => new ServiceError(name, message, status);

export class PointInTimeRecovery {
  /** Undo log per `region|table`, oldest first. */
  private readonly history = new Map<string, AppliedChange[]>();
  private readonly restored = new Map<string, RestoredTable>();
  /** PITR switched per `region|table` after deployment (UpdateContinuousBackups): enabled since, or off. */
  private readonly switched = new Map<string, number | null>();

  constructor(
    private readonly tables: RestorableTables,
    private readonly now: () => number,
    /** When PITR's window opens (the world's start). */
    private readonly enabledAt: number,
  ) {}

  private pitrOn(region: string, table: string): boolean {
    const switched = this.switched.get(`${region}|${table}`);
    if (switched !== undefined) return switched !== null;
    return this.tables.definitionOf(table)?.pointInTimeRecovery?.includes(region) === true;
  }

  /** UpdateContinuousBackups of one replica: off forgets its history; on opens a new window now. */
  update(region: string, table: string, enabled: boolean): void {
    const id = `${region}|${table}`;
    this.switched.set(id, enabled ? this.now() : null);
    this.history.delete(id);
  }

  /** Keeps what a restore needs to undo this change (PITR-enabled replicas only). */
  record(change: AppliedChange): void {
    if (!this.pitrOn(change.region, change.table)) return;
    const id = `${change.region}|${change.table}`;
    let log = this.history.get(id);
    if (!log) {
      log = [];
      this.history.set(id, log);
    }
    log.push({ region: change.region, table: change.table, key: change.key, old: change.old, at: change.at });
  }

  /** The replica as it was at `time`: the items now, with every later change undone. */
  itemsAt(region: string, table: string, time: number): Map<string, Item> {
    const items = this.tables.liveItems(region, table);
    const log = this.history.get(`${region}|${table}`) ?? [];
    for (let i = log.length - 1; i >= 0 && log[i].at > time; i--) {
      const { key, old } = log[i];
      if (old === undefined) items.delete(key);
      else items.set(key, cloneItem(old) as Item);
    }
    return items;
  }

  /** DescribeContinuousBackups: PITR's status and window for the table's replica in `region`. */
  continuousBackups(region: string, table: string): { enabled: boolean; earliest?: number; latest?: number } {
    const d = this.tables.definitionOf(table) ?? this.active(table)?.definition;
    if (!d?.regions.includes(region)) throw fail("TableNotFoundException", `Table not found: ${table} does not exist in ${region}`);
    if (!this.pitrOn(region, table)) return { enabled: false };
    const now = this.now();
    const since = this.switched.get(`${region}|${table}`) ?? this.enabledAt;
    return { enabled: true, earliest: since, latest: Math.max(since, now - LATEST_RESTORABLE_LAG_MS) };
  }

  /** RestoreTableToPointInTime, as the SDK fake hands it over (native input). */
  restore(region: string, input: { source: string; target: string; restoreTime?: number; useLatest?: boolean }): TableStatusView {
    this.settle();
    const { source, target } = input;
    if (!TABLE_NAME.test(target)) throw fail("ValidationException", `TargetTableName ${JSON.stringify(target)} is not a valid table name`);
    if (this.tables.definitionOf(target) || this.restored.has(target))
      throw fail("TableAlreadyExistsException", `Table already exists: ${target}`);
    const pitr = this.continuousBackups(region, source);
    if (!pitr.enabled || pitr.earliest === undefined || pitr.latest === undefined)
      throw fail("PointInTimeRecoveryUnavailableException", `Point in time recovery is not enabled for table '${source}' in ${region}`);
    if (input.useLatest === true && input.restoreTime !== undefined)
      throw fail("ValidationException", "RestoreDateTime cannot be given with UseLatestRestorableTime");
    const time = input.useLatest === true ? pitr.latest : input.restoreTime;
    if (time === undefined) throw fail("ValidationException", "Either RestoreDateTime or UseLatestRestorableTime must be given");
    if (time < pitr.earliest || time > pitr.latest) {
      throw fail(
        "InvalidRestoreTimeException",
        `Restore time ${new Date(time).toISOString()} is outside the restorable window ${new Date(pitr.earliest).toISOString()} to ${new Date(pitr.latest).toISOString()}`,
      );
    }
    const inProgress = [...this.restored.values()].filter((r) => r.status === "CREATING").length;
    if (inProgress >= MAX_CONCURRENT_RESTORES)
      throw fail("LimitExceededException", `Up to ${MAX_CONCURRENT_RESTORES} concurrent restores are allowed in an account`);
    const sourceDefinition = this.tables.definitionOf(source) as TableDefinition;
    const items = this.itemsAt(region, source, time);
    const now = this.now();
    const r: RestoredTable = {
      name: target,
      region,
      source,
      restoreTime: time,
      requestedAt: now,
      readyAt: now + RESTORE_BASE_MS + Math.floor(items.size / ITEMS_PER_EXTRA_MINUTE) * 60_000,
      status: "CREATING",
      // A single-Region table with the source's key; no stream, no PITR (not copied by a restore).
      definition: { name: target, hashKey: sourceDefinition.hashKey, regions: [region], streamEnabled: false, consistency: "EVENTUAL" },
      items,
    };
    this.restored.set(target, r);
    return this.view(r);
  }

  /** A restored table's DescribeTable view (undefined: not a restored table, or gone). */
  describe(region: string, table: string): TableStatusView | undefined {
    this.settle();
    const r = this.restored.get(table);
    return r && r.region === region ? this.view(r) : undefined;
  }

  /** DeleteTable of a restored table (a deployed table is not deleted here). */
  delete(region: string, table: string): TableStatusView {
    this.settle();
    const r = this.restored.get(table);
    if (!r || r.region !== region) {
      if (this.tables.definitionOf(table)?.regions.includes(region))
        throw new Error(`The rehearsal does not simulate deleting the deployed table ${table}`);
      throw fail("ResourceNotFoundException", `Requested resource not found: Table: ${table} not found`);
    }
    if (r.status === "DELETING") return this.view(r);
    if (r.status !== "ACTIVE")
      throw fail("ResourceInUseException", `Attempt to change a resource which is still in use: Table ${table} is ${r.status}`);
    r.status = "DELETING";
    r.deletedAt = this.now();
    this.tables.removeTable(table);
    return this.view(r);
  }

  /** Restores still CREATING, for the rehearsal's reports and the tests. */
  inProgress(): string[] {
    this.settle();
    return [...this.restored.values()].filter((r) => r.status === "CREATING").map((r) => r.name);
  }

  /** Restored tables that exist (CREATING, ACTIVE or DELETING). */
  existing(): { name: string; region: string; status: string }[] {
    this.settle();
    return [...this.restored.values()].map((r) => ({ name: r.name, region: r.region, status: r.status }));
  }

  /** Moves restores whose time has come to ACTIVE, and forgets tables deleted long enough ago. Lazy: called on every look. */
  settle(): void {
    if (this.restored.size === 0) return;
    const now = this.now();
    for (const r of this.restored.values()) {
      if (r.status === "CREATING" && now >= r.readyAt) {
        r.status = "ACTIVE";
        this.tables.addTable(r.definition, r.items, r.readyAt);
      } else if (r.status === "DELETING" && now >= (r.deletedAt ?? now) + DELETING_MS) this.restored.delete(r.name);
    }
  }

  private active(table: string): RestoredTable | undefined {
    const r = this.restored.get(table);
    return r?.status === "ACTIVE" ? r : undefined;
  }

  private view(r: RestoredTable): TableStatusView {
    return {
      name: r.name,
      status: r.status,
      keySchema: r.definition.hashKey,
      itemCount: r.status === "ACTIVE" ? this.tables.liveItems(r.region, r.name).size : 0,
      createdAt: r.requestedAt,
      restore: { source: r.source, restoreTime: r.restoreTime, inProgress: r.status === "CREATING" },
    };
  }
}
