/** Route 53 health checks, failover records and query logging (R1–R7). */
import * as aws from "@pulumi/aws";
import { QUERY_LOG_REGION } from "../../infra/core/aws-facts";
import { regionOfArn } from "../lib/arn";
import { forType, resourceRule, stackRule } from "../lib/rule";

export const healthCheckSettings = resourceRule(
  {
    id: "R1",
    name: "route53-health-check-settings",
    title:
      "Health checks are in steady state (not inverted, not disabled); endpoint checks probe HTTPS on 443 with SNI and a path, every 10 or 30 s, failing after 1-10 checks, from at least 3 regions if regions are named.",
    sources:
      "Route 53 Developer Guide (health check values; disabled checks are always healthy); Route 53 HealthCheckConfig API; PCI DSS v4.0.1 4.2.1",
  },
  forType(aws.route53.HealthCheck, (h, report) => {
    if (h.invertHealthcheck === true) report("the health check is inverted");
    if (h.disabled === true) report("the health check is disabled (Route 53 treats it as always healthy)");
    if (h.type === "HTTP" || h.type === "HTTP_STR_MATCH" || h.type === "TCP") report(`type ${h.type} is not HTTPS`);
    if (h.type !== "HTTPS" && h.type !== "HTTPS_STR_MATCH") return;
    if ((h.port ?? 443) !== 443) report(`port ${h.port} is not 443`);
    if (!h.resourcePath) report("no resource path");
    if (!h.fqdn) report("no fully qualified domain name");
    if (h.enableSni === false) report("SNI is off");
    if (![10, 30].includes(h.requestInterval ?? 30)) report(`request interval ${h.requestInterval} is not 10 or 30`);
    const threshold = h.failureThreshold ?? 3;
    if (threshold < 1 || threshold > 10) report(`failure threshold ${threshold} is outside 1-10`);
    if (h.regions !== undefined && h.regions.length < 3) report(`${h.regions.length} checker regions named; Route 53 needs at least 3`);
  }),
);

/**
 * What a silent data stream must mean for an alarm-based health check, given what it means for the
 * alarm it watches. Route 53 judges such a check by the alarm's *data stream*, not by the alarm's
 * state, so the alarm's treatMissingData does not carry over: without data the check takes its
 * insufficientDataHealthStatus. The two must agree, or the check lifts (or sets) in silence what
 * the alarm holds. `missing` (the alarm goes INSUFFICIENT_DATA) leaves the choice to the check.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html
 */
export const SILENCE_AS_THE_ALARM_TREATS_IT: Record<string, string> = {
  ignore: "LastKnownStatus",
  breaching: "Unhealthy",
  notBreaching: "Healthy",
};

export const alarmHealthChecks = stackRule(
  {
    id: "R4",
    name: "route53-alarm-health-checks",
    title:
      "Alarm-based health checks state what insufficient data means explicitly, treat silence as their alarm does (ignore: LastKnownStatus, breaching: Unhealthy, notBreaching: Healthy), and watch an existing standard-resolution alarm.",
    sources:
      "Route 53 HealthCheckConfig API (InsufficientDataHealthStatus, AlarmIdentifier: standard resolution only); Route 53 Developer Guide (alarm checks follow the data stream); CloudWatch PutMetricAlarm API (TreatMissingData)",
  },
  (stack, report) => {
    const alarms = stack.all(aws.cloudwatch.MetricAlarm).map(({ props }) => props);
    for (const { resource, props } of stack.all(aws.route53.HealthCheck)) {
      if (props.type !== "CLOUDWATCH_METRIC") continue;
      const status = props.insufficientDataHealthStatus;
      if (status !== "Healthy" && status !== "Unhealthy" && status !== "LastKnownStatus")
        report(
          `health check ${props.referenceName}: insufficientDataHealthStatus is ${status ?? "unset (the LastKnownStatus default)"}`,
          resource.urn,
        );
      const alarm = alarms.find((a) => a.name === props.cloudwatchAlarmName && a.region === props.cloudwatchAlarmRegion);
      if (!alarm) {
        report(
          `health check ${props.referenceName} watches alarm ${props.cloudwatchAlarmName} in ${props.cloudwatchAlarmRegion}, which the stack does not define`,
          resource.urn,
        );
        continue;
      }
      const expected = SILENCE_AS_THE_ALARM_TREATS_IT[alarm.treatMissingData ?? "missing"];
      if (expected && status !== undefined && status !== expected)
        report(
          `health check ${props.referenceName} is ${status} without data, but its alarm ${alarm.name} treats missing data as '${alarm.treatMissingData}': ` +
            `Route 53 follows the data stream, not the alarm state, so the check must be ${expected} or silence changes what the alarm holds`,
          resource.urn,
        );
      const periods = [alarm.period, ...(alarm.metricQueries ?? []).map((q) => q.metric?.period)].filter(
        (p): p is number => typeof p === "number",
      );
      if (periods.some((p) => p < 60))
        report(`health check ${props.referenceName} watches a high-resolution alarm (period < 60 s)`, resource.urn);
    }
  },
);

