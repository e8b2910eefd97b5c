/**
 * `drctl approve <execution>`: let a run waiting at RequestApproval proceed.
 */
import { Option, type Command } from "commander";
import { addApprovalOptions, answerApproval, printAnswer, type ApprovalFlags } from "../approval";
import type { Context } from "../context";

const EXAMPLES = `
Examples:
  $ drctl approve --env prod --region us-east-2 manual-failover-20250601T120000Z-alice
  $ drctl approve --env prod arn:aws:states:us-east-2:123456789012:execution:dr-orchestrator-us-east-2-prod:alarm-peer-health-us-east-2-prod-4f1c2a9e7b3d5e80
  $ drctl approve --env prod --region us-east-2 <execution> --comment "INC-1234: replication lag accepted"

Sends SendTaskSuccess with {"approved": true, "approvedBy": <operator>, "comment": ...} and
deletes the approval item. Exit codes: 0 sent, 2 usage, 3 AWS or no approval waiting.`;

export function registerApprove(program: Command, ctx: Context): void {
  addApprovalOptions(program.command("approve").description("approve a run waiting at its approval step"))
    .addOption(new Option("--comment <text>", "recorded with the approval, in notifications and the report"))
    .addHelpText("after", EXAMPLES)
    .action(async (execution: string, flags: ApprovalFlags & { comment?: string }) => {
      printAnswer(ctx, await answerApproval(ctx, execution, flags, { approved: true, comment: flags.comment }));
    });
}
