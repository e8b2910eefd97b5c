import type * as pulumi from "@pulumi/pulumi";

/** One CloudWatch alarm, as the alarm catalogue describes it and the monitoring component creates it. */
export type MissingData = "breaching" | "notBreaching" | "ignore" | "missing";

export interface AlarmSpec {
  /** Short key, unique in the region; also the `{service}` slot of the alarm name. */
  key: string;
  description: string;
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, pulumi.Input<string>>;
  statistic?: "Sum" | "Average" | "Maximum" | "Minimum";
  /** Metric math instead of one metric: ids m0..mN for `metrics`, one expression returned. */
  math?: {
    expression: string;
    metrics: { metricName: string; namespace: string; dimensions: Record<string, pulumi.Input<string>>; stat: string }[];
  };
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold: number;
  comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";
  /** Always chosen deliberately: the reason is in `description`. */
  treatMissingData: MissingData;
  /** Alarms whose state changes start this region's DR state machine. */
  drTrigger?: boolean;
}
