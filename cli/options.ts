/**
 * The options every command takes: which stack (environment) and which two regions. Flags win
 * over DRCTL_* variables, which win over the defaults (the brief's primary us-east-1 and
 * secondary us-east-2). Everything is checked before any AWS call.
 */
import { Option, type Command } from "commander";
import { regionCode } from "../runbooks/domain/run";
import type { Context } from "./context";
import { usageError } from "./errors";

export const DEFAULT_PRIMARY_REGION = "us-east-1";
export const DEFAULT_SECONDARY_REGION = "us-east-2";
/** As infra/core/config.ts allows: a lower-case letter, then up to 11 letters or digits. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9]{0,11}$/;

export interface CommonFlags {
  env?: string;
  primaryRegion?: string;
  secondaryRegion?: string;
  json?: boolean;
}

export interface Target {
  environment: string;
  primaryRegion: string;
  secondaryRegion: string;
}

export function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option("--env <name>", "the stack's environment (SSM prefix /payments-dr/<name>/); default $DRCTL_ENV"))
    .addOption(new Option("--primary-region <region>", `primary region; default $DRCTL_PRIMARY_REGION or ${DEFAULT_PRIMARY_REGION}`))
    .addOption(
      new Option("--secondary-region <region>", `secondary region; default $DRCTL_SECONDARY_REGION or ${DEFAULT_SECONDARY_REGION}`),
    )
    .addOption(new Option("--json", "print data as JSON on stdout (shapes in docs/cli.md)"));
}

export function checkRegion(value: string, flag: string): string {
  if (!regionCode.safeParse(value).success) throw usageError(`${flag} ${JSON.stringify(value)} is not an AWS region code (e.g. us-east-2)`);
  return value;
}

/** Environment and regions from flags and DRCTL_*; marks the context for JSON output. */
export function resolveTarget(flags: CommonFlags, ctx: Context): Target {
  ctx.json = flags.json === true;
  const environment = flags.env ?? ctx.env.DRCTL_ENV;
  if (environment === undefined || environment === "") {
    throw usageError(
      "no environment: pass --env <name> or set DRCTL_ENV",
      "the environment is the stack's name in SSM, e.g. --env prod for /payments-dr/prod/",
    );
  }
  if (!ENVIRONMENT_NAME.test(environment)) {
    throw usageError(
      `--env ${JSON.stringify(environment)} is not an environment name (a lower-case letter, then up to 11 letters or digits)`,
    );
  }
  const primaryRegion = checkRegion(flags.primaryRegion ?? ctx.env.DRCTL_PRIMARY_REGION ?? DEFAULT_PRIMARY_REGION, "--primary-region");
  const secondaryRegion = checkRegion(
    flags.secondaryRegion ?? ctx.env.DRCTL_SECONDARY_REGION ?? DEFAULT_SECONDARY_REGION,
    "--secondary-region",
  );
  if (primaryRegion === secondaryRegion) throw usageError(`the primary and secondary regions are both ${primaryRegion}`);
  return { environment, primaryRegion, secondaryRegion };
}

/** Who is acting: --operator, else $USER, else "operator". */
export function operatorName(flag: string | undefined, ctx: Context): string {
  const name = (flag ?? ctx.env.USER ?? ctx.env.USERNAME ?? "operator").trim();
  if (name === "" || name.length > 128) throw usageError("--operator must be 1 to 128 characters");
  return name;
}

export function roleOf(target: Target, region: string): "primary" | "secondary" {
  return region === target.primaryRegion ? "primary" : "secondary";
}
