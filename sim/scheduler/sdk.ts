/**
 * EventBridge Scheduler through the SDK: ListSchedules and GetSchedule (what `drctl preflight`
 * asks), answered from the deployment's schedules in the client's region. Every deployed schedule
 * is ENABLED, as the program declares it (the world's clocks start them: world.ts). Shapes as the
 * API reference gives them:
 * https://docs.aws.amazon.com/scheduler/latest/APIReference/API_ListSchedules.html (GroupName,
 * NamePrefix and State filters, MaxResults 1–100, NextToken),
 * https://docs.aws.amazon.com/scheduler/latest/APIReference/API_GetSchedule.html (GroupName defaults
 * to "default"; an unknown schedule is ResourceNotFoundException, 404).
 */
import * as scheduler from "@aws-sdk/client-scheduler";
import type { ScheduleDefinition } from "../deployment/types";
import { ServiceError } from "../small-services";
import type { SdkBackend } from "../sdk/backend";
import { installFake } from "../sdk/plumbing";

type Input = Record<string, any>;

/** `arn:aws:scheduler:<region>:<account>:schedule-group/<name>` → its name. */
const groupNameOf = (s: ScheduleDefinition) => s.groupArn.split("/").pop() as string;
const scheduleArn = (s: ScheduleDefinition) => `${s.groupArn.replace(":schedule-group/", ":schedule/")}/${s.name}`;

function rateExpression(seconds: number): string {
  if (seconds % 3600 === 0) return `rate(${seconds / 3600} ${seconds === 3600 ? "hour" : "hours"})`;
  if (seconds % 60 === 0) return `rate(${seconds / 60} ${seconds === 60 ? "minute" : "minutes"})`;
  throw new Error(`The rehearsal's Scheduler has no rate expression for ${seconds} s (Scheduler's smallest unit is a minute)`);
}

function schedulesIn(b: SdkBackend, region: string): ScheduleDefinition[] {
  return b.deployment.schedules.filter((s) => s.region === region);
}

export function installSchedulerFake(b: () => SdkBackend): void {
  const deployedAt = () => new Date(b().now() - 86_400_000);
  installFake(
    {
      service: "scheduler",
      module: scheduler as unknown as Record<string, unknown>,
      client: scheduler.SchedulerClient,
      commands: [
        [
          scheduler.ListSchedulesCommand,
          (i: Input, info) => {
            const max = i.MaxResults ?? 100;
            if (!Number.isInteger(max) || max < 1 || max > 100)
              throw new ServiceError("ValidationException", "MaxResults must be between 1 and 100", 400);
            const all = schedulesIn(b(), info.region)
              .filter((s) => i.GroupName === undefined || groupNameOf(s) === i.GroupName)
              .filter((s) => i.NamePrefix === undefined || s.name.startsWith(i.NamePrefix))
              .filter(() => i.State === undefined || i.State === "ENABLED")
              .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
            const start = i.NextToken === undefined ? 0 : Number(Buffer.from(String(i.NextToken), "base64").toString("utf8"));
            const page = all.slice(start, start + max);
            return {
              Schedules: page.map((s) => ({
                Arn: scheduleArn(s),
                Name: s.name,
                GroupName: groupNameOf(s),
                State: "ENABLED",
                Target: { Arn: s.targetArn },
                CreationDate: deployedAt(),
                LastModificationDate: deployedAt(),
              })),
              ...(start + max < all.length ? { NextToken: Buffer.from(String(start + max)).toString("base64") } : {}),
            };
          },
        ],
        [
          scheduler.GetScheduleCommand,
          (i: Input, info) => {
            const group = i.GroupName ?? "default";
            const s = schedulesIn(b(), info.region).find((x) => x.name === i.Name && groupNameOf(x) === group);
            if (!s) throw new ServiceError("ResourceNotFoundException", `Schedule ${i.Name} does not exist.`, 404);
            return {
              Arn: scheduleArn(s),
              Name: s.name,
              GroupName: group,
              State: "ENABLED",
              ScheduleExpression: rateExpression(s.rateSeconds),
              FlexibleTimeWindow: { Mode: "OFF" },
              Target: {
                Arn: s.targetArn,
                RoleArn: s.roleArn,
                Input: s.input,
                RetryPolicy: {
                  MaximumRetryAttempts: s.retryPolicy.maximumRetryAttempts,
                  MaximumEventAgeInSeconds: s.retryPolicy.maximumEventAgeSeconds,
                },
                ...(s.deadLetterArn ? { DeadLetterConfig: { Arn: s.deadLetterArn } } : {}),
              },
              CreationDate: deployedAt(),
              LastModificationDate: deployedAt(),
            };
          },
        ],
      ],
    },
    b,
  );
}
