/**
 * The flags of the commands that start a runbook (failover, failback, drill).
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { Context } from "./context";
import { operatorName, resolveTarget, type CommonFlags, type Target } from "./options";

export interface RunFlags extends CommonFlags {
  reason?: string;
  ticket?: string;
  operator?: string;
  requireApproval?: boolean;
  confirm?: string;
  follow: boolean;
  followTimeout?: number;
  dryRun?: boolean;
}

export function parseSeconds(flag: string, { integer }: { integer: boolean }) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${flag} takes ${integer ? "a whole number of" : "a number of"} seconds`);
    }
    return n;
  };
}

export function addRunOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--dry-run", "check every precondition of this runbook; changes nothing, needs no confirmation").conflicts([
        "requireApproval",
        "confirm",
      ]),
    )
    .addOption(new Option("--confirm <region>", "confirm the region being activated without a prompt (for scripts)"))
    .addOption(new Option("--require-approval", "the run waits for `drctl approve` before changing anything"))
    .addOption(new Option("--reason <text>", "why; goes into notifications and the report"))
    .addOption(new Option("--ticket <ref>", "incident or change ticket, recorded with the run"))
    .addOption(new Option("--operator <name>", "who is running it (default $USER)"))
    .addOption(new Option("--no-follow", "start the execution and return; do not follow it"))
    .addOption(
      new Option("--follow-timeout <seconds>", "stop following after this long (exit 5; the run continues)").argParser(
        parseSeconds("--follow-timeout", { integer: false }),
      ),
    );
}

export function runBasics(flags: RunFlags, ctx: Context): { target: Target; operator: string } {
  const target = resolveTarget(flags, ctx);
  return { target, operator: operatorName(flags.operator, ctx) };
}

export function runFlagFields(flags: RunFlags) {
  return {
    reason: flags.reason,
    ticket: flags.ticket,
    requireApproval: flags.requireApproval,
    confirm: flags.confirm,
    follow: flags.follow,
    followTimeoutSeconds: flags.followTimeout,
  };
}
