/** Graph helpers over a rendered (flat) ASL definition, for the structural tests. */
import type { AslDefinition, AslState } from "../../../runbooks/lib/asl";

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
  return [...new Set(edges(def).filter((e) => e.from === state && !without.has(e.to)).map((e) => e.to))];
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

/** Strongly connected components with a cycle (Tarjan). */
export function cycles(def: AslDefinition): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of successors(def, v)) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || successors(def, v).includes(v)) result.push(scc);
    }
  };
  for (const s of Object.keys(def.States)) if (!idx.has(s)) visit(s);
  return result;
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
