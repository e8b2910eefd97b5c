/**
 * Turns the offline evaluation of the Pulumi program (infra/offline/evaluate.ts) into the typed
 * {@link Deployment} the rehearsal simulates: handler environments, the rendered ASL, alarms,
 * EventBridge rules, Route 53 health checks and records (TTL), tables and seed items, queues,
 * topics, buckets, parameters, event-source mappings and API routes — exactly as deployed.
 * Anything it needs and cannot find throws a DeploymentModelError naming it.
 */
import { join } from "node:path";
import type { Evaluation } from "../../infra/offline/evaluate";
import type { CapturedResource } from "../../infra/offline/mocks";
import { allFunctions, handlerEntry } from "../../lib/handlers";
import type { AslDefinition } from "../../state-machines/render";
import {
  DeploymentModelError,
  need,
  rateSeconds,
  readAlarm,
  readApis,
  readEventRules,
  readHealthCheck,
  readRecord,
  readSeedItem,
} from "./parts";
import { readIam } from "./iam";
import { readExperimentTemplates, readSubnets } from "./experiment-templates";
import { readRouteTables, readVpcEndpoints } from "./vpc-endpoints";
import type { Deployment, FunctionSpec, StateMachineDefinition } from "./types";

/** The repository root: handler entries in the registry are relative to it. */
const ROOT = join(__dirname, "..", "..");

export type { Deployment } from "./types";
export { DeploymentModelError } from "./parts";

const T = {
  fn: "aws:lambda/function:Function",
  machine: "aws:sfn/stateMachine:StateMachine",
  schedule: "aws:scheduler/schedule:Schedule",
  scheduleGroup: "aws:scheduler/scheduleGroup:ScheduleGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  healthCheck: "aws:route53/healthCheck:HealthCheck",
  record: "aws:route53/record:Record",
  zone: "aws:route53/zone:Zone",
  table: "aws:dynamodb/table:Table",
  tableItem: "aws:dynamodb/tableItem:TableItem",
  queue: "aws:sqs/queue:Queue",
  topic: "aws:sns/topic:Topic",
  bucket: "aws:s3/bucket:Bucket",
  parameter: "aws:ssm/parameter:Parameter",
  mapping: "aws:lambda/eventSourceMapping:EventSourceMapping",
  invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  role: "aws:iam/role:Role",
} as const;

function functions(resources: CapturedResource[], environment: string): FunctionSpec[] {
  const handlers = new Map(allFunctions.map((f) => [f.name, join(ROOT, handlerEntry(f.name))]));
  return resources
    .filter((r) => r.type === T.fn)
    .map((r) => {
      const name = need<string>(r.inputs.name, `Lambda function ${r.name} has no name`);
      const region = need<string>(r.region, `Lambda function ${name} has no region`);
      const suffix = `-${region}-${environment}`;
      if (!name.endsWith(suffix)) throw new DeploymentModelError(`Lambda function ${name} does not follow {handler}${suffix}`);
      const handler = name.slice(0, -suffix.length);
      const modulePath = need(handlers.get(handler), `Lambda function ${name}: no handler "${handler}" in the registry (lib/handlers)`);
      return {
        name,
        arn: need<string>(r.state.arn, `Lambda function ${name} has no ARN`),
        region,
        handler,
        modulePath,
        env: { ...(r.inputs.environment?.variables ?? {}) } as Record<string, string>,
        timeoutSeconds: r.inputs.timeout ?? 3,
        reservedConcurrency: r.inputs.reservedConcurrentExecutions ?? null,
        roleArn: need<string>(r.inputs.role, `Lambda function ${name} has no role`),
        ...(r.inputs.vpcConfig?.subnetIds ? { subnetIds: [...(r.inputs.vpcConfig.subnetIds as string[])] } : {}),
      };
    });
}

