/**
 * Readers for the parts of the evaluated stack that need more than a field copy: alarms, event
 * rules, Route 53, the API's routes and the seed items. Each throws {@link DeploymentModelError}
 * naming what it could not find, so a change in the infra that the rehearsal does not understand
 * stops it instead of silently simulating something else.
 */
import type { CapturedResource } from "../../infra/offline/mocks";
import { fromAttributeMap } from "../dynamodb/attribute-values";
import type { AlarmDefinition, ApiDefinition, DnsRecordDefinition, EventRuleDefinition, HealthCheckDefinition, MetricQuery } from "./types";

export class DeploymentModelError extends Error {
  constructor(message: string) {
    super(`The evaluated stack does not give the rehearsal what it needs: ${message}`);
    this.name = "DeploymentModelError";
  }
}

export function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new DeploymentModelError(what);
  return value;
}

const num = (v: unknown, what: string): number => {
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) throw new DeploymentModelError(`${what} is not a number (${JSON.stringify(v)})`);
  return n;
};

export function readAlarm(r: CapturedResource): AlarmDefinition {
  const i = r.inputs;
  const name = need<string>(i.name, `alarm ${r.name} has no name`);
  const base = {
    name,
    arn: need<string>(r.state.arn, `alarm ${name} has no ARN`),
    region: need<string>(r.region, `alarm ${name} has no region`),
    evaluationPeriods: num(i.evaluationPeriods, `${name}.evaluationPeriods`),
    datapointsToAlarm: num(i.datapointsToAlarm ?? i.evaluationPeriods, `${name}.datapointsToAlarm`),
    threshold: num(i.threshold, `${name}.threshold`),
    comparison: need(i.comparisonOperator, `${name}.comparisonOperator`),
    treatMissingData: i.treatMissingData ?? "missing",
    alarmActions: i.alarmActions ?? [],
    okActions: i.okActions ?? [],
  };
  if (Array.isArray(i.metricQueries) && i.metricQueries.length > 0) {
    const queries = i.metricQueries as { id: string; expression?: string; returnData?: boolean; metric?: Record<string, any> }[];
    const returned = queries.filter((q) => q.expression !== undefined && q.returnData !== false);
    if (returned.length !== 1) throw new DeploymentModelError(`math alarm ${name} must return exactly one expression`);
    const metrics: MetricQuery[] = queries
      .filter((q) => q.metric)
      .map((q) => ({
        id: q.id,
        namespace: need(q.metric?.namespace, `${name}.${q.id}.namespace`),
        metricName: need(q.metric?.metricName, `${name}.${q.id}.metricName`),
        dimensions: { ...(q.metric?.dimensions ?? {}) },
        stat: need(q.metric?.stat, `${name}.${q.id}.stat`),
        periodSeconds: num(q.metric?.period, `${name}.${q.id}.period`),
      }));
    const periods = new Set(metrics.map((m) => m.periodSeconds));
    if (periods.size !== 1) throw new DeploymentModelError(`math alarm ${name} mixes periods`);
    return { ...base, periodSeconds: [...periods][0], math: { expression: returned[0].expression as string, metrics } };
  }
  return {
    ...base,
    periodSeconds: num(i.period, `${name}.period`),
    metric: {
      namespace: need(i.namespace, `${name}.namespace`),
      metricName: need(i.metricName, `${name}.metricName`),
      dimensions: { ...(i.dimensions ?? {}) },
      statistic: need(i.statistic, `${name}.statistic (extended statistics are not simulated)`),
    },
  };
}

export function readEventRules(rules: CapturedResource[], targets: CapturedResource[]): EventRuleDefinition[] {
  return rules.map((r) => {
    const name = need<string>(r.inputs.name, `event rule ${r.name} has no name`);
    const pattern = JSON.parse(need<string>(r.inputs.eventPattern, `event rule ${name} has no eventPattern`)) as Record<string, unknown>;
    const own = targets.filter((t) => t.inputs.rule === name && t.region === r.region);
    if (own.length === 0) throw new DeploymentModelError(`event rule ${name} has no target`);
    return {
      name,
      arn: r.state.arn,
      region: need<string>(r.region, `event rule ${name} has no region`),
      pattern,
      targets: own.map((t) => ({
        arn: t.inputs.arn,
        // EventBridge defaults: 185 attempts over 24 h.
        maximumRetryAttempts: t.inputs.retryPolicy?.maximumRetryAttempts ?? 185,
        maximumEventAgeSeconds: t.inputs.retryPolicy?.maximumEventAgeInSeconds ?? 86400,
        ...(t.inputs.deadLetterConfig?.arn ? { deadLetterArn: String(t.inputs.deadLetterConfig.arn) } : {}),
      })),
    };
  });
}

