/**
 * `--take-over-lease <execution>` of `drctl failover` and `drctl failback`: the on-call's way to
 * free the DR lease of a run that can no longer finish — its region died mid-run, or it was
 * stopped by hand — instead of waiting hours for the lease to expire.
 *
 * The state machine does the taking over: AcquireLease replaces the lease only when the holder
 * named in the input (`takeOverLease`, runbooks/domain/run.ts) is the current holder, and records
 * it as `takenOverFrom`. drctl checks the name first, against the lease in the control table of
 * the region the run starts in (the replica AcquireLease reads), so a wrong name starts nothing.
 */
import { Option, type Command } from "commander";
import type { Lease } from "../lib/control-record";
import type { Context } from "./context";
import type { RegionConfig } from "./discovery";
import { CliError, usageError } from "./errors";
import { parseExecutionRef } from "./executions";

export interface TakeOverLeaseFlags {
  takeOverLease?: string;
  dryRun?: boolean;
}

export function addTakeOverLeaseOption(command: Command): Command {
  return command.addOption(
    new Option(
      "--take-over-lease <execution>",
      "take the DR lease over from this execution (the holder `drctl status` shows); only when it no longer runs: its region died mid-run, or it was stopped",
    ),
  );
}

const ALLOWED =
  'an execution name, the lease holder as `drctl status` shows it (1 to 80 characters: no spaces, none of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /)';

/**
 * The flag's value, checked before any AWS call: the holder's execution name. Not with --dry-run:
 * a dry-run takes no lease, and the state machine accepts `takeOverLease` only for a failover or
 * failback.
 */
export function takeOverLeaseFlag(flags: TakeOverLeaseFlags, region: string): string | undefined {
  const value = flags.takeOverLease;
  if (value === undefined) return undefined;
  if (flags.dryRun) {
    throw usageError(
      "--take-over-lease cannot be used with --dry-run: a dry-run takes no lease",
      "run the dry-run without it: its lease finding names the holder, the other findings say whether the run would act",
    );
  }
  if (value.startsWith("arn:")) {
    const name = value.split(":").at(-1) ?? "";
    throw usageError(`--take-over-lease takes ${ALLOWED}, not an ARN`, name ? `--take-over-lease ${name}` : undefined);
  }
  try {
    // The execution-name rule of `drctl approve`/`report` (cli/executions.ts); the region only satisfies its signature.
    parseExecutionRef(value, region);
  } catch {
    throw usageError(`--take-over-lease ${JSON.stringify(value)} is not ${ALLOWED}`);
  }
  return value;
}

/** One line: who holds the lease, for what, where, and until when. */
export function describeLease(lease: Lease): string {
  return (
    `${lease.holder} (${lease.mode} in ${lease.region}) since ${new Date(lease.acquiredAt).toISOString()} ` +
    `until ${new Date(lease.expiresAt * 1000).toISOString()}`
  );
}

/**
 * Shows who holds the lease in `config.region` (stderr) and refuses, with a usage error (exit 2: a
 * flag the stack disagrees with), when `holder` does not hold it — or nobody does. A lease that
 * cannot be read is only a warning: the machine checks the holder again and fails with
 * LeaseHeldError, changing nothing, when it is not the one named.
 */
export async function checkLeaseHolder(ctx: Context, config: RegionConfig, holder: string): Promise<void> {
  const region = config.region;
  const table = ctx.aws.controlTable(region, config.controlTable);
  let lease: Lease | undefined;
  try {
    lease = await ctx.aws.call(region, "dynamodb:GetItem", () => table.getLease({ consistentRead: true }));
  } catch (error) {
    if (error instanceof CliError && error.kind === "interrupted") throw error;
    ctx.err(
      `warning: could not read the DR lease in ${region} (${error instanceof Error ? error.message : String(error)}); ` +
        `starting anyway: the run takes the lease over only from ${holder}, and fails with LeaseHeldError if another run holds it`,
    );
    return;
  }
  const held = lease !== undefined && lease.expiresAt * 1000 > ctx.now() ? lease : undefined;
  if (!held) {
    const expired = lease ? ` (${lease.holder}'s lease expired at ${new Date(lease.expiresAt * 1000).toISOString()})` : "";
    throw usageError(
      `--take-over-lease ${holder}: the DR lease in ${region} is free${expired}: there is nothing to take over; nothing was started`,
      "run the command again without --take-over-lease",
    );
  }
  if (held.holder !== holder) {
    throw usageError(
      `--take-over-lease ${holder}: the DR lease in ${region} is held by ${describeLease(held)}, not by ${holder}; nothing was started`,
      `take a lease over only from its holder, and only once that execution no longer runs: drctl status --env ${config.environment} shows the running executions, aws stepfunctions describe-execution whether ${held.holder} still runs`,
    );
  }
  ctx.err(`lease: held by ${describeLease(held)}; this run takes it over (--take-over-lease)`);
}
