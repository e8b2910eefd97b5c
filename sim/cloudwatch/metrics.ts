/**
 * CloudWatch metrics per region: PutMetricData points (standard or high resolution) kept per
 * metric identity (namespace, name, exact dimension set — as CloudWatch keys them), and the
 * statistics an alarm asks for over a period.
 */
export interface MetricPoint {
  t: number;
  value: number;
}

export type Statistic = "Sum" | "Average" | "Maximum" | "Minimum" | "SampleCount";

export function metricKey(region: string, namespace: string, name: string, dimensions: Record<string, string>): string {
  const dims = Object.entries(dimensions)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return `${region}|${namespace}|${name}|${dims}`;
}

export function statistic(values: number[], stat: string): number | undefined {
  if (values.length === 0) return undefined;
  switch (stat) {
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "Maximum":
      return Math.max(...values);
    case "Minimum":
      return Math.min(...values);
    case "SampleCount":
      return values.length;
    default:
      throw new Error(`The rehearsal's CloudWatch does not compute the statistic ${stat}`);
  }
}

export class MetricStore {
  private readonly series = new Map<string, MetricPoint[]>();
  private readonly listeners: ((
    region: string,
    namespace: string,
    name: string,
    dimensions: Record<string, string>,
    value: number,
  ) => void)[] = [];

  onPut(listener: (region: string, namespace: string, name: string, dimensions: Record<string, string>, value: number) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Stores one datapoint. `storageResolutionSeconds` 60 (standard resolution, PutMetricData's and
   * EMF's default) keeps it at one-minute granularity: the point is stored at the start of its
   * minute, so a period of 10, 20 or 30 s sees it only in the period that starts the minute and gets
   * no data in the others — "the alarm still attempts to gather data at the period rate that you
   * specify. In this case, it does not receive data for the attempts that do not correspond to a
   * one-minute data resolution"
   * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html, Period).
   * 1 (high resolution) keeps the timestamp. Left out (the AWS/* metrics the simulated services
   * publish), the timestamp is kept: every alarm on those uses periods of 60 s or more, where the
   * difference does not show.
   */
  put(
    region: string,
    namespace: string,
    name: string,
    dimensions: Record<string, string>,
    value: number,
    at: number,
    storageResolutionSeconds?: 1 | 60,
  ): void {
    if (!Number.isFinite(value)) throw new Error(`metric ${namespace}/${name} got a non-finite value`);
    const t = storageResolutionSeconds === 60 ? Math.floor(at / 60_000) * 60_000 : at;
    const key = metricKey(region, namespace, name, dimensions);
    const points = this.series.get(key) ?? [];
    // Points arrive nearly in order; keep them sorted for range queries.
    let i = points.length;
    while (i > 0 && points[i - 1].t > t) i--;
    points.splice(i, 0, { t, value });
    this.series.set(key, points);
    for (const l of this.listeners) l(region, namespace, name, dimensions, value);
  }

  /** The statistic of the points in [start, end), or undefined when there are none. */
  stat(
    region: string,
    namespace: string,
    name: string,
    dimensions: Record<string, string>,
    start: number,
    end: number,
    stat: string,
  ): number | undefined {
    const points = this.series.get(metricKey(region, namespace, name, dimensions));
    if (!points) return undefined;
    const values: number[] = [];
    for (let i = points.length - 1; i >= 0 && points[i].t >= start; i--) if (points[i].t < end) values.push(points[i].value);
    return statistic(values, stat);
  }

  /** Latest point of a metric, for reports. */
  last(region: string, namespace: string, name: string, dimensions: Record<string, string>): MetricPoint | undefined {
    return this.series.get(metricKey(region, namespace, name, dimensions))?.at(-1);
  }
}
