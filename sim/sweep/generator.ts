/**
 * The sweep's generator: timelines of faults from the vocabulary (sim/experiments.ts) and on-call's
 * manual runs, as fast-check arbitraries, so a seed names a sequence of timelines and a failing one
 * shrinks (fast-check removes episodes, drops optional follow-ups, then moves each number toward its
 * simplest value: earlier, shorter, fewer paths, all calls).
 *
 * The space is the deployment's: its two regions, its three tables, its functions by handler name.
 * Times are on a 10 s grid inside the story; every fault ends inside it. The draw leans toward the
 * hazards issue 15 lists: outages of the primary, partitions of the replication path, and a second
 * fault landing while the runbooks the first one started are still going (an "episode": an anchor
 * fault, then optionally a follow-up 10 s to 2 min later).
 */
import fc from "fast-check";
import type { Deployment } from "../deployment/types";
import type { TableRef, TimedFault, WorldFault } from "../experiments";
import type { NetworkPath } from "../network";
import type { OperatorAction } from "./operator-actions";
import type { Timeline } from "./timeline";

export interface SweepSpace {
  /** Length of the story faults are placed in; every fault ends inside it. */
  storyMs: number;
  /** The time grid. */
  stepMs: number;
  primary: string;
  secondary: string;
  /** DynamoDB table names by role, for API errors scoped to a table. */
  tables: Record<TableRef, string>;
  /** Handler names deployed in both regions, runbook steps and the payment path alike. */
  functions: string[];
  /** At most this many episodes (one or two faults each). */
  maxEpisodes: number;
  /** At most this many manual runs. */
  maxOperatorActions: number;
}

/** Steps of the DR path and the payment path whose failure matters most; drawn three times as often as the rest. */
const HAZARD_FUNCTIONS = [
  "create-payment",
  "health",
  "canary",
  "start-execution",
  "acquire-lease",
  "check-replication",
  "set-peer-state",
  "stop-peer-writes",
  "promote-local",
  "confirm-dns",
  "publish-fence-metric",
  "notify",
];

const HASH_KEYS: Record<TableRef, string> = { payments: "paymentId", idempotency: "id", control: "pk" };

export function sweepSpace(
  deployment: Deployment,
  options: { storyMs: number; maxEpisodes?: number; maxOperatorActions?: number },
): SweepSpace {
  const table = (ref: TableRef) => {
    const t = deployment.tables.find((x) => x.hashKey === HASH_KEYS[ref]);
    if (!t) throw new Error(`the deployment has no ${ref} table`);
    return t.name;
  };
  const inRegion = (r: string) => new Set(deployment.functions.filter((f) => f.region === r).map((f) => f.handler));
  const [a, b] = [inRegion(deployment.primaryRegion), inRegion(deployment.secondaryRegion)];
  return {
    storyMs: options.storyMs,
    stepMs: 10_000,
    primary: deployment.primaryRegion,
    secondary: deployment.secondaryRegion,
    tables: { payments: table("payments"), idempotency: table("idempotency"), control: table("control") },
    functions: [...a].filter((h) => b.has(h)).sort(),
    maxEpisodes: options.maxEpisodes ?? 3,
    maxOperatorActions: options.maxOperatorActions ?? 2,
  };
}

/** Plain objects (fast-check may otherwise build records without a prototype, which JSON and deep equality tell apart). */
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(model, { noNullPrototype: true });
const weighted = <T>(...choices: [number, fc.Arbitrary<T>][]): fc.Arbitrary<T> =>
  fc.oneof(...choices.map(([weight, arbitrary]) => ({ weight, arbitrary })));
const one = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);

/** A fault (untimed), weighted toward the hazards. */
export function faultArbitrary(s: SweepSpace): fc.Arbitrary<WorldFault> {
  const region = weighted([3, fc.constant(s.primary)], [1, fc.constant(s.secondary)]);
  const direction = one([s.primary, s.secondary], [s.secondary, s.primary]);
  const paths: fc.Arbitrary<NetworkPath[] | undefined> = weighted<NetworkPath[] | undefined>(
    [3, fc.constant(["replication"])],
    [2, fc.constant(["app", "replication"])],
    [1, fc.constant(["app"])],
    [1, fc.constant(["checkers"])],
    [1, fc.constant(undefined)],
  );
  const table = weighted<TableRef>([2, fc.constant("payments")], [2, fc.constant("control")], [1, fc.constant("idempotency")]);
  const hazards = HAZARD_FUNCTIONS.filter((h) => s.functions.includes(h));
  const fn = weighted([3, fc.constantFrom(...hazards)], [1, fc.constantFrom(...s.functions)]);
  const percentage = one<number | undefined>(undefined, 50, 20);
  const seconds = (min: number, max: number) => fc.integer({ min, max }).map((n) => n * 1000);

  const outage = record({ action: fc.constant("region-outage" as const), region });
  const partition = record({ direction, paths, oneWay: fc.boolean() }).map(({ direction: [from, to], paths: p, oneWay }) => ({
    action: "network-partition" as const,
    from,
    to,
    ...(p ? { paths: p } : {}),
    ...(oneWay ? { oneWay: true } : {}),
  }));
  const pause = record({ action: fc.constant("pause-replication" as const), table, region: one(s.secondary, s.primary) });
  const lag = fc
    .record({ direction, lagMs: seconds(30, 180), table: fc.option(table, { nil: undefined }) })
    .map(({ direction: [from, to], lagMs, table: t }) => ({
      action: "replication-lag" as const,
      from,
      to,
      lagMs: Math.round(lagMs / 10_000) * 10_000,
      ...(t ? { table: t } : {}),
    }));
  const dynamodbErrors = fc
    .record({
      region,
      table: fc.option(table, { nil: undefined }),
      operations: one<string[] | undefined>(undefined, ["PutItem", "UpdateItem", "DeleteItem"], ["GetItem", "Query"]),
      percentage,
      error: one("unavailable" as const, "internal" as const, "throttle" as const),
    })
    .map((f) => ({
      action: "api-error" as const,
      error: f.error,
      service: "dynamodb",
      region: f.region,
      ...(f.operations ? { operations: f.operations } : {}),
      ...(f.table ? { resource: s.tables[f.table] } : {}),
      ...(f.percentage !== undefined ? { percentage: f.percentage } : {}),
    }));
  const lambdaErrors = record({ function: fn, region: one(s.primary, s.secondary), percentage }).map((f) => ({
    action: "lambda-invocation-error" as const,
    function: f.function,
    region: f.region,
    ...(f.percentage !== undefined ? { percentage: f.percentage } : {}),
  }));
  const dnsFreeze = fc.constant({ action: "dns-freeze" as const });
  // Simpler faults first: fast-check may shrink toward the first alternatives.
  return weighted<WorldFault>([4, outage], [4, partition], [2, pause], [2, lag], [2, dynamodbErrors], [2, lambdaErrors], [1, dnsFreeze]);
}

