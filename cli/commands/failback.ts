/**
 * `drctl failback`: start the DR runbook in failback mode in the primary region and follow it.
 */
import type { Command } from "commander";
import type { Context } from "../context";
import { addTakeOverLeaseOption, takeOverLeaseFlag, type TakeOverLeaseFlags } from "../lease-takeover";
import { addCommonOptions } from "../options";
import { addRunOptions, runBasics, runFlagFields, type RunFlags } from "../run-options";
import { startRun } from "../start-run";

const EXAMPLES = `
Examples:
  $ drctl failback --env prod                                # asks you to type the primary region
  $ drctl failback --env prod --confirm us-east-1 --reason "INC-1234 primary recovered"
  $ drctl failback --env prod --dry-run                      # preconditions only, changes nothing
  $ drctl failback --env prod --confirm us-east-1 --take-over-lease manual-failover-20250601T120000Z-alice

Failback runs in the primary: it checks the primary's health and replication, fences the
secondary, proves replication with a sentinel, promotes the primary, confirms DNS and puts the
secondary on STANDBY. Exit codes: 0 succeeded, 2 usage/confirmation, 3 AWS, 4 the execution
failed, 5 still running at --follow-timeout.

--take-over-lease <execution>: a run whose region died mid-run (or that was stopped) keeps the
DR lease until it expires, and every new run fails with LeaseHeldError. Name that run (the lease
holder \`drctl status\` shows) and this failback takes the lease over from it. drctl reads the
lease in the primary first and refuses (exit 2, nothing started) when that execution does not
hold it. Never name an execution that is still running: check it first with drctl status or
aws stepfunctions describe-execution. Not with --dry-run (a dry-run takes no lease).`;

export function registerFailback(program: Command, ctx: Context): void {
  const command = program.command("failback").description("move payment traffic back to the primary region (runs in the primary)");
  addTakeOverLeaseOption(addRunOptions(addCommonOptions(command)))
    .addHelpText("after", EXAMPLES)
    .action(async (flags: RunFlags & TakeOverLeaseFlags) => {
      const { target, operator } = runBasics(flags, ctx);
      const takeOverLease = takeOverLeaseFlag(flags, target.primaryRegion);
      ctx.exitCode = await startRun(ctx, {
        target,
        operator,
        region: target.primaryRegion,
        mode: flags.dryRun ? "dry-run" : "failback",
        ...(flags.dryRun ? { checkMode: "failback" as const } : {}),
        ...runFlagFields(flags),
        ...(takeOverLease !== undefined ? { takeOverLease } : {}),
        effect:
          `failback: moves payment traffic of ${target.environment} back to the primary ${target.primaryRegion}; ${target.secondaryRegion} goes to STANDBY.` +
          (takeOverLease !== undefined ? ` It first takes the DR lease over from ${takeOverLease}, which must no longer be running.` : ""),
      });
    });
}
