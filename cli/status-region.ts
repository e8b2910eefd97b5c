/**
 * `drctl status`, one region: what that region's own replica and APIs say. Every part is read
 * independently, so a denied or failing call costs its own field, not the region.
 */
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { ListExecutionsCommand, type ExecutionListItem } from "@aws-sdk/client-sfn";
import type { Authority, Heartbeat, Lease } from "../lib/control-record";
import type { Context } from "./context";
import { discoverRegion, type RegionConfig } from "./discovery";
import { CliError, type ErrorKind } from "./errors";
import type { Target } from "./options";

/** A part of the status that could not be read, and why. */
export interface Unavailable {
  kind: ErrorKind;
  message: string;
  hint: string | null;
}

export type Read<T> = { ok: true; value: T } | { ok: false; error: Unavailable };

export function unavailable(error: unknown): Unavailable {
  if (error instanceof CliError) return { kind: error.kind, message: error.message, hint: error.hint ?? null };
  return { kind: "internal", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error), hint: null };
}

async function read<T>(work: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: unavailable(error) };
  }
}

export interface AlarmInAlarm {
  name: string;
  since: string | null;
  reason: string;
}

export interface ExecutionSummary {
  name: string;
  arn: string;
  status: string;
  startedAt: string | null;
  stoppedAt: string | null;
}

/** What was read in one region (raw; status-data.ts turns it into the report). */
export interface RegionReading {
  region: string;
  config: Read<RegionConfig>;
  /** The authority item (every region's state and the epoch) as this region's replica holds it. */
  authority?: Read<Authority | undefined>;
  peerHeartbeat?: Read<Heartbeat | undefined>;
  lease?: Read<Lease | undefined>;
  alarms?: Read<AlarmInAlarm[]>;
  execution?: Read<ExecutionSummary | null>;
}

/** DescribeAlarms takes at most 100 names per call. */
const ALARM_NAMES_PER_CALL = 100;
const MAX_ALARM_PAGES = 10;

async function alarmsInAlarm(ctx: Context, region: string, names: string[]): Promise<AlarmInAlarm[]> {
  const found: AlarmInAlarm[] = [];
  for (let i = 0; i < names.length; i += ALARM_NAMES_PER_CALL) {
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_ALARM_PAGES; page += 1) {
      const out = await ctx.aws.call(region, "cloudwatch:DescribeAlarms", (abortSignal) =>
        ctx.aws
          .cloudwatch(region)
          .send(
            new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + ALARM_NAMES_PER_CALL), StateValue: "ALARM", NextToken: nextToken }),
            { abortSignal },
          ),
      );
      for (const alarm of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
        found.push({
          name: alarm.AlarmName ?? "?",
          since: alarm.StateUpdatedTimestamp ? new Date(alarm.StateUpdatedTimestamp).toISOString() : null,
          reason: alarm.StateReason ?? "",
        });
      }
      nextToken = out.NextToken;
      if (!nextToken) break;
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

const iso = (d: Date | undefined) => (d ? new Date(d).toISOString() : null);

/** The running execution if there is one, else the most recent (ListExecutions: newest 20). */
async function currentExecution(ctx: Context, region: string, stateMachineArn: string): Promise<ExecutionSummary | null> {
  const out = await ctx.aws.call(region, "states:ListExecutions", (abortSignal) =>
    ctx.aws.sfn(region).send(new ListExecutionsCommand({ stateMachineArn, maxResults: 20 }), { abortSignal }),
  );
  const newestFirst = [...(out.executions ?? [])].sort(
    (a, b) => new Date(b.startDate ?? 0).getTime() - new Date(a.startDate ?? 0).getTime(),
  );
  const pick: ExecutionListItem | undefined = newestFirst.find((e) => e.status === "RUNNING") ?? newestFirst[0];
  if (!pick) return null;
  return {
    name: pick.name ?? "?",
    arn: pick.executionArn ?? "",
    status: pick.status ?? "?",
    startedAt: iso(pick.startDate),
    stoppedAt: iso(pick.stopDate),
  };
}

const missing = (config: RegionConfig, name: string): Unavailable => ({
  kind: "unknown-stack",
  message: `SSM parameter ${name} is missing in ${config.region}`,
  hint: "the stack predates this drctl feature: run pulumi up",
});

export async function readRegion(ctx: Context, target: Target, region: string): Promise<RegionReading> {
  const config = await read(() => discoverRegion(ctx, target, region));
  if (!config.ok) return { region, config };
  const c = config.value;
  const peer = c.peerRegion;
  const table = ctx.aws.controlTable(region, c.controlTable);
  const [authority, peerHeartbeat, lease, alarms, execution] = await Promise.all([
    // One item says every region's state: one read gives both regions' views of the same version.
    read(() => ctx.aws.call(region, "dynamodb:GetItem", () => table.getAuthority())),
    read(() => ctx.aws.call(region, "dynamodb:GetItem", () => table.getHeartbeat(peer))),
    read(() => ctx.aws.call(region, "dynamodb:GetItem", () => table.getLease())),
    c.alarmNames === undefined
      ? Promise.resolve<Read<AlarmInAlarm[]>>({ ok: false, error: missing(c, "dr/alarm-names") })
      : read(() => alarmsInAlarm(ctx, region, c.alarmNames as string[])),
    c.stateMachineArn === undefined
      ? Promise.resolve<Read<ExecutionSummary | null>>({ ok: false, error: missing(c, "dr/state-machine-arn") })
      : read(() => currentExecution(ctx, region, c.stateMachineArn as string)),
  ]);
  return { region, config, authority, peerHeartbeat, lease, alarms, execution };
}
