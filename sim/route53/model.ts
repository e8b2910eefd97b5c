/**
 * Route 53's data plane, simulated: health checkers that call the real `/health` of each region,
 * health-check status, and failover answers.
 *
 * - HTTPS checks: one checker per default checker region (8), spread over the request interval.
 *   Each checker flips its view after `failureThreshold` consecutive failures (or successes); the
 *   endpoint is healthy while more than 18% of checkers see it healthy
 *   (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 *   A check passes on a 2xx/3xx within 2 s of connecting (4 s to connect).
 * - CLOUDWATCH_METRIC checks follow the alarm's DATA STREAM, not its state (alarms.ts dataStream):
 *   data that says OK or ALARM decides; insufficient data → the configured InsufficientDataHealthStatus
 *   (Healthy, Unhealthy, or LastKnownStatus); an unreadable alarm (its region down) keeps the last known status.
 * - CALCULATED checks: healthy when at least `childHealthThreshold` children are.
 * - Failover records: PRIMARY if healthy, else SECONDARY if healthy, else PRIMARY (fail open: with
 *   every record of the group unhealthy, Route 53 answers as though all were healthy,
 *   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html).
 * - HealthCheckStatus is published to CloudWatch in us-east-1 every interval, while it is up.
 * Answers change as soon as the status does (no propagation delay is modelled).
 */
import type { AlarmService } from "../cloudwatch/alarms";
import type { MetricStore } from "../cloudwatch/metrics";
import type { ApiGateway } from "../apigateway/model";
import type { VirtualClock } from "../clock";
import type { Deployment, DnsRecordDefinition, HealthCheckDefinition } from "../deployment/types";
import { CHECKERS, type Reachability, runAs } from "../network";
import { CHECKER_REGIONS, probeReport, type CheckerReport } from "./checker";

export { CHECKER_REGIONS };
import type { Timeline } from "../timeline";

export const HEALTHY_FRACTION = 0.18;
const ROUTE53_METRICS_REGION = "us-east-1";

export interface CheckerView {
  healthy: boolean;
  streak: number;
}

/** One checker's view after a probe result (pure; unit-tested). */
export function nextCheckerView(view: CheckerView, passed: boolean, threshold: number): CheckerView {
  if (passed === view.healthy) return { healthy: view.healthy, streak: 0 };
  const streak = view.streak + 1;
  return streak >= threshold ? { healthy: passed, streak: 0 } : { healthy: view.healthy, streak };
}

/** Route 53's aggregate: healthy when more than 18% of checkers say so. */
export function endpointHealthy(views: CheckerView[]): boolean {
  return views.filter((v) => v.healthy).length > HEALTHY_FRACTION * views.length;
}

/** Which record of a failover pair answers (pure; unit-tested). */
export function failoverAnswer<R extends { failover?: string }>(records: R[], healthy: (r: R) => boolean): R | undefined {
  const primary = records.find((r) => r.failover === "PRIMARY");
  const secondary = records.find((r) => r.failover === "SECONDARY");
  if (primary && healthy(primary)) return primary;
  if (secondary && healthy(secondary)) return secondary;
  return primary ?? secondary; // every record unhealthy: Route 53 fails open
}

export interface Route53Deps {
  deployment: Deployment;
  clock: VirtualClock;
  gateway: ApiGateway;
  alarms: AlarmService;
  metrics: MetricStore;
  reachability: Reachability;
  timeline: Timeline;
}

export class Route53 {
  private readonly checkers = new Map<string, CheckerView[]>();
  /** Each checker's last observation (what GetHealthCheckStatus reports), per endpoint check. */
  private readonly reports = new Map<string, (CheckerReport | undefined)[]>();
  private readonly lastMetricStatus = new Map<string, boolean>();
  private readonly lastStatus = new Map<string, boolean>();
  private readonly lastAnswer = new Map<string, string>();
  /** A simulated Route 53 fault: answers frozen as they are (dns-stuck). */
  frozen: Map<string, DnsRecordDefinition> | undefined;
  /** `name|type` of the record sets deleted in this world (the deployment's records are shared and stay as they are). */
  private readonly deleted = new Set<string>();
  probes = 0;
  /** Every change of the failover answer (`api.<zone>`), with when. */
  readonly answerHistory: { at: number; region: string }[] = [];