export const failoverRecords = stackRule(
  {
    id: "R5",
    name: "route53-failover-pair",
    title:
      "Failover records come in pairs (one PRIMARY, one SECONDARY, same name and type, distinct set identifiers), each guarded by a health check of this stack; endpoint checks probe the region-pinned names, not the failover name.",
    sources: "Route 53 failover routing documentation; Builders' Library (health checks); Route 53 fail-open behaviour",
  },
  (stack, report) => {
    const checks = stack.all(aws.route53.HealthCheck);
    const checkIds = new Set(checks.map(({ props }) => props.id));
    const records = stack.all(aws.route53.Record).filter(({ props }) => (props.failoverRoutingPolicies ?? []).length > 0);
    const pairs = new Map<string, typeof records>();
    for (const r of records) {
      const key = `${r.props.zoneId} ${r.props.name} ${r.props.type}`;
      pairs.set(key, [...(pairs.get(key) ?? []), r]);
    }
    for (const [key, pair] of pairs) {
      const roles = pair.map((r) => r.props.failoverRoutingPolicies?.[0]?.type).sort();
      if (JSON.stringify(roles) !== JSON.stringify(["PRIMARY", "SECONDARY"]))
        report(`failover records ${key}: ${roles.join(", ")} instead of one PRIMARY and one SECONDARY`, pair[0].resource.urn);
      if (new Set(pair.map((r) => r.props.setIdentifier)).size !== pair.length)
        report(`failover records ${key} share a set identifier`, pair[0].resource.urn);
      for (const r of pair)
        if (!r.props.healthCheckId || !checkIds.has(r.props.healthCheckId))
          report(`failover record ${key} ${r.props.failoverRoutingPolicies?.[0]?.type} has no health check of this stack`, r.resource.urn);
    }
    const failoverNames = new Set(records.map(({ props }) => String(props.name).replace(/\.$/, "")));
    for (const { resource, props } of checks) {
      if (props.fqdn && failoverNames.has(props.fqdn.replace(/\.$/, "")))
        report(
          `health check ${props.referenceName} probes the failover name ${props.fqdn}, which follows the failover itself`,
          resource.urn,
        );
    }
  },
);

export const recordTtl = resourceRule(
  {
    id: "R6",
    name: "route53-record-ttl",
    title: "Records guarded by a health check (other than aliases) have a TTL of at most 60 seconds.",
    sources: "Route 53 failover record values ('we recommend a TTL of 60 seconds or less')",
  },
  forType(aws.route53.Record, (r, report) => {
    if (!r.healthCheckId || (r.aliases ?? []).length > 0) return;
    if ((r.ttl ?? Infinity) > 60) report(`TTL ${r.ttl ?? "unset"} exceeds 60 s on a record with a health check`);
  }),
);

export const queryLogging = stackRule(
  {
    id: "R7",
    name: "route53-query-logging",
    title: `Every hosted zone the stack creates logs DNS queries, to a log group in ${QUERY_LOG_REGION} (the only region Route 53 delivers to).`,
    sources: "Security Hub Route53.2; Checkov CKV2_AWS_39",
  },
  (stack, report) => {
    const logs = stack.all(aws.route53.QueryLog).map(({ props }) => props);
    for (const { resource, props } of stack.all(aws.route53.Zone)) {
      if (!logs.some((l) => l.zoneId === props.zoneId)) report(`zone ${props.name} has no query logging`, resource.urn);
    }
    for (const { resource, props } of stack.all(aws.route53.QueryLog)) {
      if (regionOfArn(props.cloudwatchLogGroupArn) !== QUERY_LOG_REGION)
        report(`query logs go to ${regionOfArn(props.cloudwatchLogGroupArn)}, not ${QUERY_LOG_REGION}`, resource.urn);
    }
  },
);

export const route53Rules = [healthCheckSettings, alarmHealthChecks, failoverRecords, recordTtl, queryLogging];
