/**
 * A small in-memory model of the two regions the runbooks act on: per-region replicas of the
 * control table (with replication that can lag, pause or stop), table statuses, CloudWatch
 * metrics, SNS inboxes, evidence buckets, write-function concurrency, the DNS witness, and
 * "region down". Tests assert on this model's state, not only on which SDK calls were made.
 *
 * Limits (what it cannot prove): the condition/update expressions understood are exactly the
 * ones lib/control-record.ts sends (anything else throws, so a change there shows up
 * here); replication is item-by-item and instantaneous unless paused; DNS follows a simple rule
 * (below), not Route 53's health checkers; the fence alarm follows the last PrimaryFenced
 * datapoint, optionally lagging a number of DescribeAlarms calls behind it (virtual time: Wait
 * states take no time here), not CloudWatch's periods.
 */
export const PRIMARY = "us-east-1";
export const SECONDARY = "us-east-2";
export const ACCOUNT = "123456789012";
export const ENVIRONMENT = "test";
export const CONTROL_TABLE = "payments-dr-control-global-test";
export const PAYMENTS_TABLE = "payments-dr-payments-global-test";
export const IDEMPOTENCY_TABLE = "payments-dr-idempotency-global-test";
/** The secondary's primary-fenced alarm, as the stack names it (infra/core/stack-environment.ts). */
export const FENCE_ALARM_NAME = "primary-fenced-us-east-2-test";
export const REGIONS = [PRIMARY, SECONDARY] as const;
export type Region = (typeof REGIONS)[number];

