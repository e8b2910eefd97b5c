/**
 * `drctl failover --to <region>`: start the DR runbook in failover mode in the region being
 * activated (normally the secondary), and follow it.
 */
import type { Command } from "commander";
import type { Context } from "../context";
import { addTakeOverLeaseOption, takeOverLeaseFlag, type TakeOverLeaseFlags } from "../lease-takeover";
import { addCommonOptions, checkRegion } from "../options";
import { addRunOptions, runBasics, runFlagFields, type RunFlags } from "../run-options";
import { startRun } from "../start-run";

const EXAMPLES = `
Examples:
  $ drctl failover --env prod --to us-east-2                 # asks you to type us-east-2
  $ drctl failover --env prod --to us-east-2 --confirm us-east-2 --reason "INC-1234 us-east-1 down"
  $ drctl failover --env prod --to us-east-2 --dry-run       # preconditions only, changes nothing
  $ drctl failover --env prod --to us-east-2 --require-approval --confirm us-east-2 --no-follow
  $ drctl failover --env prod --to us-east-2 --confirm us-east-2 --take-over-lease manual-failback-20250601T120000Z-alice

The execution runs in the --to region (a runbook runs in the region it activates) and never
needs the other region to answer. Exit codes: 0 succeeded, 2 usage/confirmation, 3 AWS,
4 the execution failed, 5 still running at --follow-timeout.

--take-over-lease <execution>: a run whose region died mid-run (or that was stopped) keeps the
DR lease until it expires, and every new run fails with LeaseHeldError. Name that run (the lease
holder \`drctl status\` shows) and this failover takes the lease over from it. drctl reads the
lease in the --to region first and refuses (exit 2, nothing started) when that execution does
not hold it. Never name an execution that is still running: check it first with drctl status or
aws stepfunctions describe-execution. Not with --dry-run (a dry-run takes no lease).`;

export function registerFailover(program: Command, ctx: Context): void {
  const command = program
    .command("failover")
    .description("move payment traffic to --to: fence the other region, promote this one, confirm DNS")
    .requiredOption("--to <region>", "the region to activate (where the execution runs)");
  addTakeOverLeaseOption(addRunOptions(addCommonOptions(command)))
    .addHelpText("after", EXAMPLES)
    .action(async (flags: RunFlags & TakeOverLeaseFlags & { to: string }) => {
      const { target, operator } = runBasics(flags, ctx);
      const region = checkRegion(flags.to, "--to");
      const takeOverLease = takeOverLeaseFlag(flags, region);
      ctx.exitCode = await startRun(ctx, {
        target,
        operator,
        region,
        mode: flags.dryRun ? "dry-run" : "failover",
        ...(flags.dryRun ? { checkMode: "failover" as const } : {}),
        ...runFlagFields(flags),
        ...(takeOverLease !== undefined ? { takeOverLease } : {}),
        effect:
          `failover: moves payment traffic of ${target.environment} to ${region}; the other region is fenced.` +
          (takeOverLease !== undefined ? ` It first takes the DR lease over from ${takeOverLease}, which must no longer be running.` : ""),
      });
    });
}
