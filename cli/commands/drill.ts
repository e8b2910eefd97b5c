/**
 * `drctl drill [--hold <seconds>] [--dry-run]`: start a DR drill in the secondary region (drain
 * the primary on purpose, fail over, hold, fail back, write the evidence report) and follow it.
 */
import { Option, type Command } from "commander";
import type { Context } from "../context";
import { addCommonOptions } from "../options";
import { addRunOptions, parseSeconds, runBasics, runFlagFields, type RunFlags } from "../run-options";
import { startRun } from "../start-run";

const EXAMPLES = `
Examples:
  $ drctl drill --env prod --hold 300                        # asks you to type the secondary region
  $ drctl drill --env prod --hold 300 --confirm us-east-2 --ticket CHG-42
  $ drctl drill --env prod --dry-run                         # preconditions only, changes nothing
  $ drctl report --env prod --region us-east-2 <execution>   # the evidence report afterwards

A drill moves real traffic: the primary is drained and the secondary serves for --hold seconds
(default: the stack's drillHoldSeconds), then the primary's machine fails back. Exit codes:
0 succeeded, 2 usage/confirmation, 3 AWS, 4 the execution failed, 5 still running at --follow-timeout.`;

export function registerDrill(program: Command, ctx: Context): void {
  const command = program
    .command("drill")
    .description("rehearse a failover for real: drain the primary, serve from the secondary, fail back, write the report")
    .addOption(
      new Option("--hold <seconds>", "how long traffic stays in the secondary (0-3600)")
        .argParser(parseSeconds("--hold", { integer: true }))
        .conflicts("dryRun"),
    );
  addRunOptions(addCommonOptions(command))
    .addHelpText("after", EXAMPLES)
    .action(async (flags: RunFlags & { hold?: number }) => {
      const { target, operator } = runBasics(flags, ctx);
      const hold = flags.hold === undefined ? "the configured hold time" : `${flags.hold} s`;
      ctx.exitCode = await startRun(ctx, {
        target,
        operator,
        region: target.secondaryRegion,
        mode: flags.dryRun ? "dry-run" : "drill",
        ...(flags.dryRun ? { checkMode: "drill" as const } : {}),
        ...(flags.hold !== undefined ? { holdSeconds: flags.hold } : {}),
        ...runFlagFields(flags),
        effect: `drill: drains the primary ${target.primaryRegion} on purpose and moves payment traffic of ${target.environment} to ${target.secondaryRegion} for ${hold}, then back.`,
      });
    });
}