function stateMachines(resources: CapturedResource[]): StateMachineDefinition[] {
  return resources
    .filter((r) => r.type === T.machine)
    .map((r) => {
      const name = need<string>(r.inputs.name, `state machine ${r.name} has no name`);
      const json = need<string>(r.inputs.definition, `state machine ${name} has no definition`);
      return {
        name,
        arn: need<string>(r.state.arn, `state machine ${name} has no ARN`),
        region: need<string>(r.region, `state machine ${name} has no region`),
        type: (r.inputs.type ?? "STANDARD") as "STANDARD" | "EXPRESS",
        definition: JSON.parse(json) as AslDefinition,
        ...(typeof r.inputs.roleArn === "string" ? { roleArn: r.inputs.roleArn } : {}),
      };
    });
}

/** MRSC when the replicas say STRONG (they must all agree: AWS refuses mixed modes), with its witness. */
function tableConsistency(r: CapturedResource): { consistency: "EVENTUAL" | "STRONG"; witness?: string } {
  const modes = new Set(((r.inputs.replicas ?? []) as { consistencyMode?: string }[]).map((x) => x.consistencyMode ?? "EVENTUAL"));
  if (modes.size > 1)
    throw new DeploymentModelError(`table ${r.inputs.name} mixes consistency modes (${[...modes].join(", ")}); AWS refuses that`);
  if (!modes.has("STRONG")) return { consistency: "EVENTUAL" };
  const witness = (r.inputs.globalTableWitness as { regionName?: string } | undefined)?.regionName;
  const replicaCount = 1 + ((r.inputs.replicas ?? []) as unknown[]).length;
  if (!witness && replicaCount < 3) throw new DeploymentModelError(`MRSC table ${r.inputs.name} needs a witness or three replicas`);
  return { consistency: "STRONG", ...(witness ? { witness } : {}) };
}

function accountIdOf(out: Evaluation["outputs"]): string {
  return need<string>(
    /^arn:aws:iam::(\d{12}):/.exec(String(out.drOperationsRoleArn ?? ""))?.[1],
    "stack output drOperationsRoleArn (the account id comes from it)",
  );
}