  constructor(private readonly deps: Route53Deps) {
    for (const c of deps.deployment.healthChecks) {
      if (c.type === "HTTPS" || c.type === "HTTP")
        this.checkers.set(
          c.id,
          CHECKER_REGIONS.map(() => ({ healthy: true, streak: 0 })),
        );
    }
  }

  /** The health check `id` (undefined if the deployment has none). */
  find(id: string): HealthCheckDefinition | undefined {
    return this.deps.deployment.healthChecks.find((x) => x.id === id);
  }

  /** The last report of each checker of an endpoint check, in CHECKER_REGIONS order (undefined: not probed yet). */
  checkerReports(id: string): (CheckerReport | undefined)[] {
    return [...(this.reports.get(id) ?? [])];
  }

  private check(id: string): HealthCheckDefinition {
    const c = this.deps.deployment.healthChecks.find((x) => x.id === id);
    if (!c) throw new Error(`no health check ${id}`);
    return c;
  }

  start(): void {
    for (const c of this.deps.deployment.healthChecks) {
      const views = this.checkers.get(c.id);
      if (!views) continue;
      const interval = (c.intervalSeconds ?? 30) * 1000;
      views.forEach((_, i) => {
        this.deps.clock.every(interval, () => this.probe(c, i), Math.floor(((i + 1) * interval) / views.length));
      });
    }
    this.deps.clock.every(10_000, () => this.observe(), 10_000);
  }

  private async probe(c: HealthCheckDefinition, index: number): Promise<void> {
    this.probes += 1;
    const regionHost = c.fqdn as string;
    const target = this.regionOfHost(regionHost);
    let passed = false;
    let outcome: { status: number } | { error: unknown };
    try {
      // Each checker probes from its own location, so a partition can cut some checkers only.
      const res = await runAs({ region: `${CHECKERS}:${CHECKER_REGIONS[index]}` }, () =>
        this.deps.gateway.request(
          target,
          { method: "GET", host: regionHost, path: c.path ?? "/", headers: { "user-agent": "Amazon-Route53-Health-Check-Service" } },
          6000,
        ),
      );
      passed = res.status >= 200 && res.status < 400;
      outcome = { status: res.status };
    } catch (error) {
      passed = false;
      outcome = { error };
    }
    const reports = this.reports.get(c.id) ?? CHECKER_REGIONS.map(() => undefined);
    reports[index] = { at: this.deps.clock.now(), status: probeReport(outcome, this.aliasTargetOf(regionHost)) };
    this.reports.set(c.id, reports);
    const views = this.checkers.get(c.id) as CheckerView[];
    views[index] = nextCheckerView(views[index], passed, c.failureThreshold ?? 3);
    this.observe();
  }

  /** The alias target (API Gateway regional domain) a region-pinned host points to. */
  aliasTargetOf(host: string): string {
    return this.deps.deployment.records.find((r) => r.name === host && !r.failover && r.alias)?.values[0] ?? host;
  }

  regionOfHost(host: string): string {
    const record = this.deps.deployment.records.find((r) => r.name === host && !r.failover && r.alias);
    if (!record?.aliasRegion) throw new Error(`no region-pinned alias record for ${host}`);
    return record.aliasRegion;
  }

  healthy(id: string, seen = new Set<string>()): boolean {
    if (seen.has(id)) throw new Error(`health check ${id} depends on itself`);
    seen.add(id);
    const c = this.check(id);
    switch (c.type) {
      case "HTTPS":
      case "HTTP":
        return endpointHealthy(this.checkers.get(id) as CheckerView[]);
      case "CALCULATED":
        return (c.children ?? []).filter((child) => this.healthy(child, new Set(seen))).length >= (c.childHealthThreshold ?? 0);
      case "CLOUDWATCH_METRIC": {
        const alarm = c.alarm as { name: string; region: string };
        const last = this.lastMetricStatus.get(id);
        if (!this.deps.reachability.isUp(alarm.region)) return last ?? true;
        // Route 53 reads the alarm's data stream, not its state (alarms.ts dataStream).
        const state = this.deps.alarms.dataStream(alarm.name, alarm.region, this.deps.clock.now());
        const status =
          state === "OK"
            ? true
            : state === "ALARM"
              ? false
              : c.insufficientDataHealthStatus === "Unhealthy"
                ? false
                : c.insufficientDataHealthStatus === "Healthy"
                  ? true
                  : (last ?? true);
        this.lastMetricStatus.set(id, status);
        return status;
      }
    }
  }

