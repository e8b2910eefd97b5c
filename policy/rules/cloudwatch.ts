/** CloudWatch Logs and alarms (C1–C3). */
import * as aws from "@pulumi/aws";
import { isKmsKeyArn, parseArn, regionOfArn } from "../lib/arn";
import { principalsOf, statementsOf } from "../lib/documents";
import { forType, resourceRule, stackRule } from "../lib/rule";
import { configWithDefaults, DEFAULT_MINIMUM_LOG_RETENTION_DAYS, LOG_RETENTION_CONFIG_SCHEMA, type LogRetentionConfig } from "../config";

export const logRetentionKms = resourceRule(
  {
    id: "C1",
    name: "cloudwatch-log-retention-kms",
    title:
      "Log groups keep logs at least the configured number of days (default 365) and are encrypted with a customer-managed key of their region.",
    sources:
      "Security Hub CloudWatch.16; Checkov CKV_AWS_66, CKV_AWS_158, CKV_AWS_338; cfn-nag W84/W86; Trivy AVD-AWS-0017; PCI DSS v4.0.1 10.5.1",
    configSchema: LOG_RETENTION_CONFIG_SCHEMA,
  },
  forType(aws.cloudwatch.LogGroup, (g, report, args) => {
    const { minimumRetentionDays } = configWithDefaults<LogRetentionConfig>(args, {
      minimumRetentionDays: DEFAULT_MINIMUM_LOG_RETENTION_DAYS,
    });
    if (g.retentionInDays === undefined || g.retentionInDays === 0)
      report(`retention is not set: logs never expire (choose at least ${minimumRetentionDays} days)`);
    else if (g.retentionInDays < minimumRetentionDays) report(`retention is ${g.retentionInDays} days, below ${minimumRetentionDays}`);
    if (!isKmsKeyArn(g.kmsKeyId)) report("the log group is not encrypted with a customer-managed key (full key ARN)");
    else if (regionOfArn(g.kmsKeyId) !== g.region) report(`the log group in ${g.region} uses a key of ${regionOfArn(g.kmsKeyId)}`);
  }),
);

export const logShipping = stackRule(
  {
    id: "C2",
    name: "cloudwatch-cross-region-log-shipping",
    title:
      "Every log group is subscribed to a Logs destination of its region that delivers into the other region, and destination policies admit only this account.",
    sources: "PCI DSS v4.0.1 10.3.3 (logs backed up centrally); CloudWatch Logs cross-region subscription documentation",
  },
  (stack, report) => {
    const filters = stack.all(aws.cloudwatch.LogSubscriptionFilter).map(({ props }) => props);
    for (const { resource, props } of stack.all(aws.cloudwatch.LogGroup)) {
      const shipped = filters.some((f) => {
        if (f.logGroup !== props.name || f.region !== props.region) return false;
        const destination = stack.byArn(f.destinationArn);
        return destination?.props.region === props.region && regionOfArn(destination.props.targetArn) !== props.region;
      });
      if (!shipped) report(`log group ${props.name} (${props.region}) is not shipped to the other region`, resource.urn);
    }
    for (const { resource, props } of stack.all(aws.cloudwatch.LogDestinationPolicy)) {
      const destination = stack
        .all(aws.cloudwatch.LogDestination)
        .find((d) => d.props.name === props.destinationName && d.props.region === props.region);
      const account = parseArn(destination?.props.arn)?.account;
      for (const s of statementsOf(props.accessPolicy)) {
        const p = principalsOf(s);
        const own = (a: string) => account !== undefined && (a === account || a === `arn:aws:iam::${account}:root`);
        if (s.Effect === "Allow" && (p.anyone || p.service.length > 0 || p.aws.some((a) => !own(a)))) {
          report(
            `the policy of destination ${props.destinationName} admits ${JSON.stringify(s.Principal)}, not only account ${account ?? "(unknown)"}`,
            resource.urn,
          );
        }
      }
    }
  },
);

/** Namespaces whose alarms AWS evaluates as "missing data ignored" whatever they say (CloudWatch PutMetricAlarm). */
const IGNORES_MISSING_DATA = ["AWS/DynamoDB"];

export const alarmActions = resourceRule(
  {
    id: "C3",
    name: "cloudwatch-alarm-actions",
    title:
      "Alarms notify someone (actions enabled, at least one alarm action) and state how missing data is treated; no AWS/DynamoDB alarm relies on 'breaching'; periods are ones CloudWatch accepts (10, 20, 30 s or a multiple of 60) and M of N has M ≤ N.",
    sources: "Security Hub CloudWatch.15 and CloudWatch.17; Checkov CKV_AWS_319; CloudWatch PutMetricAlarm API",
  },
  [
    forType(aws.cloudwatch.MetricAlarm, (a, report) => {
      if (a.actionsEnabled === false) report("alarm actions are disabled");
      if ((a.alarmActions ?? []).length === 0) report("the alarm has no alarm action");
      if (!a.treatMissingData) report("treatMissingData is not stated (the default 'missing' is rarely what a DR alarm means)");
      const namespaces = [a.namespace, ...(a.metricQueries ?? []).map((q) => q.metric?.namespace)];
      if (a.treatMissingData === "breaching" && namespaces.some((n) => n && IGNORES_MISSING_DATA.includes(n)))
        report("AWS/DynamoDB alarms ignore missing data; 'breaching' never happens");
      // PutMetricAlarm, Period: "Valid values are 10, 20, 30, and any multiple of 60" (10–30 s only for
      // high-resolution metrics; that the metric is one is checked where it is published, test/sim/emf-alarms.test.ts).
      const periods = [a.period, ...(a.metricQueries ?? []).map((q) => q.metric?.period)].filter((p): p is number => p !== undefined);
      for (const p of periods)
        if (![10, 20, 30].includes(p) && p % 60 !== 0) report(`period ${p} s: CloudWatch accepts 10, 20, 30 or a multiple of 60`);
      if (a.datapointsToAlarm !== undefined && a.evaluationPeriods !== undefined && a.datapointsToAlarm > a.evaluationPeriods)
        report(`datapointsToAlarm ${a.datapointsToAlarm} exceeds evaluationPeriods ${a.evaluationPeriods}: the alarm can never fire`);
    }),
    forType(aws.cloudwatch.CompositeAlarm, (a, report) => {
      if (a.actionsEnabled === false) report("alarm actions are disabled");
      if ((a.alarmActions ?? []).length === 0) report("the alarm has no alarm action");
    }),
  ],
);

export const cloudWatchRules = [logRetentionKms, logShipping, alarmActions];
