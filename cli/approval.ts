/**
 * What approve and reject share: find the task token the RequestApproval step stored as
 * `approval#<execution>` in the control table of the execution's region, answer it, and delete
 * the item (request-approval handler; docs/runbooks.md "Approvals").
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { Option, type Command } from "commander";
import type { Approval } from "../lib/control-record";
import { approvalResultSchema } from "../runbooks/domain/steps";
import type { Context } from "./context";
import { discoverRegion } from "./discovery";
import { CliError, usageError } from "./errors";
import { parseExecutionRef } from "./executions";
import { addCommonOptions, operatorName, resolveTarget, type CommonFlags } from "./options";

export interface ApprovalFlags extends CommonFlags {
  region?: string;
  operator?: string;
}

export interface ApprovalAnswer {
  environment: string;
  execution: string;
  region: string;
  answer: "approved" | "rejected";
  by: string;
  /** approve: the comment; reject: the reason sent as the failure cause. */
  comment: string | null;
  /** What the run said it was waiting for. */
  request: string;
  answeredAt: string;
}

export function addApprovalOptions(command: Command): Command {
  return addCommonOptions(command)
    .argument("<execution>", "the waiting execution: its ARN, or its name with --region")
    .addOption(new Option("--region <region>", "the region that runs the execution (not needed with an ARN)"))
    .addOption(new Option("--operator <name>", "who answers (default $USER)"));
}

const GONE = /TaskTimedOut|TaskDoesNotExist|InvalidToken|ExecutionDoesNotExist/;

/** Reads the stored token, sends the answer, deletes the item. */
export async function answerApproval(
  ctx: Context,
  executionArg: string,
  flags: ApprovalFlags,
  answer: { approved: true; comment?: string } | { approved: false; reason?: string },
): Promise<ApprovalAnswer> {
  const target = resolveTarget(flags, ctx);
  const by = operatorName(flags.operator, ctx);
  const ref = parseExecutionRef(executionArg, flags.region);
  if (ref.region !== target.primaryRegion && ref.region !== target.secondaryRegion) {
    throw usageError(
      `${ref.region} is neither the primary (${target.primaryRegion}) nor the secondary (${target.secondaryRegion}) region of ${target.environment}`,
    );
  }
  let output: string | undefined;
  if (answer.approved) {
    // The contract the machine's CheckApproval state reads: anything but approved=true is a rejection.
    output = JSON.stringify(
      approvalResultSchema.parse({ approved: true, approvedBy: by, ...(answer.comment ? { comment: answer.comment } : {}) }),
    );
  }

  const config = await discoverRegion(ctx, target, ref.region);
  const table = ctx.aws.controlTable(ref.region, config.controlTable);
  const approval: Approval | undefined = await ctx.aws.call(ref.region, "dynamodb:GetItem", () =>
    table.getApproval(ref.name, { consistentRead: true }),
  );
  if (!approval) {
    throw new CliError(
      "not-found",
      `no approval is waiting for ${ref.name} in ${ref.region}`,
      "it was already answered, it expired, or the run has not reached RequestApproval yet (drctl status shows the running execution)",
    );
  }
  if (approval.expiresAt * 1000 < ctx.now()) {
    throw new CliError(
      "not-found",
      `the approval request of ${ref.name} expired at ${new Date(approval.expiresAt * 1000).toISOString()}`,
      "start a new run when ready",
    );
  }
  ctx.err(`request: ${approval.summary}`);

  const sfn = ctx.aws.sfn(ref.region);
  const reason = answer.approved ? undefined : (answer.reason ?? `rejected by ${by} with drctl`);
  try {
    await ctx.aws.call(ref.region, answer.approved ? "states:SendTaskSuccess" : "states:SendTaskFailure", (abortSignal) =>
      answer.approved
        ? sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output }), { abortSignal })
        : sfn.send(
            new SendTaskFailureCommand({ taskToken: approval.taskToken, error: "ApprovalRejectedError", cause: reason?.slice(0, 32000) }),
            { abortSignal },
          ),
    );
  } catch (error) {
    if (error instanceof CliError && GONE.test(error.message)) {
      throw new CliError(
        "not-found",
        `${ref.name} no longer waits for this approval: ${error.message}`,
        "the approval window passed or the execution ended; nothing was sent",
      );
    }
    throw error;
  }
  try {
    await ctx.aws.call(ref.region, "dynamodb:DeleteItem", () => table.deleteApproval(ref.name));
  } catch (error) {
    ctx.err(
      `warning: the answer was sent, but the approval item could not be deleted (${error instanceof Error ? error.message : String(error)}); it expires by itself`,
    );
  }
  return {
    environment: target.environment,
    execution: ref.name,
    region: ref.region,
    answer: answer.approved ? "approved" : "rejected",
    by,
    comment: answer.approved ? (answer.comment ?? null) : (reason ?? null),
    request: approval.summary,
    answeredAt: new Date(ctx.now()).toISOString(),
  };
}

export function printAnswer(ctx: Context, result: ApprovalAnswer): void {
  if (ctx.json) return ctx.outJson(result);
  const lines = [`${result.answer} ${result.execution} in ${result.region} as ${result.by}`];
  if (result.comment) lines.push(`${result.answer === "approved" ? "comment" : "reason"}: ${result.comment}`);
  ctx.out(lines.join("\n"));
}
