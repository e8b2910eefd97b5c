/**
 * Which regions are up, which links between them work, and who is calling.
 *
 * A region outage stops everything in it: its functions do not run, calls to its endpoints fail
 * like a network timeout, replication to and from it pauses. A partition cuts one link and leaves
 * both regions running. The caller of an AWS call is known from the async context the Lambda
 * runtime runs each invocation in (AsyncLocalStorage), so a call can be judged from where it is
 * made: the same region, the other region, or outside AWS (clients, Route 53's checkers).
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface CallerContext {
  /** The region the code runs in, or "internet" for clients outside AWS. */
  region: string;
  /** The function running, when the caller is a Lambda invocation. */
  functionName?: string;
}

const callers = new AsyncLocalStorage<CallerContext>();

export function runAs<T>(caller: CallerContext, fn: () => T): T {
  return callers.run(caller, fn);
}

export function currentCaller(): CallerContext {
  return callers.getStore() ?? { region: "internet" };
}

export const INTERNET = "internet";

/** Network latency, ms: inside a region, between the two (≈ 12 ms us-east-1 ↔ us-east-2), and from the internet. */
export const LATENCY_MS = { sameRegion: 3, crossRegion: 12, internet: 25 } as const;

export class Reachability {
  private readonly down = new Set<string>();
  private readonly cut = new Set<string>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly listeners: ((region: string, up: boolean) => void)[] = [];

  /** Zero network latency (tests that want no delay at all); the rehearsal uses LATENCY_MS. */
  zeroLatency = false;

  constructor(readonly regions: readonly string[]) {}

  isUp(region: string): boolean {
    return !this.down.has(region);
  }

  /** Whether code in `from` (a region or the internet) can reach `to`. */
  canReach(from: string, to: string): boolean {
    if (!this.isUp(to)) return false;
    if (from === INTERNET || from === to) return true;
    return this.isUp(from) && !this.cut.has(linkKey(from, to));
  }

  linkUp(a: string, b: string): boolean {
    return this.isUp(a) && this.isUp(b) && !this.cut.has(linkKey(a, b));
  }

  latencyMs(from: string, to: string): number {
    if (this.zeroLatency) return 0;
    if (from === INTERNET) return LATENCY_MS.internet;
    return from === to ? LATENCY_MS.sameRegion : LATENCY_MS.crossRegion;
  }

  onChange(listener: (region: string, up: boolean) => void): void {
    this.listeners.push(listener);
  }

  setUp(region: string, up: boolean): void {
    if (up === this.isUp(region)) return;
    if (up) this.down.delete(region);
    else this.down.add(region);
    if (up) {
      for (const wake of this.waiters.get(region) ?? []) wake();
      this.waiters.delete(region);
    }
    for (const l of this.listeners) l(region, up);
  }

  setLink(a: string, b: string, up: boolean): void {
    if (up) this.cut.delete(linkKey(a, b));
    else this.cut.add(linkKey(a, b));
    for (const l of this.listeners) l(a, this.isUp(a));
  }

  /** Resolves when `region` is up (at once if it is). */
  whenUp(region: string): Promise<void> {
    if (this.isUp(region)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(region, [...(this.waiters.get(region) ?? []), resolve]));
  }
}

function linkKey(a: string, b: string): string {
  return [a, b].sort().join("<>");
}

/** A small deterministic PRNG (mulberry32), so a rehearsal is the same run every time. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
