/**
 * IAM decisions shared between simulated worlds, keyed by exactly what was evaluated.
 *
 * Tests build many worlds from one deployment (a world per test), and each world's Authorizer
 * starts with an empty cache: the same requests were evaluated again in every world. Here the key
 * is a hash of the whole evaluation input — the policies as evaluated (identity, resource,
 * endpoint), the principal, action, resource and context — so a decision is reused only for an
 * identical evaluation: a deployment whose policies were edited (test/sim/support/deployment-edits.ts)
 * evaluates afresh, and no edit can leave a stale decision here.
 *
 * Bounded: the oldest entries go first once MAX_ENTRIES are held (a long sweep evaluates many
 * distinct requests).
 */
import { createHash } from "node:crypto";

const MAX_ENTRIES = 20_000;

const decisions = new Map<string, Promise<unknown>>();

/** `evaluate()`'s result for `input`, evaluated once per identical input (a rejection is kept too: the same input fails the same way). */
export function sharedDecision<T>(input: unknown, evaluate: () => Promise<T>): Promise<T> {
  const key = createHash("sha256").update(JSON.stringify(input)).digest("base64");
  let decision = decisions.get(key) as Promise<T> | undefined;
  if (!decision) {
    decision = evaluate();
    decisions.set(key, decision);
    if (decisions.size > MAX_ENTRIES) decisions.delete(decisions.keys().next().value as string);
  }
  return decision;
}

/** How many decisions are held (tests). */
export function sharedDecisionCount(): number {
  return decisions.size;
}
