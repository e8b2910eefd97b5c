/**
 * After a deploy, the running stack: each region's canary alive (its last heartbeat), Route 53's
 * health checks, the fence alarm's state and whether it has data, the DR state machines and the
 * canary schedules enabled. Names come from the stack's SSM parameters (discovery.ts).
 */
import { DescribeAlarmsCommand, GetMetricDataCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { GetScheduleCommand, ListSchedulesCommand, type ScheduleSummary } from "@aws-sdk/client-scheduler";
import { DescribeStateMachineCommand } from "@aws-sdk/client-sfn";
import { ROUTE53_API_REGION } from "../aws";
import type { Context } from "../context";
import { parameterPrefix, type RegionConfig } from "../discovery";
import { readHealthChecks } from "../status-global";
import { type CheckResult, cannotTell, check, fail, pass } from "./model";

/**
 * A canary writes heartbeat#<region> on every probe, and EventBridge Scheduler starts its ticker
 * every minute: two minutes without one means at least one whole minute of the canary missing.
 */
export const CANARY_HEARTBEAT_STALE_SECONDS = 120;

/** How many periods of the fence alarm's metric must show data. */
export const FENCE_DATA_PERIODS = 5;

/** The secondary's "primary fenced" alarm, named `primary-fenced-<region>-<env>` (infra/core/stack-environment.ts). */
const FENCE_ALARM_PREFIX = "primary-fenced-";

const missingParameter = (c: RegionConfig, name: string) =>
  `SSM parameter ${parameterPrefix(c.environment)}${name} is missing in ${c.region}: the stack is partly deployed or older than drctl`;

export function heartbeatCheck(ctx: Context, c: RegionConfig, now: number): Promise<CheckResult> {
  const base = { id: "canary-heartbeat", phase: "after-deploy" as const, region: c.region, source: "dynamodb:GetItem" };
  return check(base, async () => {
    const table = ctx.aws.controlTable(c.region, c.controlTable);
    const heartbeat = await ctx.aws.call(c.region, "dynamodb:GetItem", () => table.getHeartbeat(c.region));
    const action = `the canary is not running in ${c.region}: check its schedule and state machine (below), then the canary function's logs`;
    if (!heartbeat) return fail(base, `no heartbeat#${c.region} in ${c.controlTable}: the canary has never run here`, action);
    const age = Math.round((now - heartbeat.writtenAt) / 100) / 10;
    const at = new Date(heartbeat.writtenAt).toISOString();
    if (age > CANARY_HEARTBEAT_STALE_SECONDS)
      return fail(base, `last heartbeat ${age} s ago (${at}); more than ${CANARY_HEARTBEAT_STALE_SECONDS} s is a dead canary`, action);
    return pass(base, `last heartbeat ${age} s ago (${at})`);
  });
}

export function stateMachineCheck(ctx: Context, c: RegionConfig): Promise<CheckResult> {
  const base = { id: "state-machines", phase: "after-deploy" as const, region: c.region, source: "states:DescribeStateMachine" };
  return check(base, async () => {
    const arns = [c.stateMachineArn, c.parameters["dr/canary-ticker-arn"]];
    const names = ["dr/state-machine-arn", "dr/canary-ticker-arn"];
    const missing = names.filter((_, i) => arns[i] === undefined);
    if (missing.length > 0) return fail(base, missing.map((m) => missingParameter(c, m)).join("; "), "run pulumi up");
    const found = await Promise.all(
      (arns as string[]).map((arn) =>
        ctx.aws.call(c.region, "states:DescribeStateMachine", (abortSignal) =>
          ctx.aws.sfn(c.region).send(new DescribeStateMachineCommand({ stateMachineArn: arn }), { abortSignal }),
        ),
      ),
    );
    const detail = found.map((m) => `${m.name} ${m.status}`).join(", ");
    if (found.every((m) => m.status === "ACTIVE")) return pass(base, detail);
    return fail(base, detail, "a state machine is being deleted: run pulumi up to recreate it");
  });
}

const MAX_SCHEDULE_PAGES = 20;

/** The schedule that starts the canary ticker: found by its target (SSM dr/canary-ticker-arn), then read with GetSchedule. */
export function scheduleCheck(ctx: Context, c: RegionConfig): Promise<CheckResult> {
  const base = {
    id: "canary-schedule",
    phase: "after-deploy" as const,
    region: c.region,
    source: "scheduler:ListSchedules, scheduler:GetSchedule",
  };
  return check(base, async () => {
    const ticker = c.parameters["dr/canary-ticker-arn"];
    if (ticker === undefined) return fail(base, missingParameter(c, "dr/canary-ticker-arn"), "run pulumi up");
    let schedule: ScheduleSummary | undefined;
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_SCHEDULE_PAGES && !schedule; page += 1) {
      const out = await ctx.aws.call(c.region, "scheduler:ListSchedules", (abortSignal) =>
        ctx.aws.scheduler(c.region).send(new ListSchedulesCommand({ NextToken: nextToken }), { abortSignal }),
      );
      schedule = out.Schedules?.find((s) => s.Target?.Arn === ticker);
      nextToken = out.NextToken;
      if (!nextToken) break;
    }
    if (!schedule?.Name)
      return fail(base, `no schedule in ${c.region} starts ${ticker}`, "run pulumi up: the stack creates the canary's schedule");
    const name = schedule.Name;
    const group = schedule.GroupName;
    const out = await ctx.aws.call(c.region, "scheduler:GetSchedule", (abortSignal) =>
      ctx.aws.scheduler(c.region).send(new GetScheduleCommand({ Name: name, GroupName: group }), { abortSignal }),
    );
    const detail = `${group}/${name} ${out.State}, ${out.ScheduleExpression ?? "?"}`;
    if (out.State === "ENABLED") return pass(base, detail);
    return fail(base, detail, `enable it: without it the canary never runs (pulumi up restores the ENABLED state the stack declares)`);
  });
}

