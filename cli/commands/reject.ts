/**
 * `drctl reject <execution>`: stop a run waiting at RequestApproval; it fails with
 * ApprovalRejectedError having changed nothing.
 */
import { Option, type Command } from "commander";
import { addApprovalOptions, answerApproval, printAnswer, type ApprovalFlags } from "../approval";
import type { Context } from "../context";

const EXAMPLES = `
Examples:
  $ drctl reject --env prod --region us-east-2 manual-failover-20250601T120000Z-alice
  $ drctl reject --env prod --region us-east-2 <execution> --reason "INC-1234: primary is recovering"

Sends SendTaskFailure with error ApprovalRejectedError (the reason is its cause) and deletes the
approval item. Exit codes: 0 sent, 2 usage, 3 AWS or no approval waiting.`;

export function registerReject(program: Command, ctx: Context): void {
  addApprovalOptions(program.command("reject").description("reject a run waiting at its approval step (it fails, nothing changed)"))
    .addOption(new Option("--reason <text>", "why; sent as the failure's cause"))
    .addHelpText("after", EXAMPLES)
    .action(async (execution: string, flags: ApprovalFlags & { reason?: string }) => {
      printAnswer(ctx, await answerApproval(ctx, execution, flags, { approved: false, reason: flags.reason }));
    });
}
