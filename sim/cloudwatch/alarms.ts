/**
 * CloudWatch alarms, evaluated from the deployed definitions
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):
 * at the end of every period, the last `evaluationPeriods` datapoints; ALARM when at least
 * `datapointsToAlarm` breach. Missing datapoints follow `treatMissingData` (breaching /
 * notBreaching count as such; ignore and missing skip them; with no data at all, ignore keeps the
 * state and missing goes to INSUFFICIENT_DATA). Metric math supports `SUM([...])` and `a + b`.
 *
 * Every alarm is evaluated at the end of each of its periods. CloudWatch evaluates 10- and 30-second
 * alarms every 10 s (AlarmThatSendsEmail.html), so for a 20- or 30-second period this is later than
 * AWS, never earlier. A standard-resolution metric is stored per minute (metrics.ts): a 10-, 20- or
 * 30-second period sees it only in the period that starts the minute.
 *
 * Simplified on purpose: no ingestion delay and no look-back beyond the evaluation window. AWS does
 * not document how long EMF or PutMetricData data takes to reach an alarm; measured by hand, a 10 s
 * delay on every sub-minute alarm moves the gray-failure RTO from 110.5 s to 121.9 s (README, Measurements).
 */
import type { AlarmDefinition, Comparison } from "../deployment/types";
import type { MetricStore } from "./metrics";

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface Transition {
  alarm: AlarmDefinition;
  from: AlarmState;
  to: AlarmState;
  at: number;
  reason: string;
}

export function breaches(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case "GreaterThanThreshold":
      return value > threshold;
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
  }
}

/** The next state from the window's datapoints (oldest first; undefined = missing). */
export function evaluateWindow(
  alarm: Pick<AlarmDefinition, "comparison" | "threshold" | "datapointsToAlarm" | "treatMissingData">,
  datapoints: (number | undefined)[],
  current: AlarmState,
): { state: AlarmState; reason: string } {
  const present = datapoints.filter((d): d is number => d !== undefined);
  const shown = datapoints.map((d) => (d === undefined ? "missing" : String(Math.round(d * 100) / 100))).join(", ");
  if (present.length === 0) {
    switch (alarm.treatMissingData) {
      case "ignore":
        return { state: current, reason: `no datapoints [${shown}]: state kept (missing data ignored)` };
      case "missing":
        return { state: "INSUFFICIENT_DATA", reason: `no datapoints [${shown}]` };
      case "breaching":
        return {
          state: datapoints.length >= alarm.datapointsToAlarm ? "ALARM" : "OK",
          reason: `no datapoints [${shown}]: missing data treated as breaching`,
        };
      case "notBreaching":
        return { state: "OK", reason: `no datapoints [${shown}]: missing data treated as not breaching` };
    }
  }
  let breaching = present.filter((d) => breaches(d, alarm.comparison, alarm.threshold)).length;
  if (alarm.treatMissingData === "breaching") breaching += datapoints.length - present.length;
  const state: AlarmState = breaching >= alarm.datapointsToAlarm ? "ALARM" : "OK";
  return { state, reason: `${breaching} of ${datapoints.length} datapoints [${shown}] ${alarm.comparison} ${alarm.threshold}` };
}

/** One period's value of an alarm's metric (or math expression). */
export function periodValue(alarm: AlarmDefinition, metrics: MetricStore, start: number, end: number): number | undefined {
  if (alarm.metric) {
    const m = alarm.metric;
    return metrics.stat(alarm.region, m.namespace, m.metricName, m.dimensions, start, end, m.statistic);
  }
  const math = alarm.math;
  if (!math) throw new Error(`alarm ${alarm.name} has neither a metric nor math`);
  const values = new Map(
    math.metrics.map((q) => [q.id, metrics.stat(alarm.region, q.namespace, q.metricName, q.dimensions, start, end, q.stat)]),
  );
  const expr = math.expression.replace(/\s/g, "");
  const sum = /^SUM\(\[([a-z0-9_,]+)\]\)$/i.exec(expr);
  if (sum) {
    const parts = sum[1].split(",").map((id) => values.get(id));
    const present = parts.filter((v): v is number => v !== undefined);
    return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0);
  }
  const plus = /^([a-z0-9_]+)\+([a-z0-9_]+)$/i.exec(expr);
  if (plus) {
    const [a, b] = [values.get(plus[1]), values.get(plus[2])];
    return a === undefined || b === undefined ? undefined : a + b;
  }
  throw new Error(`The rehearsal does not evaluate the metric math expression "${math.expression}" (alarm ${alarm.name})`);
}

/** What DescribeAlarms tells about one alarm. */
export interface AlarmDescription {
  alarm: AlarmDefinition;
  state: AlarmState;
  reason: string;
  /** When the alarm entered `state` (virtual ms); null while it still has its initial state. */
  updatedAt: number | null;
}

export class AlarmService {
  private readonly states = new Map<string, AlarmState>();
  private readonly changes = new Map<string, { reason: string; at: number }>();
  private readonly listeners: ((t: Transition) => void)[] = [];
  /** ARNs of alarms deleted in this world (DeleteAlarms); the deployment's definitions are shared and stay as they are. */
  private readonly deleted = new Set<string>();

  constructor(
    readonly alarms: AlarmDefinition[],
    private readonly metrics: MetricStore,
  ) {
    for (const a of alarms) this.states.set(a.arn, "INSUFFICIENT_DATA");
  }