/**
 * The secondary's fence alarm: its state, and whether its metric (PrimaryFenced, which the
 * secondary's canary publishes on every probe) has data in the last periods. The alarm treats
 * missing data as "ignore", so its state alone does not show a silent canary.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */
export function fenceAlarmCheck(ctx: Context, c: RegionConfig, now: number): Promise<CheckResult> {
  const base = {
    id: "fence-alarm",
    phase: "after-deploy" as const,
    region: c.region,
    source: "cloudwatch:DescribeAlarms, cloudwatch:GetMetricData",
  };
  return check(base, async () => {
    const name = c.alarmNames?.find((n) => n.startsWith(FENCE_ALARM_PREFIX));
    if (name === undefined) return fail(base, `no ${FENCE_ALARM_PREFIX}* alarm in dr/alarm-names of ${c.region}`, "run pulumi up");
    const described = await ctx.aws.call(c.region, "cloudwatch:DescribeAlarms", (abortSignal) =>
      ctx.aws.cloudwatch(c.region).send(new DescribeAlarmsCommand({ AlarmNames: [name] }), { abortSignal }),
    );
    const alarm: MetricAlarm | undefined = described.MetricAlarms?.[0];
    if (!alarm) return fail(base, `alarm ${name} does not exist in ${c.region}`, "run pulumi up");
    const period = alarm.Period ?? 60;
    const data = await ctx.aws.call(c.region, "cloudwatch:GetMetricData", (abortSignal) =>
      ctx.aws.cloudwatch(c.region).send(
        new GetMetricDataCommand({
          StartTime: new Date(now - FENCE_DATA_PERIODS * period * 1000),
          EndTime: new Date(now),
          MetricDataQueries: [
            {
              Id: "fenced",
              MetricStat: {
                Metric: { Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions },
                Period: period,
                Stat: alarm.Statistic ?? "Maximum",
              },
            },
          ],
        }),
        { abortSignal },
      ),
    );
    const values = data.MetricDataResults?.[0]?.Values ?? [];
    const window = `${FENCE_DATA_PERIODS} periods of ${period} s`;
    const state = alarm.StateValue ?? "?";
    const seen = values.length > 0 ? `${values.length} datapoint(s) of ${alarm.MetricName} in the last ${window}, latest ${values[0]}` : "";
    if (state === "ALARM")
      return fail(
        base,
        `${name} is ALARM: the primary is fenced, Route 53 serves the secondary${seen ? `; ${seen}` : ""}`,
        "if no failover or drill is under way: drctl status, then drctl failback when the primary is healthy",
      );
    if (values.length === 0)
      return fail(
        base,
        `${name} is ${state}, but ${alarm.MetricName} has no data in the last ${window}: the secondary's canary is not publishing it, and the primary's guard holds its last status`,
        `the canary in ${c.region} publishes ${alarm.MetricName} on every probe: check the canary checks of ${c.region}`,
      );
    if (state === "OK") return pass(base, `${name} OK; ${seen}`);
    return cannotTell(base, `${name} is ${state}; ${seen}`, "it leaves INSUFFICIENT_DATA at its next evaluation (a minute); ask again");
  });
}

/** Every Route 53 health check in dns/health-check-ids (GetHealthCheckStatus is served from us-east-1 only). */
export async function healthCheckChecks(ctx: Context, c: RegionConfig): Promise<CheckResult[]> {
  const source = "route53:GetHealthCheckStatus";
  if (!c.healthCheckIds)
    return [
      fail(
        { id: "health-checks", phase: "after-deploy", region: null, source },
        missingParameter(c, "dns/health-check-ids"),
        "run pulumi up",
      ),
    ];
  const status = await readHealthChecks(ctx, c.healthCheckIds);
  return status.checks.map((h) => {
    const base = { id: `health-check:${h.name}`, phase: "after-deploy" as const, region: null, source };
    if (h.status === "healthy") return pass(base, `${h.id}: ${h.detail}`);
    if (h.status === "unhealthy")
      return fail(
        base,
        `${h.id}: ${h.detail}`,
        h.name.toLowerCase().includes("fence") || h.name.toLowerCase().includes("guard")
          ? "the primary is fenced or its endpoint is down: see fence-alarm, then drctl status"
          : "its endpoint's /health fails: drctl status, and the region's API and health function",
      );
    return cannotTell(
      base,
      `${h.id}: ${h.detail}`,
      status.reachable === false
        ? `Route 53's API is served from ${ROUTE53_API_REGION} only; ask again when it answers (DNS failover itself does not need it)`
        : "ask again",
    );
  });
}
