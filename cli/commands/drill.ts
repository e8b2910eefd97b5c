/**
 * `drctl drill [--hold <seconds>] [--restore-rehearsal [table]] [--dry-run]`: start a DR drill in
 * the secondary region (drain the primary on purpose, fail over, hold, fail back, optionally restore
 * a point-in-time copy of the payments table and check it, write the evidence report) and follow it.
 * `drctl drill --experiment <name>`: start one of the stack's AWS FIS experiments instead (the
 * drill's fault injection: the DR automation, not drctl, then responds to it).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { DRILL_EXPERIMENTS } from "../../infra/core/drill-experiments";
import type { PaymentCheckInput } from "../../runbooks/domain/hold-payments";
import { RESTORE_REHEARSAL_TABLES, type RestoreRehearsalTable } from "../../runbooks/domain/restore-rehearsal";
import type { Context } from "../context";
import { startExperiment } from "../experiments";
import { addCommonOptions } from "../options";
import { addRunOptions, parseSeconds, runBasics, runFlagFields, type RunFlags } from "../run-options";
import { startRun } from "../start-run";

const EXAMPLES = `
Examples:
  $ drctl drill --env prod --hold 300                        # asks you to type the secondary region
  $ drctl drill --env prod --hold 300 --confirm us-east-2 --ticket CHG-42
  $ drctl drill --env prod --hold 300 --restore-rehearsal --confirm us-east-2   # also restore and check a backup
  $ drctl drill --env prod --hold 600 --allow-no-traffic --confirm us-east-2   # a quiet account: may pass unproven
  $ drctl drill --env prod --dry-run                         # preconditions only, changes nothing
  $ drctl report --env prod --region us-east-2 <execution>   # the evidence report afterwards
  $ drctl drill --env prod --experiment pause-replication --confirm us-east-2 --ticket CHG-43
  $ drctl drill --env prod --experiment payment-path-dynamodb --dry-run   # checks the template, starts nothing

A drill moves real traffic: the primary is drained and the secondary serves for --hold seconds
(default: the stack's drillHoldSeconds), then the primary's machine fails back. After the hold
the drill reads what the secondary's payment path reported (payments accepted, failed, refused):
it passes only if payments were accepted there and at most --max-failure-percent (default 1) of
those sent there failed. No payment at all fails it too, unless --allow-no-traffic (the report
then says the payment path was not proven). Either way a failed check fails back first.
--restore-rehearsal then restores the payments table's replica in the secondary, as it was a few
minutes earlier (point-in-time recovery), into a scratch table there, checks it against the
source, deletes it and puts the figures in the evidence report (PCI DSS 12.10.2 data backup, DORA
Art. 12). A restore takes minutes, sometimes hours; the drill releases its lease first. Exit codes:
0 succeeded, 2 usage/confirmation, 3 AWS, 4 the execution failed, 5 still running at --follow-timeout.

--experiment starts an AWS FIS experiment of the stack in the region it is made for, confirmed
like a traffic move, and prints its id and how to watch and stop it (FIS runs it; drctl does
not follow it). The name must be one the stack deployed there:
${DRILL_EXPERIMENTS.map((e) => `  ${e.name} (${e.runsIn}): ${e.description}`).join("\n")}
Exit codes: 0 started (or checked, with --dry-run), 2 usage/confirmation or a name the stack
has not deployed, 3 AWS.`;

export function registerDrill(program: Command, ctx: Context): void {
  const command = program
    .command("drill")
    .description("rehearse a failover for real: drain the primary, serve from the secondary, fail back, write the report")
    .addOption(
      new Option("--hold <seconds>", "how long traffic stays in the secondary (0-3600)")
        .argParser(parseSeconds("--hold", { integer: true }))
        .conflicts("dryRun"),
    )
    .addOption(
      new Option(
        "--restore-rehearsal [table]",
        "after the failback, restore a point-in-time copy of the table into a scratch table, check it and delete it",
      )
        .choices(RESTORE_REHEARSAL_TABLES)
        .preset("payments")
        .conflicts("dryRun"),
    )
    .addOption(
      new Option(
        "--allow-no-traffic",
        "pass a hold in which no payment reached the secondary (reported as unproven); default: such a drill fails",
      ).conflicts("dryRun"),
    )
    .addOption(
      new Option(
        "--max-failure-percent <percent>",
        "the most payments the secondary may fail to take during the hold, in percent of those sent there (0-100, default 1)",
      )
        .argParser(parsePercent)
        .conflicts("dryRun"),
    )
    .addOption(
      new Option("--experiment <name>", "start this AWS FIS experiment of the stack instead of the drill runbook").conflicts([
        "hold",
        "requireApproval",
        "followTimeout",
        "restoreRehearsal",
        "allowNoTraffic",
        "maxFailurePercent",
      ]),
    );
  addRunOptions(addCommonOptions(command))
    .addHelpText("after", EXAMPLES)
    .action(
      async (
        flags: RunFlags & {
          hold?: number;
          experiment?: string;
          restoreRehearsal?: RestoreRehearsalTable;
          allowNoTraffic?: boolean;
          maxFailurePercent?: number;
        },
      ) => {
        const { target, operator } = runBasics(flags, ctx);
        if (flags.experiment !== undefined) {
          ctx.exitCode = await startExperiment(ctx, {
            target,
            name: flags.experiment,
            operator,
            reason: flags.reason,
            ticket: flags.ticket,
            confirm: flags.confirm,
            dryRun: flags.dryRun === true,
          });
          return;
        }
        const hold = flags.hold === undefined ? "the configured hold time" : `${flags.hold} s`;
        const paymentCheck: PaymentCheckInput = {
          ...(flags.allowNoTraffic ? { allowNoTraffic: true } : {}),
          ...(flags.maxFailurePercent !== undefined ? { maxFailurePercent: flags.maxFailurePercent } : {}),
        };
        ctx.exitCode = await startRun(ctx, {
          target,
          operator,
          region: target.secondaryRegion,
          mode: flags.dryRun ? "dry-run" : "drill",
          ...(flags.dryRun ? { checkMode: "drill" as const } : {}),
          ...(flags.hold !== undefined ? { holdSeconds: flags.hold } : {}),
          ...(flags.restoreRehearsal !== undefined ? { restoreRehearsal: { table: flags.restoreRehearsal } } : {}),
          ...(Object.keys(paymentCheck).length > 0 ? { paymentCheck } : {}),
          ...runFlagFields(flags),
          effect:
            `drill: drains the primary ${target.primaryRegion} on purpose and moves payment traffic of ${target.environment} to ${target.secondaryRegion} for ${hold}, then back.` +
            (flags.restoreRehearsal !== undefined
              ? ` Then restores a point-in-time copy of the ${flags.restoreRehearsal} table into a scratch table in ${target.secondaryRegion}, checks it and deletes it.`
              : ""),
        });
      },
    );
}

/** --max-failure-percent: a number from 0 to 100. */
function parsePercent(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError("--max-failure-percent takes a number from 0 to 100");
  }
  return n;
}