/** What starts most incidents worth following up: the primary going dark, or the regions cut apart on the replication path. */
function anchorArbitrary(s: SweepSpace): fc.Arbitrary<WorldFault> {
  return weighted<WorldFault>(
    [3, fc.constant({ action: "region-outage", region: s.primary })],
    [
      3,
      fc.constantFrom<WorldFault>(
        { action: "network-partition", from: s.primary, to: s.secondary, paths: ["replication"] },
        { action: "network-partition", from: s.primary, to: s.secondary, paths: ["app", "replication"] },
        { action: "network-partition", from: s.primary, to: s.secondary, paths: ["app", "replication"], oneWay: true },
      ),
    ],
    [1, fc.constant({ action: "region-outage", region: s.secondary })],
  );
}

/** Steps (of `stepMs`) → a fault placed inside the story: it starts before the end and ends by it. */
function place(s: SweepSpace, fault: WorldFault, atSteps: number, forSteps: number): TimedFault {
  const last = Math.floor(s.storyMs / s.stepMs) - 1;
  const at = Math.min(atSteps, last);
  const lasts = Math.max(1, Math.min(forSteps, last + 1 - at));
  return { fault, atMs: at * s.stepMs, forMs: lasts * s.stepMs };
}

interface Episode {
  fault: WorldFault;
  atSteps: number;
  forSteps: number;
  /** A second fault `afterSteps` after the first starts — while the runs it started are going. */
  follow?: { fault: WorldFault; afterSteps: number; forSteps: number };
}

function episodeArbitrary(s: SweepSpace): fc.Arbitrary<Episode> {
  const steps = Math.floor(s.storyMs / s.stepMs);
  const atSteps = fc.integer({ min: 0, max: steps - 1 });
  // 10 s to 3 min: short blips to outages that outlast a failover.
  const forSteps = fc.integer({ min: 1, max: 18 });
  const single = record({ fault: faultArbitrary(s), atSteps, forSteps });
  const followed = record({
    fault: anchorArbitrary(s),
    atSteps: fc.integer({ min: 0, max: Math.floor(steps / 2) }),
    forSteps: fc.integer({ min: 6, max: 18 }),
    follow: fc.option(record({ fault: faultArbitrary(s), afterSteps: fc.integer({ min: 1, max: 12 }), forSteps }), {
      nil: undefined,
      freq: 4,
    }),
  });
  return weighted<Episode>([3, single], [2, followed]);
}

function operatorArbitrary(s: SweepSpace): fc.Arbitrary<OperatorAction> {
  const steps = Math.floor(s.storyMs / s.stepMs);
  const atMs = fc.integer({ min: 3, max: steps - 1 }).map((n) => n * s.stepMs);
  return weighted<OperatorAction>(
    [3, record({ mode: fc.constant("failback" as const), region: fc.constant(s.primary), atMs })],
    [2, record({ mode: fc.constant("failover" as const), region: fc.constant(s.secondary), atMs })],
    [1, record({ mode: fc.constant("failover" as const), region: fc.constant(s.primary), atMs })],
  );
}

function flatten(s: SweepSpace, episodes: Episode[]): TimedFault[] {
  return episodes
    .flatMap((e) => [
      place(s, e.fault, e.atSteps, e.forSteps),
      ...(e.follow ? [place(s, e.follow.fault, e.atSteps + e.follow.afterSteps, e.follow.forSteps)] : []),
    ])
    .sort((x, y) => (x.atMs ?? 0) - (y.atMs ?? 0));
}

/** Timelines over the deployment's space: 1 to `maxEpisodes` episodes, and up to `maxOperatorActions` manual runs. */
export function timelineArbitrary(s: SweepSpace): fc.Arbitrary<Timeline> {
  return fc
    .record({
      episodes: fc.array(episodeArbitrary(s), { minLength: 1, maxLength: s.maxEpisodes }),
      operator: fc.array(operatorArbitrary(s), { maxLength: s.maxOperatorActions }),
    })
    .map(({ episodes, operator }) => ({
      faults: flatten(s, episodes),
      operator: [...operator].sort((x, y) => x.atMs - y.atMs),
    }));
}
