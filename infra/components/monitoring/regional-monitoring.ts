import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { METRIC_NAMESPACE } from "../../core/lambda-permissions";
import { resourceName } from "../../core/naming";
import type { AlarmSpec } from "../../core/alarm-spec";

export type { AlarmSpec, MissingData } from "../../core/alarm-spec";
export { ROUTE53_METRICS_REGION } from "../../core/aws-facts";

export interface RegionalAlarmsArgs {
  region: string;
  environment: string;
  alertTopicArn: pulumi.Input<string>;
  alarms: AlarmSpec[];
}

/**
 * A region's CloudWatch alarms, each notifying the region's alert topic on ALARM and on OK. The
 * alarm definitions are data (infra/core/alarm-catalog.ts) so they can be reviewed and tested as a
 * table; this component only creates them.
 */
export class RegionalAlarms extends pulumi.ComponentResource {
  readonly arns: Record<string, pulumi.Output<string>>;
  readonly names: Record<string, string>;
  readonly drTriggerArns: pulumi.Output<string>[];

  constructor(name: string, args: RegionalAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:monitoring:RegionalAlarms", name, {}, opts);
    this.arns = {};
    this.names = {};
    this.drTriggerArns = [];
    const keys = new Set<string>();
    for (const spec of args.alarms) {
      if (keys.has(spec.key)) throw new Error(`alarm key "${spec.key}" is used twice in ${args.region}`);
      keys.add(spec.key);
      const alarmName = resourceName(spec.key, args.region, args.environment);
      const common = {
        region: args.region,
        name: alarmName,
        alarmDescription: spec.description,
        actionsEnabled: true,
        alarmActions: [args.alertTopicArn],
        okActions: [args.alertTopicArn],
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
        threshold: spec.threshold,
        comparisonOperator: spec.comparison,
        treatMissingData: spec.treatMissingData,
      };
      const alarm = spec.math
        ? new aws.cloudwatch.MetricAlarm(
            `${name}-${spec.key}`,
            {
              ...common,
              metricQueries: [
                ...spec.math.metrics.map((m, i) => ({
                  id: `m${i}`,
                  returnData: false,
                  metric: {
                    metricName: m.metricName,
                    namespace: m.namespace,
                    dimensions: m.dimensions,
                    stat: m.stat,
                    period: spec.periodSeconds,
                  },
                })),
                { id: "e0", expression: spec.math.expression, label: spec.key, returnData: true },
              ],
            },
            { parent: this },
          )
        : new aws.cloudwatch.MetricAlarm(
            `${name}-${spec.key}`,
            {
              ...common,
              namespace: spec.namespace,
              metricName: spec.metricName,
              dimensions: spec.dimensions,
              statistic: spec.statistic,
              period: spec.periodSeconds,
            },
            { parent: this },
          );
      this.arns[spec.key] = alarm.arn;
      this.names[spec.key] = alarmName;
      if (spec.drTrigger) this.drTriggerArns.push(alarm.arn);
    }
    this.registerOutputs({ arns: this.arns });
  }
}

export { METRIC_NAMESPACE };
