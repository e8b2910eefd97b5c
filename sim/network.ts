/**
 * Which regions are up, which paths between them work, and who is calling.
 *
 * A region outage stops everything in it: its functions do not run, calls to its endpoints fail
 * like a network timeout, replication to and from it pauses. A partition is narrower: it cuts one
 * direction or both, on some paths only, and leaves both regions running:
 * - "app": what code in one region sends to another region's endpoints — SDK calls through the
 *   cross-region role, the canary's probe of the peer's /health (FIS's
 *   aws:network:route-table-disrupt-cross-region-connectivity is this path, from one region's subnets);
 * - "replication": DynamoDB's own traffic between replicas and the witness (MREC replication,
 *   MRSC's synchronous round trips) — AWS's network, which a real regional isolation also cuts;
 * - "checkers": Route 53's health checkers (all locations, or one: "route53-checkers:<location>")
 *   reaching an endpoint.
 * The caller of an AWS call is known from the async context the Lambda runtime runs each
 * invocation in (AsyncLocalStorage), so a call is judged from where it is made: the same region,
 * another region, a Route 53 checker, or the internet (clients, operators).
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface CallerContext {
  /** The region the code runs in, "internet" for clients outside AWS, or "route53-checkers:<location>". */
  region: string;
  /** The function running, when the caller is a Lambda invocation. */
  functionName?: string;
  /** The invocation's log stream: where the function's stdout and stderr go (lambda/function-log.ts). */
  log?: (text: string) => void;
}

const callers = new AsyncLocalStorage<CallerContext>();

export function runAs<T>(caller: CallerContext, fn: () => T): T {
  return callers.run(caller, fn);
}

export function currentCaller(): CallerContext {
  return callers.getStore() ?? { region: "internet" };
}

export const INTERNET = "internet";
export const CHECKERS = "route53-checkers";

export type NetworkPath = "app" | "replication" | "checkers";
export const NETWORK_PATHS: readonly NetworkPath[] = ["app", "replication", "checkers"];

/**
 * One-way network latency, ms, as the world delays calls. Published inter-region round trips are
 * ≈ 12 ms us-east-1 ↔ us-east-2 and ≈ 60–70 ms between the US East regions and us-west-2 (the
 * witness of the US region set): one way is half of that.
 */
export const LATENCY_MS = { sameRegion: 3, eastToEast: 12, eastToWest: 33, internet: 25 } as const;

interface Cut {
  id: number;
  from: string;
  to: string;
  paths: readonly NetworkPath[];
}

/** Whether `origin` (of a call) is covered by a cut's `from` (a region, the internet, all checkers or one checker location). */
function originMatches(cutFrom: string, origin: string): boolean {
  return cutFrom === origin || (cutFrom === CHECKERS && origin.startsWith(`${CHECKERS}:`));
}

export class Reachability {
  private readonly down = new Set<string>();
  private readonly cuts: Cut[] = [];
  private counter = 0;
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly listeners: ((region: string, up: boolean) => void)[] = [];
  /** Zero network latency (tests that want no delay at all); the rehearsal uses LATENCY_MS. */
  zeroLatency = false;

  /** `regions`: where the stack runs; `others`: regions that only hold a witness (no endpoints). */
  constructor(
    readonly regions: readonly string[],
    readonly others: readonly string[] = [],
  ) {}

  isUp(region: string): boolean {
    return !this.down.has(region);
  }

  /** Whether code at `from` (a region, the internet or a checker) reaches `to` on `path`. */
  canReach(from: string, to: string, path: NetworkPath = "app"): boolean {
    if (!this.isUp(to)) return false;
    const effectivePath: NetworkPath = from.startsWith(CHECKERS) ? "checkers" : path;
    if (from === to) return true;
    if (from !== INTERNET && !from.startsWith(CHECKERS) && !this.isUp(from)) return false;
    return !this.cuts.some((c) => originMatches(c.from, from) && c.to === to && c.paths.includes(effectivePath));
  }

  /** DynamoDB's link from → to (replication, quorum): both ends up and not cut in that direction. */
  linkUp(from: string, to: string): boolean {
    return this.isUp(from) && this.canReach(from, to, "replication");
  }

  latencyMs(from: string, to: string): number {
    if (this.zeroLatency) return 0;
    if (from === INTERNET || from.startsWith(CHECKERS)) return LATENCY_MS.internet;
    if (from === to) return LATENCY_MS.sameRegion;
    const west = (r: string) => r.startsWith("us-west") || r.startsWith("ca-") || r.startsWith("eu-") || r.startsWith("ap-");
    return west(from) !== west(to) ? LATENCY_MS.eastToWest : LATENCY_MS.eastToEast;
  }

  onChange(listener: (region: string, up: boolean) => void): void {
    this.listeners.push(listener);
  }

  private changed(region: string): void {
    for (const l of this.listeners) l(region, this.isUp(region));
  }

  setUp(region: string, up: boolean): void {
    if (up === this.isUp(region)) return;
    if (up) this.down.delete(region);
    else this.down.add(region);
    if (up) {
      for (const wake of this.waiters.get(region) ?? []) wake();
      this.waiters.delete(region);
    }
    this.changed(region);
  }

  /**
   * Cuts the network from `from` to `to` on `paths` (default: all), one way or both ways. Returns the
   * function that heals exactly this cut.
   */
  cut(from: string, to: string, options: { paths?: readonly NetworkPath[]; oneWay?: boolean } = {}): () => void {
    const paths = options.paths ?? NETWORK_PATHS;
    const added: Cut[] = [{ id: ++this.counter, from, to, paths }];
    if (!options.oneWay) added.push({ id: ++this.counter, from: to, to: from, paths });
    this.cuts.push(...added);
    this.changed(from);
    return () => {
      for (const c of added) {
        const i = this.cuts.findIndex((x) => x.id === c.id);
        if (i >= 0) this.cuts.splice(i, 1);
      }
      this.changed(from);
    };
  }

  /** Both directions, every path: the link between two regions up or down (scenarios' shorthand). */
  setLink(a: string, b: string, up: boolean): void {
    if (!up) {
      this.cut(a, b);
      return;
    }
    for (let i = this.cuts.length - 1; i >= 0; i--) {
      const c = this.cuts[i];
      if ((c.from === a && c.to === b) || (c.from === b && c.to === a)) this.cuts.splice(i, 1);
    }
    this.changed(a);
  }

  /** The cuts in force (for the timeline and tests). */
  activeCuts(): readonly { from: string; to: string; paths: readonly NetworkPath[] }[] {
    return this.cuts;
  }

  /** Resolves when `region` is up (at once if it is). */
  whenUp(region: string): Promise<void> {
    if (this.isUp(region)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(region, [...(this.waiters.get(region) ?? []), resolve]));
  }
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
