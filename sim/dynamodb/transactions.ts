/**
 * TransactWriteItems, simulated as AWS documents it
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html):
 *
 * - up to 100 actions (Put, Update, Delete, ConditionCheck), each on a distinct item, in tables of
 *   the caller's one region; "no two actions can target the same item" — refused before anything is
 *   evaluated (ValidationException, the error the service answers; the exception's own page also
 *   lists it among the reasons to cancel: either way nothing is written);
 * - all or nothing: every condition is evaluated first, in the region where the call is made; if
 *   any fails, nothing is written and the call fails with TransactionCanceledException carrying one
 *   CancellationReason per action, in order (`ConditionalCheckFailed` for the failing ones, `None`
 *   for the others; the old item when ReturnValuesOnConditionCheckFailure is ALL_OLD);
 * - idempotent with a ClientRequestToken: the same token with the same request within 10 minutes
 *   succeeds again without writing again; with a different request it fails with
 *   IdempotentParameterMismatchException;
 * - global tables (MREC): a transaction is atomic and isolated in the Region where it is invoked, not
 *   across Regions; its changes replicate to the other Regions once committed there (the guide's
 *   "Using transactional APIs with global tables", transaction-apis.html), and the items of one
 *   transaction are replicated individually, not together
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-global-table-design.html):
 *   each write here is an ordinary change of its own table, delivered by that table's replication;
 * - isolation: serializable between a transaction and standard writes (PutItem, UpdateItem,
 *   DeleteItem) and GetItem on the same items (transaction-apis.html, "Isolation levels"): this world
 *   applies one call at a time, which is that;
 * - MRSC tables do not support transactions (the global tables guide's MRSC considerations). AWS
 *   does not document the error; the simulation answers ValidationException — a client error the
 *   SDK does not retry, the harsher reading: code that tried a transaction there fails at once.
 *
 * Not modelled: conflicts with concurrent transactions or writes on the same items
 * (TransactionConflict; this world applies one call at a time), the 4 MB aggregate size, capacity.
 */
import { ServiceError } from "../small-services";
import { cloneItem, type Item } from "./attribute-values";

/** A condition as the model takes it (model.ts's Condition; restated here so the model can import this module). */
export interface Condition {
  expression?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export const MAX_TRANSACT_ITEMS = 100;
/** How long a ClientRequestToken makes a TransactWriteItems call idempotent. */
export const CLIENT_REQUEST_TOKEN_MS = 10 * 60_000;

/** One action of a transaction, in the simulation's native item form. */
export type TransactAction =
  | { kind: "Put"; table: string; item: Item; condition: Condition; returnOld: boolean }
  | { kind: "Update"; table: string; key: Item; update: string; condition: Condition; returnOld: boolean }
  | { kind: "Delete"; table: string; key: Item; condition: Condition; returnOld: boolean }
  | { kind: "ConditionCheck"; table: string; key: Item; condition: Condition; returnOld: boolean };

export interface CancellationReason {
  Code: "ConditionalCheckFailed" | "None";
  Message?: string;
  Item?: Item;
}

/** TransactionCanceledException, with its reasons (the SDK exposes them as `CancellationReasons`). */
export class TransactionCanceledError extends ServiceError {
  constructor(readonly reasons: CancellationReason[]) {
    super(
      "TransactionCanceledException",
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
      400,
    );
  }
}

/** What the transaction needs from the table model: the key of an item, whether a table is MRSC, its current item, and writing. */
export interface TransactTarget {
  keyOf(table: string, keyOrItem: Item): string;
  isStrong(table: string): boolean;
  current(region: string, table: string, key: string): Item | undefined;
  evaluate(condition: Condition, item: Item | undefined): boolean;
  /** Applies one action's write (unconditionally: its condition already held). */
  apply(region: string, action: Exclude<TransactAction, { kind: "ConditionCheck" }>): void;
}

export class TransactionLedger {
  private readonly tokens = new Map<string, { request: string; at: number }>();

  constructor(private readonly now: () => number) {}

  /**
   * Runs one TransactWriteItems in `region`. `request` is the call's input as sent, compared as a
   * whole for the idempotency token.
   */
  transactWrite(target: TransactTarget, region: string, actions: TransactAction[], token?: string, request?: unknown): void {
    if (actions.length === 0 || actions.length > MAX_TRANSACT_ITEMS) {
      throw new ServiceError(
        "ValidationException",
        `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TRANSACT_ITEMS} and greater than or equal to 1`,
        400,
      );
    }
    const seen = new Set<string>();
    for (const action of actions) {
      if (target.isStrong(action.table)) {
        throw new ServiceError(
          "ValidationException",
          `Transactions are not supported on the multi-Region strongly consistent table ${action.table} (simulated; AWS documents the limit, not the error)`,
          400,
        );
      }
      const id = `${action.table}|${target.keyOf(action.table, action.kind === "Put" ? action.item : action.key)}`;
      if (seen.has(id))
        throw new ServiceError("ValidationException", "Transaction request cannot include multiple operations on one item", 400);
      seen.add(id);
    }
    const tokenKey = token === undefined ? undefined : `${region}|${token}`;
    const body = JSON.stringify(request ?? actions);
    if (tokenKey !== undefined) {
      const earlier = this.tokens.get(tokenKey);
      if (earlier && this.now() - earlier.at < CLIENT_REQUEST_TOKEN_MS) {
        if (earlier.request !== body) {
          throw new ServiceError(
            "IdempotentParameterMismatchException",
            "The request uses the same client token as a previous, but non-identical request.",
            400,
          );
        }
        return; // already applied: succeed again, write nothing
      }
    }
    // All or nothing: every condition against this region's replica first.
    const reasons = actions.map((action): CancellationReason => {
      const key = target.keyOf(action.table, action.kind === "Put" ? action.item : action.key);
      const old = target.current(region, action.table, key);
      if (!action.condition.expression || target.evaluate(action.condition, old)) return { Code: "None" };
      return {
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        ...(action.returnOld && old ? { Item: cloneItem(old) as Item } : {}),
      };
    });
    if (reasons.some((r) => r.Code !== "None")) throw new TransactionCanceledError(reasons);
    for (const action of actions) if (action.kind !== "ConditionCheck") target.apply(region, action);
    if (tokenKey !== undefined) this.tokens.set(tokenKey, { request: body, at: this.now() });
  }
}