export function readHealthCheck(r: CapturedResource): HealthCheckDefinition {
  const i = r.inputs;
  const type = need<string>(i.type, `health check ${r.name} has no type`);
  const check: HealthCheckDefinition = { id: r.id, referenceName: i.referenceName ?? r.name, type: type as HealthCheckDefinition["type"] };
  switch (type) {
    case "HTTPS":
    case "HTTP":
      return {
        ...check,
        fqdn: need(i.fqdn, `health check ${r.name}.fqdn`),
        port: i.port ?? (type === "HTTPS" ? 443 : 80),
        path: i.resourcePath ?? "/",
        // Route 53 defaults: 30 s, 3 failures.
        intervalSeconds: i.requestInterval ?? 30,
        failureThreshold: i.failureThreshold ?? 3,
      };
    case "CLOUDWATCH_METRIC":
      return {
        ...check,
        alarm: {
          name: need(i.cloudwatchAlarmName, `${r.name}.cloudwatchAlarmName`),
          region: need(i.cloudwatchAlarmRegion, `${r.name}.cloudwatchAlarmRegion`),
        },
        insufficientDataHealthStatus: i.insufficientDataHealthStatus ?? "LastKnownStatus",
      };
    case "CALCULATED":
      return {
        ...check,
        children: need(i.childHealthchecks, `${r.name}.childHealthchecks`),
        childHealthThreshold: i.childHealthThreshold ?? 0,
      };
    default:
      throw new DeploymentModelError(`health check ${r.name} has type ${type}, which the rehearsal does not simulate`);
  }
}

/** `d-xxxx.execute-api.us-east-2.amazonaws.com` → us-east-2. */
function aliasRegion(target: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com\.?$/.exec(target)?.[1];
}

export function readRecord(r: CapturedResource): DnsRecordDefinition {
  const i = r.inputs;
  const alias = Array.isArray(i.aliases) && i.aliases.length > 0 ? (i.aliases[0] as { name: string }) : undefined;
  const failover = (i.failoverRoutingPolicies?.[0]?.type ?? undefined) as DnsRecordDefinition["failover"];
  return {
    name: String(need(i.name, `record ${r.name}.name`)).replace(/\.$/, ""),
    type: need(i.type, `record ${r.name}.type`),
    ...(i.setIdentifier ? { setIdentifier: i.setIdentifier } : {}),
    ...(failover ? { failover } : {}),
    ...(i.healthCheckId ? { healthCheckId: i.healthCheckId } : {}),
    values: alias ? [alias.name] : (i.records ?? []),
    ...(i.ttl !== undefined ? { ttlSeconds: num(i.ttl, `record ${r.name}.ttl`) } : {}),
    alias: alias !== undefined,
    ...(alias && aliasRegion(alias.name) ? { aliasRegion: aliasRegion(alias.name) } : {}),
  };
}

/** Routes of each REST API: resource tree + methods + AWS_PROXY integrations, and its domains. */
export function readApis(resources: CapturedResource[], functionArnByName: Map<string, string>): ApiDefinition[] {
  const of = (type: string) => resources.filter((r) => r.type === type);
  const apis: ApiDefinition[] = [];
  for (const api of of("aws:apigateway/restApi:RestApi")) {
    const region = need<string>(api.region, `REST API ${api.name} has no region`);
    const restApiId = api.id;
    const parts = new Map(
      of("aws:apigateway/resource:Resource")
        .filter((r) => r.inputs.restApi === restApiId)
        .map((r) => [r.id, r.inputs]),
    );
    const pathOf = (resourceId: string): string => {
      const part = parts.get(resourceId);
      if (!part) return ""; // the root resource
      return `${pathOf(part.parentId)}/${part.pathPart}`;
    };
    const routes = of("aws:apigateway/integration:Integration")
      .filter((i) => i.inputs.restApi === restApiId)
      .map((i) => {
        if (i.inputs.type !== "AWS_PROXY")
          throw new DeploymentModelError(`integration ${i.name} is ${i.inputs.type}; only Lambda proxy is simulated`);
        const fnArn = /functions\/(arn:[^/]+)\/invocations$/.exec(String(i.inputs.uri))?.[1];
        const arn = need(fnArn, `integration ${i.name} does not invoke a Lambda function`);
        if (![...functionArnByName.values()].includes(arn))
          throw new DeploymentModelError(`integration ${i.name} invokes ${arn}, which the stack does not deploy`);
        return {
          method: i.inputs.httpMethod,
          path: pathOf(i.inputs.resourceId) || "/",
          functionArn: arn,
          timeoutMs: i.inputs.timeoutMilliseconds ?? 29_000,
        };
      });
    const stage = need(
      of("aws:apigateway/stage:Stage").find((s) => s.inputs.restApi === restApiId),
      `REST API ${api.inputs.name} has no stage`,
    );
    const domains = of("aws:apigateway/basePathMapping:BasePathMapping")
      .filter((m) => m.inputs.restApi === restApiId)
      .map((m) => String(m.inputs.domainName));
    apis.push({ region, apiName: api.inputs.name, stageName: stage.inputs.stageName, domains, routes });
  }
  return apis;
}

/** `TableItem.item` is DynamoDB JSON; the rehearsal keeps items in native form. */
export function readSeedItem(r: CapturedResource): { table: string; region: string; item: Record<string, unknown> } {
  const item = fromAttributeMap(JSON.parse(need<string>(r.inputs.item, `table item ${r.name} has no item`)));
  return { table: need(r.inputs.tableName, `table item ${r.name}.tableName`), region: need(r.region, `table item ${r.name} region`), item };
}

/** `rate(1 minute)` → 60. */
export function rateSeconds(expression: string): number {
  const m = /^rate\((\d+) (minute|minutes|second|seconds|hour|hours)\)$/.exec(expression);
  if (!m) throw new DeploymentModelError(`schedule expression ${expression} is not a rate() the rehearsal simulates`);
  const unit = m[2].startsWith("minute") ? 60 : m[2].startsWith("hour") ? 3600 : 1;
  return Number(m[1]) * unit;
}