export const peerOf = (r: string) => (r === PRIMARY ? SECONDARY : PRIMARY);
export const writeFunctionName = (region: string) => `create-payment-${region}-${ENVIRONMENT}`;
export const writeFunctionArn = (region: string) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${writeFunctionName(region)}`;

export type Item = Record<string, unknown> & { pk: string };

export interface Call {
  seq: number;
  region: string;
  service: string;
  op: string;
  detail?: unknown;
}

export interface Effect {
  seq: number;
  kind: string;
  region: string;
  detail: string;
}

export interface MetricPoint {
  region: string;
  name: string;
  value: number;
  dimensions: Record<string, string>;
  storageResolution?: number;
}

export interface Notification {
  region: string;
  topicArn: string;
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

export class ConditionFailed extends Error {
  constructor() {
    super("The conditional request failed");
    this.name = "ConditionFailed";
  }
}

export class RegionDownError extends Error {
  constructor(region: string) {
    super(`connect ETIMEDOUT (${region} is down)`);
    this.name = "TimeoutError";
  }
}

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export class World {
  seq = 0;
  readonly calls: Call[] = [];
  readonly effects: Effect[] = [];
  readonly tables = new Map<string, Map<string, Item>>(REGIONS.map((r) => [r, new Map()]));
  readonly tableStatus = new Map<string, Map<string, { status: string; replicas: Record<string, string> }>>();
  readonly down = new Set<string>();
  /** Replication from → to paused: writes queue until resumed. */
  readonly paused = new Set<string>();
  private readonly pending = new Map<string, (() => void)[]>();
  readonly metrics: MetricPoint[] = [];
  readonly notifications: Notification[] = [];
  readonly objects = new Map<string, string>();
  readonly concurrency = new Map<string, number | undefined>();
  readonly tags = new Map<string, Record<string, string>>();
  dnsMode: "follow-health" | "stuck" = "follow-health";
  stuckAnswer: string[] = [PRIMARY];
  dnsQueries = 0;
  /** Called after every control-table write in any region (after replication). */
  readonly onControlWrite: ((region: string, item: Item | undefined, key: string) => void)[] = [];

  constructor() {
    for (const r of REGIONS) {
      this.tableStatus.set(
        r,
        new Map(
          [PAYMENTS_TABLE, IDEMPOTENCY_TABLE, CONTROL_TABLE].map((t) => [t, { status: "ACTIVE", replicas: { [peerOf(r)]: "ACTIVE" } }]),
        ),
      );
      this.concurrency.set(writeFunctionArn(r), 50);
      this.tags.set(writeFunctionArn(r), {});
    }
  }

  // --- bookkeeping ---------------------------------------------------------------------------
  /** Services that fail every call (e.g. "sns"), as an outage of that service would. */
  readonly broken = new Set<string>();
  /** Per service, how many of its next calls fail with ThrottlingException (as after the SDK's own retries). */
  readonly throttled = new Map<string, number>();
  /** Targeted faults: the first that returns an error fails the call with it. */
  readonly faults: ((region: string, service: string, op: string) => Error | undefined)[] = [];

  call(region: string, service: string, op: string, detail?: unknown): void {
    this.calls.push({ seq: ++this.seq, region, service, op, detail });
    if (this.down.has(region)) throw new RegionDownError(region);
    if (this.broken.has(service)) throw Object.assign(new Error(`${service} is unavailable`), { name: "ServiceUnavailable" });
    for (const fault of this.faults) {
      const error = fault(region, service, op);
      if (error) throw error;
    }
    const throttled = this.throttled.get(service) ?? 0;
    if (throttled > 0) {
      this.throttled.set(service, throttled - 1);
      throw Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      });
    }
  }

  effect(kind: string, region: string, detail: string): void {
    this.effects.push({ seq: ++this.seq, kind, region, detail });
  }

  /** Calls that change something (everything except reads and DNS queries). */
  writes(): Call[] {
    const reads = new Set([
      "get",
      "describe-table",
      "get-function-concurrency",
      "list-tags",
      "describe-execution",
      "resolve-txt",
      "describe-alarms",
    ]);
    return this.calls.filter((c) => !reads.has(c.op));
  }

  // --- control table ---------------------------------------------------------------------------
  table(region: string): Map<string, Item> {
    return this.tables.get(region) as Map<string, Item>;
  }

  item(region: string, pk: string): Item | undefined {
    return this.table(region).get(pk);
  }

  regionRecord(replica: string, of: string): { state: string; epoch: number; executionId: string } | undefined {
    return this.item(replica, `region#${of}`) as { state: string; epoch: number; executionId: string } | undefined;
  }

  /** Writes an item in one region's replica and replicates it (unless paused or a side is down). */
  write(region: string, key: string, item: Item | undefined): void {
    const apply = (r: string) => {
      if (item) this.table(r).set(key, structuredClone(item));
      else this.table(r).delete(key);
    };
    apply(region);
    const peer = peerOf(region);
    const link = `${region}->${peer}`;
    if (this.paused.has(link) || this.down.has(peer) || this.down.has(region)) {
      this.pending.set(link, [...(this.pending.get(link) ?? []), () => apply(peer)]);
    } else {
      apply(peer);
    }
    for (const hook of this.onControlWrite) hook(region, item, key);
  }

  /** Puts an item in both replicas (or only the listed ones) without recording a call. */
  seed(item: Item, regions: readonly string[] = REGIONS): void {
    for (const r of regions) this.table(r).set(item.pk, structuredClone(item));
  }

  pauseReplication(from: string, to: string): void {
    this.paused.add(`${from}->${to}`);
  }

  resumeReplication(from: string, to: string): void {
    const link = `${from}->${to}`;
    this.paused.delete(link);
    for (const apply of this.pending.get(link) ?? []) apply();
    this.pending.delete(link);
  }

  // --- metrics and DNS -----------------------------------------------------------------------
  lastMetric(region: string, name: string): MetricPoint | undefined {
    return [...this.metrics].reverse().find((m) => m.region === region && m.name === name);
  }

  primaryFenced: boolean = false;

  /** false: the fence alarm was deleted (DescribeAlarms finds nothing). */
  fenceAlarmExists = true;
  /** A state tests impose on the fence alarm, whatever the metric says. */
  fenceAlarmOverride: AlarmState | undefined;
  /**
   * How many DescribeAlarms calls the alarm still answers ALARM after PrimaryFenced=0 — a Maximum
   * over 60 s clears only a period or two after the 0 (the lag the failback must wait out).
   */
  fenceAlarmClearsAfterChecks = 0;
  /** DescribeAlarms calls since the last PrimaryFenced datapoint (reset by the PutMetricData fake). */
  fenceAlarmChecksSinceDatum = 0;

  /** The fence alarm's state now: the override, else the last PrimaryFenced datapoint (with the lag when it cleared). */
  fenceAlarmState(): AlarmState {
    if (this.fenceAlarmOverride) return this.fenceAlarmOverride;
    const fence = this.lastMetric(SECONDARY, "PrimaryFenced");
    const fenced = fence ? fence.value === 1 : this.primaryFenced;
    if (fenced) return "ALARM";
    const wasFenced = [...this.metrics].reverse().filter((m) => m.region === SECONDARY && m.name === "PrimaryFenced")[1]?.value === 1;
    return wasFenced && this.fenceAlarmChecksSinceDatum < this.fenceAlarmClearsAfterChecks ? "ALARM" : "OK";
  }

  /**
   * The witness answer, as Route 53 decides the failover pair: the primary while it is up, may
   * serve (its own record is not FENCED/DRAINED) and the fence alarm in the secondary is not in
   * ALARM; otherwise the secondary while it is up and may serve; with both unhealthy, the primary
   * (Route 53 fails open to the PRIMARY record).
   */
  dnsAnswer(): string[] {
    if (this.dnsMode === "stuck") return this.stuckAnswer;
    const serves = (region: string) => {
      const own = this.regionRecord(region, region);
      return !this.down.has(region) && own !== undefined && own.state !== "FENCED" && own.state !== "DRAINED";
    };
    if (serves(PRIMARY) && this.fenceAlarmState() !== "ALARM") return [PRIMARY];
    return serves(SECONDARY) ? [SECONDARY] : [PRIMARY];
  }

  // --- scenario set-ups ----------------------------------------------------------------------
  /** Normal operation: primary ACTIVE, secondary STANDBY, both canaries writing, peers seen healthy. */
  static healthy(now = Date.now()): World {
    const w = new World();
    w.seedRegion(PRIMARY, "ACTIVE", 0, now - 60_000);
    w.seedRegion(SECONDARY, "STANDBY", 0, now - 60_000);
    for (const r of REGIONS) {
      w.seed({ pk: `heartbeat#${r}`, region: r, writtenAt: now - 3000, sequence: Math.floor((now - 3000) / 1000) });
      w.seed(probe(r, peerOf(r), now - 2000, now - 2000, 0));
    }
    return w;
  }

  /** After an automatic failover: primary FENCED (epoch 0), secondary ACTIVE (epoch 1), fence metric set, primary's writes stopped. */
  static failedOver(now = Date.now()): World {
    const w = World.healthy(now);
    w.seedRegion(PRIMARY, "FENCED", 0, now - 30_000);
    w.seedRegion(SECONDARY, "ACTIVE", 1, now - 30_000);
    w.metrics.push({ region: SECONDARY, name: "PrimaryFenced", value: 1, dimensions: { Environment: ENVIRONMENT } });
    w.concurrency.set(writeFunctionArn(PRIMARY), 0);
    w.tags.set(writeFunctionArn(PRIMARY), { "payments-dr:reserved-concurrency-before-fence": "50" });
    return w;
  }

  seedRegion(region: string, state: string, epoch: number, at: number): void {
    this.seed({
      pk: `region#${region}`,
      region,
      state,
      epoch,
      updatedAt: new Date(at).toISOString(),
      reason: "seeded by the test",
      executionId: "seed",
    });
  }

  /** The canary of `observer` saw `target` fail `failures` times, the last at `checkedAt`. */
  recordFailingProbes(observer: string, target: string, checkedAt: number, lastHealthyAt: number, failures: number): void {
    this.seed(probe(observer, target, checkedAt, lastHealthyAt, failures));
  }
}

/** The harness's canary probes every 10 s (PROBES_PER_MINUTE 6). */
const PROBE_INTERVAL_MS = 10_000;

function probe(observer: string, target: string, checkedAt: number, lastHealthyAt: number, failures: number): Item {
  return {
    pk: `probe#${observer}#${target}`,
    observer,
    target,
    lastCheckedAt: checkedAt,
    lastHealthyAt,
    lastStatus: failures > 0 ? 0 : 200,
    consecutiveFailures: failures,
    // As the canary records it: the first probe of the current run of failures.
    ...(failures > 0 ? { firstFailedAt: Math.max(lastHealthyAt, checkedAt - (failures - 1) * PROBE_INTERVAL_MS) } : {}),
  };
}
