/**
 * Step Functions through the SDK: StartExecution, StopExecution, DescribeExecution, ListExecutions,
 * GetExecutionHistory, the task-token callbacks and DescribeStateMachine, each reaching the simulated service of the
 * client's region (aws/step-functions.ts, aws/execution-history.ts). Shapes follow the API
 * reference (https://docs.aws.amazon.com/step-functions/latest/apireference/); inputs the
 * simulation does not model (map runs, redrive filters, versions) are refused.
 */
import * as sfn from "@aws-sdk/client-sfn";
import { historyPage } from "./execution-history";
import { ServiceError } from "../small-services";
import type { ExecutionRecord } from "./model";
import type { SdkBackend } from "../sdk/backend";
import { installFake } from "../sdk/plumbing";

type Input = Record<string, any>;

const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"];

/** `maxResults`: 0 or absent is the default page of 100; at most 1000 (ListExecutions, GetExecutionHistory). */
export function pageSize(maxResults: unknown): number {
  const max = maxResults ?? 0;
  if (typeof max !== "number" || !Number.isInteger(max) || max < 0 || max > 1000) {
    throw new ServiceError(
      "ValidationException",
      `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value between 0 and 1000`,
      400,
    );
  }
  return max === 0 ? 100 : max;
}

function listItem(e: ExecutionRecord) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: new Date(e.startDate),
    ...(e.stopDate !== undefined ? { stopDate: new Date(e.stopDate) } : {}),
  };
}

/** ListExecutions: newest first; the token names the last execution returned. */
function listExecutions(b: SdkBackend, region: string, i: Input) {
  for (const unsupported of ["mapRunArn", "redriveFilter"]) {
    if (i[unsupported] !== undefined) throw new Error(`The rehearsal's ListExecutions does not model ${unsupported}`);
  }
  if (!i.stateMachineArn) throw new ServiceError("ValidationException", "Must provide a StateMachine ARN or MapRun ARN", 400);
  if (i.statusFilter !== undefined && !STATUSES.includes(i.statusFilter))
    throw new ServiceError("ValidationException", `Value '${i.statusFilter}' at 'statusFilter' failed to satisfy constraint`, 400);
  const size = pageSize(i.maxResults);
  const all = b.sfn.list(region, i.stateMachineArn, i.statusFilter);
  let start = 0;
  if (i.nextToken !== undefined) {
    let after: string | undefined;
    try {
      after = JSON.parse(Buffer.from(String(i.nextToken), "base64").toString("utf8")).after;
    } catch {
      after = undefined;
    }
    if (typeof after !== "string") throw new ServiceError("InvalidToken", `Invalid Token: '${String(i.nextToken).slice(0, 40)}'`, 400);
    start = all.findIndex((e) => e.executionArn === after) + 1;
  }
  const page = all.slice(start, start + size);
  const more = start + size < all.length;
  return {
    executions: page.map(listItem),
    ...(more ? { nextToken: Buffer.from(JSON.stringify({ after: page[page.length - 1].executionArn })).toString("base64") } : {}),
  };
}

function getExecutionHistory(b: SdkBackend, region: string, i: Input) {
  const history = b.sfn.history(region, i.executionArn);
  const page = historyPage(history, i.executionArn, {
    pageSize: pageSize(i.maxResults),
    nextToken: i.nextToken,
    reverseOrder: i.reverseOrder,
    includeExecutionData: i.includeExecutionData,
  });
  return {
    events: page.events.map((e) => ({
      timestamp: new Date(e.timestamp),
      type: e.type,
      id: e.id,
      previousEventId: e.previousEventId,
      ...(e.detailsKey && e.details ? { [e.detailsKey]: definedOnly(e.details) } : {}),
    })),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
}

const definedOnly = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function installSfnFake(b: () => SdkBackend): void {
  installFake(
    {
      service: "sfn",
      module: sfn as unknown as Record<string, unknown>,
      client: sfn.SFNClient,
      commands: [
        [
          sfn.StartExecutionCommand,
          (i: Input, info) => {
            const e = b().sfn.start(info.region, i.stateMachineArn, i.name, i.input ?? "{}");
            return { executionArn: e.executionArn, startDate: new Date(e.startDate) };
          },
        ],
        [
          sfn.DescribeExecutionCommand,
          (i: Input, info) => {
            const e = b().sfn.describe(info.region, i.executionArn);
            return {
              ...listItem(e),
              input: e.input,
              ...(e.output !== undefined ? { output: e.output } : {}),
              ...(e.error !== undefined ? { error: e.error, cause: e.cause } : {}),
            };
          },
        ],
        [
          sfn.StopExecutionCommand,
          (i: Input, info) => ({ stopDate: new Date(b().sfn.stop(info.region, i.executionArn, i.error, i.cause).stopDate) }),
        ],
        [sfn.ListExecutionsCommand, (i: Input, info) => listExecutions(b(), info.region, i)],
        [sfn.GetExecutionHistoryCommand, (i: Input, info) => getExecutionHistory(b(), info.region, i)],
        [sfn.SendTaskSuccessCommand, (i: Input, info) => (b().sfn.sendTaskSuccess(info.region, i.taskToken, i.output), {})],
        [sfn.SendTaskFailureCommand, (i: Input, info) => (b().sfn.sendTaskFailure(info.region, i.taskToken, i.error, i.cause), {})],
        [sfn.SendTaskHeartbeatCommand, (i: Input, info) => (b().sfn.sendTaskHeartbeat(info.region, i.taskToken), {})],
        [
          // https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachine.html:
          // a deployed machine is ACTIVE (DELETING only while a deletion is under way, which the world never does).
          sfn.DescribeStateMachineCommand,
          (i: Input, info) => {
            const { def } = b().sfn.machine(i.stateMachineArn, info.region);
            return {
              stateMachineArn: def.arn,
              name: def.name,
              status: "ACTIVE",
              definition: JSON.stringify(def.definition),
              ...(def.roleArn !== undefined ? { roleArn: def.roleArn } : {}),
              type: def.type,
              creationDate: new Date(b().now() - 86_400_000),
            };
          },
        ],
      ],
    },
    b,
  );
}