  /** The answer to `name`/`type` now, as the zone's authoritative servers give it. */
  answer(name: string, type: string): DnsRecordDefinition | undefined {
    const key = `${name}|${type}`;
    if (this.deleted.has(key)) return undefined;
    if (this.frozen?.has(key)) return this.frozen.get(key);
    const records = this.deps.deployment.records.filter((r) => r.name === name && r.type === type);
    if (records.length === 0) return undefined;
    if (!records.some((r) => r.failover)) return records[0];
    return failoverAnswer(records, (r) => (r.healthCheckId ? this.healthy(r.healthCheckId) : true));
  }

  /** Freezes every failover answer as it is now (the dns-stuck scenario's Route 53 fault). */
  freeze(): void {
    this.frozen = new Map();
    for (const r of this.deps.deployment.records.filter((x) => x.failover)) {
      const a = this.answer(r.name, r.type);
      if (a) this.frozen.set(`${r.name}|${r.type}`, a);
    }
  }

  /**
   * ChangeResourceRecordSets with DELETE for every record set of `name` and `type` (each failover
   * member): the zone's name servers stop answering that type (NXDOMAIN when the name has nothing
   * else). https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html
   */
  deleteRecords(name: string, type: string): void {
    if (!this.deps.deployment.records.some((r) => r.name === name && r.type === type))
      throw new Error(`no ${type} record set named ${name} (InvalidChangeBatch: it was not found)`);
    this.deleted.add(`${name}|${type}`);
    this.observe();
  }

  unfreeze(): void {
    this.frozen = undefined;
    this.observe();
  }

  /** Records status and answer changes (timeline) and publishes HealthCheckStatus. */
  observe(): void {
    const { deployment, timeline, metrics, reachability, clock } = this.deps;
    for (const c of deployment.healthChecks) {
      const h = this.healthy(c.id);
      if (this.lastStatus.get(c.id) !== h) {
        if (this.lastStatus.has(c.id))
          timeline.add("route53", "health", `health check ${c.referenceName} is ${h ? "HEALTHY" : "UNHEALTHY"}`);
        this.lastStatus.set(c.id, h);
      }
    }
    for (const name of [deployment.failoverName, deployment.witnessName]) {
      const type = name === deployment.witnessName ? "TXT" : "A";
      const a = this.answer(name, type);
      const shown = a ? (a.type === "TXT" ? a.values.join(",") : (a.aliasRegion ?? a.values[0])) : "nothing";
      if (this.lastAnswer.get(name) !== shown) {
        if (name === deployment.failoverName) this.answerHistory.push({ at: clock.now(), region: shown });
        if (this.lastAnswer.has(name) && name === deployment.failoverName) {
          const records = deployment.records.filter((r) => r.name === name && r.failover);
          const failOpen = !this.frozen && records.every((r) => r.healthCheckId && !this.healthy(r.healthCheckId));
          timeline.add(
            "route53",
            "dns",
            `${name} now answers ${shown}${this.frozen ? " (frozen)" : failOpen ? " (every record unhealthy: Route 53 fails open to PRIMARY)" : ""}`,
          );
        }
        this.lastAnswer.set(name, shown);
      }
    }
    if (reachability.isUp(ROUTE53_METRICS_REGION) && clock.now() % 10_000 === 0) {
      for (const c of deployment.healthChecks)
        metrics.put(
          ROUTE53_METRICS_REGION,
          "AWS/Route53",
          "HealthCheckStatus",
          { HealthCheckId: c.id },
          this.healthy(c.id) ? 1 : 0,
          clock.now(),
        );
    }
  }

  /** The region `api.<zone>` sends clients to right now. */
  servingRegion(): string | undefined {
    return this.answer(this.deps.deployment.failoverName, "A")?.aliasRegion;
  }
}