export function deploymentFromEvaluation(ev: Evaluation): Deployment {
  const all = ev.resources;
  const of = (type: string) => all.filter((r) => r.type === type);
  const out = ev.outputs;
  const environment = need<string>(out.environment, "stack output environment");
  const primaryRegion = need<string>(out.regions?.primary, "stack output regions.primary");
  const secondaryRegion = need<string>(out.regions?.secondary, "stack output regions.secondary");
  const zone = need(of(T.zone)[0], "a Route 53 hosted zone (an existing zone is not simulated yet)");
  const fns = functions(all, environment);
  const machines = stateMachines(all);
  const tables = of(T.table).map((r) => ({
    name: need<string>(r.inputs.name, `table ${r.name} has no name`),
    hashKey: need<string>(r.inputs.hashKey, `table ${r.name} has no hashKey`),
    regions: [
      need<string>(r.region, `table ${r.name} has no region`),
      ...((r.inputs.replicas ?? []) as { regionName: string }[]).map((x) => x.regionName),
    ],
    streamEnabled: r.inputs.streamEnabled === true,
    ...tableConsistency(r),
    // Point-in-time recovery as the program enables it: on the table (its own region) and per replica.
    pointInTimeRecovery: [
      ...(r.inputs.pointInTimeRecovery?.enabled === true ? [need<string>(r.region, `table ${r.name} has no region`)] : []),
      ...((r.inputs.replicas ?? []) as { regionName: string; pointInTimeRecovery?: boolean }[])
        .filter((x) => x.pointInTimeRecovery === true)
        .map((x) => x.regionName),
    ],
  }));
  const deployment: Deployment = {
    stack: ev.stack,
    environment,
    accountId: accountIdOf(out),
    primaryRegion,
    secondaryRegion,
    regions: [primaryRegion, secondaryRegion],
    objectives: {
      rpoSeconds: need<number>(out.objectives?.rpoSeconds, "stack output objectives.rpoSeconds"),
      rtoSeconds: need<number>(out.objectives?.rtoSeconds, "stack output objectives.rtoSeconds"),
    },
    zone: { name: zone.inputs.name, id: zone.state.zoneId, nameServers: need<string[]>(zone.state.nameServers, "the zone's name servers") },
    failoverName: new URL(need<string>(out.failoverApiEndpoint, "stack output failoverApiEndpoint")).hostname,
    witnessName: `_region.${new URL(out.failoverApiEndpoint).hostname}`,
    functions: fns,
    stateMachines: machines,
    schedules: of(T.schedule).map((r) => ({
      name: r.inputs.name,
      region: need<string>(r.region, `schedule ${r.name} has no region`),
      rateSeconds: rateSeconds(need<string>(r.inputs.scheduleExpression, `schedule ${r.name}.scheduleExpression`)),
      targetArn: need<string>(r.inputs.target?.arn, `schedule ${r.name}.target.arn`),
      input: r.inputs.target?.input ?? "{}",
      roleArn: need<string>(r.inputs.target?.roleArn, `schedule ${r.name}.target.roleArn`),
      groupArn: need<string>(
        of(T.scheduleGroup).find((g) => g.inputs.name === (r.inputs.groupName ?? "default") && g.region === r.region)?.state.arn ??
          (r.inputs.groupName ? undefined : `arn:aws:scheduler:${r.region}:${accountIdOf(out)}:schedule-group/default`),
        `schedule ${r.name}'s group ${r.inputs.groupName}`,
      ),
      // The API reference gives RetryPolicy no default; absent, the ranges' maxima (185 retries, 24 h).
      // https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html
      retryPolicy: {
        maximumRetryAttempts: r.inputs.target?.retryPolicy?.maximumRetryAttempts ?? 185,
        maximumEventAgeSeconds: r.inputs.target?.retryPolicy?.maximumEventAgeInSeconds ?? 86_400,
      },
      ...(r.inputs.target?.deadLetterConfig?.arn ? { deadLetterArn: r.inputs.target.deadLetterConfig.arn as string } : {}),
    })),
    alarms: of(T.alarm).map(readAlarm),
    eventRules: readEventRules(of(T.rule), of(T.target)),
    healthChecks: of(T.healthCheck).map(readHealthCheck),
    records: of(T.record).map(readRecord),
    tables,
    seedItems: of(T.tableItem).map(readSeedItem),
    queues: of(T.queue).map((r) => {
      const redrive = r.inputs.redrivePolicy
        ? (JSON.parse(r.inputs.redrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number })
        : undefined;
      return {
        name: r.inputs.name,
        url: need<string>(r.state.url, `queue ${r.name} has no URL`),
        arn: need<string>(r.state.arn, `queue ${r.name} has no ARN`),
        region: need<string>(r.region, `queue ${r.name} has no region`),
        visibilityTimeoutSeconds: r.inputs.visibilityTimeoutSeconds ?? 30,
        ...(redrive ? { redrive: { deadLetterArn: redrive.deadLetterTargetArn, maxReceiveCount: redrive.maxReceiveCount } } : {}),
      };
    }),
    topics: of(T.topic).map((r) => ({ name: r.inputs.name, arn: r.state.arn, region: need<string>(r.region, `topic ${r.name} region`) })),
    buckets: of(T.bucket).map((r) => ({
      name: r.inputs.bucket,
      region: need<string>(r.region, `bucket ${r.name} region`),
      objectLock: r.inputs.objectLockEnabled === true,
    })),
    parameters: of(T.parameter).map((r) => ({
      name: r.inputs.name,
      value: String(r.inputs.value),
      region: need<string>(r.region, `parameter ${r.name} region`),
    })),
    eventSourceMappings: of(T.mapping).map((r) => {
      const source = need<string>(r.inputs.eventSourceArn, `event source mapping ${r.name}.eventSourceArn`);
      return {
        region: need<string>(r.region, `event source mapping ${r.name} region`),
        functionArn: need<string>(r.inputs.functionName, `event source mapping ${r.name}.functionName`),
        sourceArn: source,
        kind: source.startsWith("arn:aws:sqs:") ? ("sqs" as const) : ("dynamodb-stream" as const),
        batchSize: r.inputs.batchSize ?? 10,
        filters: ((r.inputs.filterCriteria?.filters ?? []) as { pattern: string }[]).map(
          (f) => JSON.parse(f.pattern) as Record<string, unknown>,
        ),
        ...(r.inputs.maximumRetryAttempts !== undefined ? { maximumRetryAttempts: r.inputs.maximumRetryAttempts } : {}),
        ...(r.inputs.scalingConfig?.maximumConcurrency ? { maximumConcurrency: r.inputs.scalingConfig.maximumConcurrency } : {}),
        ...(r.inputs.destinationConfig?.onFailure?.destinationArn
          ? { onFailureArn: r.inputs.destinationConfig.onFailure.destinationArn }
          : {}),
        reportBatchItemFailures: (r.inputs.functionResponseTypes ?? []).includes("ReportBatchItemFailures"),
      };
    }),
    asyncInvokeConfigs: of(T.invokeConfig).map((r) => ({
      functionName: r.inputs.functionName,
      region: need<string>(r.region, `invoke config ${r.name} region`),
      maximumRetryAttempts: r.inputs.maximumRetryAttempts ?? 2,
      maximumEventAgeSeconds: r.inputs.maximumEventAgeInSeconds ?? 21600,
    })),
    apis: readApis(all, new Map(fns.map((f) => [f.name, f.arn]))),
    roleArns: of(T.role).map((r) => r.state.arn),
    drOperationsRoleArn: out.drOperationsRoleArn,
    experimentTemplates: readExperimentTemplates(all),
    subnets: readSubnets(all, accountIdOf(out), readRouteTables(all)),
    vpcEndpoints: readVpcEndpoints(all),
    iam: readIam(all),
  };
  checkCompleteness(deployment);
  return deployment;
}

