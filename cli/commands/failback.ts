/**
 * `drctl failback`: start the DR runbook in failback mode in the primary region and follow it.
 */
import type { Command } from "commander";
import type { Context } from "../context";
import { addCommonOptions } from "../options";
import { addRunOptions, runBasics, runFlagFields, type RunFlags } from "../run-options";
import { startRun } from "../start-run";

const EXAMPLES = `
Examples:
  $ drctl failback --env prod                                # asks you to type the primary region
  $ drctl failback --env prod --confirm us-east-1 --reason "INC-1234 primary recovered"
  $ drctl failback --env prod --dry-run                      # preconditions only, changes nothing

Failback runs in the primary: it checks the primary's health and replication, fences the
secondary, proves replication with a sentinel, promotes the primary, confirms DNS and puts the
secondary on STANDBY. Exit codes: 0 succeeded, 2 usage/confirmation, 3 AWS, 4 the execution
failed, 5 still running at --follow-timeout.`;

export function registerFailback(program: Command, ctx: Context): void {
  const command = program.command("failback").description("move payment traffic back to the primary region (runs in the primary)");
  addRunOptions(addCommonOptions(command))
    .addHelpText("after", EXAMPLES)
    .action(async (flags: RunFlags) => {
      const { target, operator } = runBasics(flags, ctx);
      ctx.exitCode = await startRun(ctx, {
        target,
        operator,
        region: target.primaryRegion,
        mode: flags.dryRun ? "dry-run" : "failback",
        ...(flags.dryRun ? { checkMode: "failback" as const } : {}),
        ...runFlagFields(flags),
        effect: `failback: moves payment traffic of ${target.environment} back to the primary ${target.primaryRegion}; ${target.secondaryRegion} goes to STANDBY.`,
      });
    });
}
