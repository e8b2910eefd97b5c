/**
 * CloudWatch through the SDK: PutMetricData (single values) and DescribeAlarms by name — the
 * failback's fence-alarm check and `drctl status` (alarms in ALARM) — with StateValue, AlarmTypes,
 * MaxRecords and NextToken as the API reference describes them
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html), and
 * GetMetricData with MetricStat queries (`drctl preflight`: whether the fence alarm has data;
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).
 * Name prefixes and action/parent/child queries are not simulated and are refused.
 */
import * as cw from "@aws-sdk/client-cloudwatch";
import type { AlarmDescription } from "./alarms";
import { ServiceError } from "../small-services";
import type { SdkBackend } from "../sdk/backend";
import { installFake } from "../sdk/plumbing";

type Input = Record<string, any>;

const STATES = ["OK", "ALARM", "INSUFFICIENT_DATA"];

function metricAlarm(d: AlarmDescription) {
  return {
    AlarmName: d.alarm.name,
    AlarmArn: d.alarm.arn,
    StateValue: d.state,
    StateReason: d.reason,
    ...(d.updatedAt !== null ? { StateUpdatedTimestamp: new Date(d.updatedAt) } : {}),
    ...(d.alarm.metric
      ? {
          Namespace: d.alarm.metric.namespace,
          MetricName: d.alarm.metric.metricName,
          Dimensions: Object.entries(d.alarm.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
          Statistic: d.alarm.metric.statistic,
        }
      : {}),
    Period: d.alarm.periodSeconds,
    EvaluationPeriods: d.alarm.evaluationPeriods,
    DatapointsToAlarm: d.alarm.datapointsToAlarm,
    Threshold: d.alarm.threshold,
    ComparisonOperator: d.alarm.comparison,
    TreatMissingData: d.alarm.treatMissingData,
    ActionsEnabled: true,
    AlarmActions: d.alarm.alarmActions,
    OKActions: d.alarm.okActions,
  };
}

/** DescribeAlarms by name: alphabetical, filtered by state, MaxRecords (1–100, default 50) per page. */
export function describeAlarms(b: SdkBackend, region: string, i: Input) {
  const names = (i.AlarmNames ?? []) as string[];
  if (names.length === 0 || i.AlarmNamePrefix || i.ActionPrefix || i.ChildrenOfAlarmName || i.ParentsOfAlarmName) {
    throw new Error("The rehearsal's DescribeAlarms takes AlarmNames (with AlarmTypes, StateValue, MaxRecords, NextToken) only");
  }
  if (names.length > 100)
    throw new ServiceError(
      "ValidationError",
      "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100",
      400,
    );
  if (i.StateValue !== undefined && !STATES.includes(i.StateValue))
    throw new ServiceError(
      "ValidationError",
      `Value '${i.StateValue}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]`,
      400,
    );
  const max = i.MaxRecords ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw new ServiceError(
      "ValidationError",
      `Value '${max}' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and 100`,
      400,
    );
  const wantsMetricAlarms = !i.AlarmTypes || (i.AlarmTypes as string[]).includes("MetricAlarm");
  const found = (wantsMetricAlarms ? b.alarms.describe(region, names) : [])
    .filter((d) => i.StateValue === undefined || d.state === i.StateValue)
    .sort((x, y) => (x.alarm.name < y.alarm.name ? -1 : x.alarm.name > y.alarm.name ? 1 : 0));
  let start = 0;
  if (i.NextToken !== undefined) {
    const after = Buffer.from(String(i.NextToken), "base64").toString("utf8");
    if (!after.startsWith("after:")) throw new ServiceError("InvalidNextToken", "The service returned an invalid next token", 400);
    start = found.findIndex((d) => d.alarm.name > after.slice("after:".length));
    if (start < 0) start = found.length;
  }
  const page = found.slice(start, start + max);
  const more = start + max < found.length;
  return {
    MetricAlarms: page.map(metricAlarm),
    CompositeAlarms: [],
    ...(more ? { NextToken: Buffer.from(`after:${page[page.length - 1].alarm.name}`).toString("base64") } : {}),
  };
}

/**
 * GetMetricData with MetricStat queries: one value per period that has data (periods without data
 * are left out, as CloudWatch does), newest first unless ScanBy is TimestampAscending; periods
 * start on multiples of the period. Metric math and Label templates are not simulated and are refused.
 */
export function getMetricData(b: SdkBackend, region: string, i: Input) {
  const start = new Date(i.StartTime).getTime();
  const end = new Date(i.EndTime).getTime();
  if (!(start < end)) throw new ServiceError("ValidationError", "The parameter StartTime must be less than the parameter EndTime.", 400);
  const results = ((i.MetricDataQueries ?? []) as Input[]).map((q) => {
    if (!q.MetricStat) throw new Error("The rehearsal's GetMetricData takes MetricStat queries only");
    const m = q.MetricStat.Metric as Input;
    const periodMs = Number(q.MetricStat.Period) * 1000;
    const dims = Object.fromEntries(((m.Dimensions ?? []) as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]));
    const points: [number, number][] = [];
    for (let t = Math.floor(start / periodMs) * periodMs; t < end; t += periodMs) {
      const value = b.metrics.stat(
        region,
        m.Namespace,
        m.MetricName,
        dims,
        Math.max(t, start),
        Math.min(t + periodMs, end),
        q.MetricStat.Stat,
      );
      if (value !== undefined) points.push([t, value]);
    }
    if (i.ScanBy !== "TimestampAscending") points.reverse();
    return {
      Id: q.Id,
      Label: m.MetricName,
      Timestamps: points.map(([t]) => new Date(t)),
      Values: points.map(([, v]) => v),
      StatusCode: "Complete",
    };
  });
  return { MetricDataResults: results, Messages: [] };
}

export function installCloudWatchFake(b: () => SdkBackend): void {
  installFake(
    {
      service: "cloudwatch",
      module: cw as unknown as Record<string, unknown>,
      client: cw.CloudWatchClient,
      commands: [
        [
          cw.PutMetricDataCommand,
          (i: Input, info) => {
            if (!i.Namespace || String(i.Namespace).startsWith("AWS/"))
              throw new ServiceError("InvalidParameterValue", `Namespace ${i.Namespace} is reserved or missing`, 400);
            for (const d of (i.MetricData ?? []) as Input[]) {
              if (d.Value === undefined) throw new Error("The rehearsal's CloudWatch takes single Value datapoints only");
              const dims = Object.fromEntries(((d.Dimensions ?? []) as { Name: string; Value: string }[]).map((x) => [x.Name, x.Value]));
              const t = d.Timestamp instanceof Date ? d.Timestamp.getTime() : b().now();
              // StorageResolution: 1 (high) or 60 (standard, the default); anything else is refused.
              const resolution = d.StorageResolution ?? 60;
              if (resolution !== 1 && resolution !== 60)
                throw new ServiceError("InvalidParameterValue", `StorageResolution must be 1 or 60, not ${resolution}`, 400);
              b().metrics.put(info.region, i.Namespace, d.MetricName, dims, Number(d.Value), t, resolution);
            }
            return {};
          },
        ],
        [cw.DescribeAlarmsCommand, (i: Input, info) => describeAlarms(b(), info.region, i)],
        [cw.GetMetricDataCommand, (i: Input, info) => getMetricData(b(), info.region, i)],
      ],
    },
    b,
  );
}