/** The pieces every scenario depends on, per region. */
function checkCompleteness(d: Deployment): void {
  for (const region of d.regions) {
    const dr = drMachine(d, region);
    if (!dr.definition.States?.ValidateInput) throw new DeploymentModelError(`${dr.name} is not the DR runbook machine`);
    tickerMachine(d, region);
    need(
      d.schedules.find((s) => s.region === region && d.stateMachines.some((m) => m.arn === s.targetArn)),
      `a schedule that starts a state machine in ${region}`,
    );
    need(
      d.eventRules.find((r) => r.region === region),
      `an EventBridge rule for the DR alarms of ${region}`,
    );
    need(
      d.apis.find((a) => a.region === region),
      `a REST API in ${region}`,
    );
    for (const handler of ["create-payment", "health", "canary", "start-execution"]) fn(d, region, handler);
  }
  need(d.healthChecks.length > 0 ? d.healthChecks : undefined, "Route 53 health checks");
  need(
    d.records.find((r) => r.name === d.witnessName && r.failover),
    `the failover witness record ${d.witnessName}`,
  );
  need(
    d.records.find((r) => r.name === d.failoverName && r.failover),
    `the failover record ${d.failoverName}`,
  );
  need(d.seedItems.length > 0 ? d.seedItems : undefined, "the control table's seed items (region records)");
}

export function fn(d: Deployment, region: string, handler: string): FunctionSpec {
  return need(
    d.functions.find((f) => f.region === region && f.handler === handler),
    `the ${handler} function in ${region}`,
  );
}

export function drMachine(d: Deployment, region: string): StateMachineDefinition {
  return need(
    d.stateMachines.find((m) => m.region === region && m.type === "STANDARD"),
    `the DR state machine (STANDARD) in ${region}`,
  );
}

export function tickerMachine(d: Deployment, region: string): StateMachineDefinition {
  return need(
    d.stateMachines.find((m) => m.region === region && m.type === "EXPRESS"),
    `the canary ticker state machine (EXPRESS) in ${region}`,
  );
}

export function peerOf(d: Deployment, region: string): string {
  return region === d.primaryRegion ? d.secondaryRegion : d.primaryRegion;
}

/** Where the rehearsal writes its reports: reports/ at the repository root (gitignored), or REHEARSAL_REPORTS_DIR. */
export const REPORTS_DIR = process.env.REHEARSAL_REPORTS_DIR ?? join(ROOT, "reports");

/** "strong" when every global table is MRSC (dataConsistency: strong), else "eventual". */
export function dataConsistencyOf(d: Deployment): "strong" | "eventual" {
  return d.tables.length > 0 && d.tables.every((t) => t.consistency === "STRONG") ? "strong" : "eventual";
}
