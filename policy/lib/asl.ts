/**
 * Walking an Amazon States Language definition: every state of every scope (the top level,
 * Parallel branches, Map item processors), the transitions within a scope, and its cycles.
 */

export type AslState = Record<string, unknown> & { Type?: string };
export interface AslScope {
  /** `""` for the top level, `Fan/branch 0`, `Probe/items` for nested scopes. */
  path: string;
  StartAt?: string;
  States: Record<string, AslState>;
}

interface Definition {
  StartAt?: string;
  TimeoutSeconds?: number;
  States?: Record<string, AslState>;
}

/** Every scope of a definition, the top level first. */
export function scopesOf(definition: Definition): AslScope[] {
  const out: AslScope[] = [];
  const visit = (path: string, scope: Definition) => {
    out.push({ path, StartAt: scope.StartAt, States: scope.States ?? {} });
    for (const [name, state] of Object.entries(scope.States ?? {})) {
      const where = path ? `${path}/${name}` : name;
      ((state.Branches as Definition[] | undefined) ?? []).forEach((b, i) => visit(`${where}/branch ${i}`, b));
      const items = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      if (items) visit(`${where}/items`, items);
    }
  };
  visit("", definition);
  return out;
}

/** Every state with its scope-qualified name. */
export function allStates(definition: Definition): { name: string; state: AslState }[] {
  return scopesOf(definition).flatMap((scope) =>
    Object.entries(scope.States).map(([name, state]) => ({ name: scope.path ? `${scope.path}/${name}` : name, state })),
  );
}

/** Where a state may go next within its scope (Next, Default, Choices, Catch). */
export function successors(state: AslState): string[] {
  const out: string[] = [];
  if (typeof state.Next === "string") out.push(state.Next);
  if (typeof state.Default === "string") out.push(state.Default);
  for (const c of (state.Choices as { Next?: string }[] | undefined) ?? []) if (c.Next) out.push(c.Next);
  for (const c of (state.Catch as { Next?: string }[] | undefined) ?? []) if (c.Next) out.push(c.Next);
  return [...new Set(out)];
}

/** Strongly connected components of a scope that contain a cycle (Tarjan). */
export function cyclesOf(scope: AslScope): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const next = (s: string) => successors(scope.States[s] ?? {}).filter((n) => n in scope.States);
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next(v).includes(v)) result.push(component);
    }
  };
  for (const s of Object.keys(scope.States)) if (!index.has(s)) visit(s);
  return result;
}

const NUMERIC_BOUND = /^Numeric(GreaterThan|GreaterThanEquals|LessThan|LessThanEquals|Equals)(Path)?$/;

/** Does this Choice rule (or a nested And/Or/Not) compare a variable with a number? */
function comparesNumber(rule: Record<string, unknown>): boolean {
  if (Object.keys(rule).some((k) => NUMERIC_BOUND.test(k))) return true;
  const nested = [...((rule.And as Record<string, unknown>[]) ?? []), ...((rule.Or as Record<string, unknown>[]) ?? []), ...(rule.Not ? [rule.Not as Record<string, unknown>] : [])];
  return nested.some(comparesNumber);
}

/** A cycle is bounded when one of its Choice states leaves it on a numeric comparison (a counter). */
export function isBounded(scope: AslScope, cycle: string[]): boolean {
  const members = new Set(cycle);
  return cycle.some((name) => {
    const state = scope.States[name];
    if (state?.Type !== "Choice") return false;
    return ((state.Choices as (Record<string, unknown> & { Next?: string })[] | undefined) ?? []).some((c) => c.Next !== undefined && !members.has(c.Next) && comparesNumber(c));
  });
}
