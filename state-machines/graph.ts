/**
 * Graph analysis of an Amazon States Language definition, used by the state-machine tests and the
 * policy pack alike: every state of every scope (the top level, Parallel branches, Map item
 * processors), the transitions within a scope, its cycles and whether each is bounded, and
 * reachability and paths over the rendered (flat) DR machine.
 */
import type { AslDefinition, AslState } from "./render";

export type AnyState = Record<string, unknown> & { Type?: string };
export interface AslScope {
  /** `""` for the top level, `Fan/branch 0`, `Probe/items` for nested scopes. */
  path: string;
  StartAt?: string;
  States: Record<string, AnyState>;
}

interface Definition {
  StartAt?: string;
  TimeoutSeconds?: number;
  States?: Record<string, AnyState>;
}

/** Every scope of a definition, the top level first. */
export function scopesOf(definition: Definition): AslScope[] {
  const out: AslScope[] = [];
  const visit = (path: string, scope: Definition) => {
    out.push({ path, StartAt: scope.StartAt, States: scope.States ?? {} });
    for (const [name, state] of Object.entries(scope.States ?? {})) {
      const where = path ? `${path}/${name}` : name;
      ((state.Branches as Definition[] | undefined) ?? []).forEach((b, i) => {
        visit(`${where}/branch ${i}`, b);
      });
      const items = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      if (items) visit(`${where}/items`, items);
    }
  };
  visit("", definition);
  return out;
}

/** Every state with its scope-qualified name. */
export function allStates(definition: Definition): { name: string; state: AnyState }[] {
  return scopesOf(definition).flatMap((scope) =>
    Object.entries(scope.States).map(([name, state]) => ({ name: scope.path ? `${scope.path}/${name}` : name, state })),
  );
}

/** Where a state may go next within its scope (Next, Default, Choices, Catch). */
export function nextStates(state: AnyState): string[] {
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
  const next = (s: string) => nextStates(scope.States[s] ?? {}).filter((n) => n in scope.States);
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
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
  const nested = [
    ...((rule.And as Record<string, unknown>[]) ?? []),
    ...((rule.Or as Record<string, unknown>[]) ?? []),
    ...(rule.Not ? [rule.Not as Record<string, unknown>] : []),
  ];
  return nested.some(comparesNumber);
}

/** A cycle is bounded when one of its Choice states leaves it on a numeric comparison (a counter). */
export function isBounded(scope: AslScope, cycle: string[]): boolean {
  const members = new Set(cycle);
  return cycle.some((name) => {
    const state = scope.States[name];
    if (state?.Type !== "Choice") return false;
    return ((state.Choices as (Record<string, unknown> & { Next?: string })[] | undefined) ?? []).some(
      (c) => c.Next !== undefined && !members.has(c.Next) && comparesNumber(c),
    );
  });
}

// --- over the rendered DR machine (one flat scope) ---------------------------------------------

export interface Edge {
  from: string;
  to: string;
  kind: "next" | "choice" | "default" | "catch";
}

export function edges(def: AslDefinition): Edge[] {
  const out: Edge[] = [];
  for (const [from, s] of Object.entries(def.States)) {
    if (typeof s.Next === "string") out.push({ from, to: s.Next, kind: "next" });
    if (typeof s.Default === "string") out.push({ from, to: s.Default, kind: "default" });
    for (const c of (s.Choices as { Next: string }[] | undefined) ?? []) out.push({ from, to: c.Next, kind: "choice" });
    for (const c of (s.Catch as { Next: string }[] | undefined) ?? []) out.push({ from, to: c.Next, kind: "catch" });
  }
  return out;
}

export function successors(def: AslDefinition, state: string, without: ReadonlySet<string> = new Set()): string[] {
  return nextStates(def.States[state] ?? {}).filter((s) => !without.has(s));
}

/** States reachable from `start`, never entering the states in `without`. */
export function reachable(def: AslDefinition, start: string, without: ReadonlySet<string> = new Set()): Set<string> {
  const seen = new Set<string>();
  const stack = without.has(start) ? [] : [start];
  while (stack.length > 0) {
    const s = stack.pop() as string;
    if (seen.has(s)) continue;
    seen.add(s);
    stack.push(...successors(def, s, without));
  }
  return seen;
}

/** The cycles of the machine's top-level scope. */
export function cycles(def: AslDefinition): string[][] {
  return cyclesOf({ path: "", StartAt: def.StartAt, States: def.States });
}

/** Every path from `start` to a terminal state (the failure subgraph is acyclic; guarded anyway). */
export function paths(def: AslDefinition, start: string, limit = 10_000): string[][] {
  const out: string[][] = [];
  const walk = (path: string[]) => {
    if (out.length > limit) throw new Error("too many paths");
    const here = path[path.length - 1];
    const next = successors(def, here);
    if (next.length === 0) {
      out.push(path);
      return;
    }
    for (const n of next) {
      if (path.includes(n)) throw new Error(`cycle on a failure path: ${[...path, n].join(" > ")}`);
      walk([...path, n]);
    }
  };
  walk([start]);
  return out;
}

export function tasks(def: AslDefinition): [string, AslState][] {
  return Object.entries(def.States).filter(([, s]) => s.Type === "Task");
}

export function functionOf(state: AslState): string {
  return String((state.Parameters as { FunctionName?: string } | undefined)?.FunctionName ?? "");
}