  /** DescribeAlarms by name in one region: the alarms of that region with those names (unknown names are skipped, as CloudWatch does). */
  describe(region: string, names: readonly string[]): AlarmDescription[] {
    return this.alarms
      .filter((a) => a.region === region && names.includes(a.name) && !this.deleted.has(a.arn))
      .map((alarm) => {
        const change = this.changes.get(alarm.arn);
        return {
          alarm,
          state: this.states.get(alarm.arn) ?? "INSUFFICIENT_DATA",
          reason: change?.reason ?? "Unchecked: Initial alarm creation",
          updatedAt: change?.at ?? null,
        };
      });
  }

  onTransition(listener: (t: Transition) => void): void {
    this.listeners.push(listener);
  }

  /**
   * What the alarm's DATA says now, as Route 53 reads it for a CLOUDWATCH_METRIC health check:
   * "Route 53 monitors the data stream for the corresponding alarm instead of monitoring the alarm
   * state ... If the data stream doesn't provide enough information to determine the state of the
   * alarm, the health check status depends on the setting for Health check status"
   * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
   * So treatMissingData and SetAlarmState play no part: the last `evaluationPeriods` complete periods
   * are read as they are. AWS does not say how many datapoints are "enough"; the harsher reading here:
   * fewer than `datapointsToAlarm` present is insufficient data.
   */
  dataStream(nameOrArn: string, region: string | undefined, at: number): AlarmState {
    const alarm = this.find(nameOrArn, region);
    if (this.deleted.has(alarm.arn)) return "INSUFFICIENT_DATA";
    const period = alarm.periodSeconds * 1000;
    const end = Math.floor(at / period) * period;
    const present: number[] = [];
    for (let i = alarm.evaluationPeriods; i >= 1; i--) {
      const start = end - i * period;
      const v = periodValue(alarm, this.metrics, start, start + period);
      if (v !== undefined) present.push(v);
    }
    if (present.length < alarm.datapointsToAlarm) return "INSUFFICIENT_DATA";
    return present.filter((v) => breaches(v, alarm.comparison, alarm.threshold)).length >= alarm.datapointsToAlarm ? "ALARM" : "OK";
  }

  /**
   * The alarm's state. A deleted alarm has none; Route 53 does not document what a health check on
   * a deleted alarm reports, so the simulation treats it as insufficient data (the check's
   * InsufficientDataHealthStatus decides).
   */
  state(nameOrArn: string, region?: string): AlarmState {
    const alarm = this.find(nameOrArn, region);
    if (this.deleted.has(alarm.arn)) return "INSUFFICIENT_DATA";
    return this.states.get(alarm.arn) ?? "INSUFFICIENT_DATA";
  }

  /**
   * SetAlarmState: sets an alarm's state "for testing purposes"; when it differs from the current
   * one, the state's actions run (here: the transition listeners — SNS, EventBridge). It is not
   * permanent: the next evaluation that computes another state from the data moves the alarm back
   * (with no data and `treatMissingData: ignore`, the state set here is kept, as ignore keeps any state).
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html
   */
  setState(nameOrArn: string, region: string, state: AlarmState, reason: string, at: number): void {
    const alarm = this.find(nameOrArn, region);
    if (this.deleted.has(alarm.arn)) throw new Error(`no alarm ${nameOrArn} in ${region} (deleted)`);
    const from = this.states.get(alarm.arn) ?? "INSUFFICIENT_DATA";
    this.states.set(alarm.arn, state);
    this.changes.set(alarm.arn, { reason, at });
    if (state !== from) for (const l of this.listeners) l({ alarm, from, to: state, at, reason });
  }

  /**
   * DeleteAlarms: the alarm is gone — DescribeAlarms no longer lists it and nothing evaluates it.
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html
   */
  delete(nameOrArn: string, region: string): void {
    this.deleted.add(this.find(nameOrArn, region).arn);
  }

  find(nameOrArn: string, region?: string): AlarmDefinition {
    const a = this.alarms.find((x) => x.arn === nameOrArn || (x.name === nameOrArn && (region === undefined || x.region === region)));
    if (!a) throw new Error(`no alarm ${nameOrArn}${region ? ` in ${region}` : ""}`);
    return a;
  }

  /** Evaluates every alarm of `region` whose period ends at `at` (period boundaries). */
  evaluateDue(region: string, at: number): void {
    for (const alarm of this.alarms) {
      if (alarm.region !== region || at % (alarm.periodSeconds * 1000) !== 0 || this.deleted.has(alarm.arn)) continue;
      this.evaluate(alarm, at);
    }
  }

  evaluate(alarm: AlarmDefinition, at: number): void {
    const period = alarm.periodSeconds * 1000;
    const end = Math.floor(at / period) * period;
    const datapoints: (number | undefined)[] = [];
    for (let i = alarm.evaluationPeriods; i >= 1; i--) {
      const start = end - i * period;
      datapoints.push(periodValue(alarm, this.metrics, start, start + period));
    }
    const from = this.states.get(alarm.arn) ?? "INSUFFICIENT_DATA";
    const { state, reason } = evaluateWindow(alarm, datapoints, from);
    if (state === from) return;
    this.states.set(alarm.arn, state);
    this.changes.set(alarm.arn, { reason, at });
    for (const l of this.listeners) l({ alarm, from, to: state, at, reason });
  }
}
