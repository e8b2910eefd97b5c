/**
 * What `drctl preflight` needs of the stack's configuration before it is deployed (afterwards the
 * stack's SSM parameters say it): the zone and how it is delegated, and the regions. It reads them
 * from the Pulumi stack file (`Pulumi.<env>.yaml` in the current directory, or `--stack-file`),
 * the same `payments-dr:*` keys infra/core/config.ts validates, and flags override them. Only these
 * six keys are read; infra/core/config.ts stays the one validator of a whole configuration (it
 * needs Pulumi, which drctl does not load).
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { Option, type Command } from "commander";
import { parse } from "yaml";
import type { Context } from "../context";
import { usageError } from "../errors";
import { checkRegion, type CommonFlags, DEFAULT_PRIMARY_REGION, DEFAULT_SECONDARY_REGION, resolveTarget, type Target } from "../options";

export interface PreflightFlags extends CommonFlags {
  stackFile?: string;
  zone?: string;
  hostedZoneId?: string;
  delegationSetId?: string;
}

export interface ZoneSettings {
  /** Where the settings came from: the stack file's path, "flags", or null (nothing given). */
  source: string | null;
  zoneName?: string;
  hostedZoneId?: string;
  delegationSetId?: string;
}

interface StackFileSettings {
  path: string;
  environment: string;
  zoneName?: string;
  hostedZoneId?: string;
  delegationSetId?: string;
  primaryRegion?: string;
  secondaryRegion?: string;
}

const NAMESPACE = "payments-dr";
/** As infra/core/config.ts accepts them. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const DELEGATION_SET_ID = /^N[A-Z0-9]{1,31}$/;

export function addPreflightOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--stack-file <path>",
        "the Pulumi stack file to read the zone and regions from; default Pulumi.<env>.yaml here, if it exists",
      ),
    )
    .addOption(new Option("--zone <name>", "the hosted zone name (payments-dr:hostedZoneName); overrides the stack file"))
    .addOption(new Option("--hosted-zone-id <id>", "an existing zone (payments-dr:hostedZoneId); overrides the stack file"))
    .addOption(new Option("--delegation-set-id <id>", "a reusable delegation set (payments-dr:delegationSetId); overrides the stack file"));
}

/** A stack-file value as a string; "" (Pulumi.yaml's default for the optional strings) means not set. */
function text(config: Record<string, unknown>, key: string): string | undefined {
  const value = config[`${NAMESPACE}:${key}`];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "object") return undefined; // a secure value: never one of these keys
  return String(value);
}

/** Reads the keys preflight uses from a Pulumi stack file; a file that is not one is a usage error naming it. */
export function readStackFile(path: string): StackFileSettings {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw usageError(`cannot read the stack file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (typeof config !== "object" || config === null) throw usageError(`${path} has no config: section; is it a Pulumi stack file?`);
  const values = config as Record<string, unknown>;
  const stack = /^Pulumi\.([^.]+)\.ya?ml$/.exec(basename(path))?.[1];
  const environment = text(values, "environment") ?? stack;
  if (environment === undefined)
    throw usageError(`${path}: cannot tell the environment (no ${NAMESPACE}:environment, and the file is not named Pulumi.<stack>.yaml)`);
  return {
    path,
    environment,
    zoneName: text(values, "hostedZoneName"),
    hostedZoneId: text(values, "hostedZoneId"),
    delegationSetId: text(values, "delegationSetId")?.replace(/^\/delegationset\//, ""),
    primaryRegion: text(values, "primaryRegion"),
    secondaryRegion: text(values, "secondaryRegion"),
  };
}

function checked(value: string | undefined, pattern: RegExp, what: string, example: string): string | undefined {
  if (value !== undefined && !pattern.test(value)) throw usageError(`${what} ${JSON.stringify(value)} is not ${example}`);
  return value;
}

/** The region: flag, then DRCTL_*, then the stack file, then the default; an explicit one must agree with the stack file. */
function region(explicit: string | undefined, fromFile: string | undefined, fallback: string, flag: string, file?: string): string {
  if (explicit !== undefined && fromFile !== undefined && explicit !== fromFile)
    throw usageError(`${flag} ${explicit} contradicts ${file}, which deploys to ${fromFile}`, `leave ${flag} out, or fix the stack file`);
  return checkRegion(explicit ?? fromFile ?? fallback, flag);
}

/** Environment, regions and zone settings, from flags, DRCTL_* and the stack file; all checked before any AWS call. */
export function resolvePreflight(flags: PreflightFlags, ctx: Context): { target: Target; zone: ZoneSettings } {
  const base = resolveTarget(flags, ctx);
  const path = flags.stackFile ?? `Pulumi.${base.environment}.yaml`;
  if (flags.stackFile !== undefined && !existsSync(path)) throw usageError(`--stack-file ${path}: no such file`);
  const file = existsSync(path) ? readStackFile(resolve(path)) : undefined;
  if (file && file.environment !== base.environment)
    throw usageError(
      `${path} deploys environment ${JSON.stringify(file.environment)}, not --env ${base.environment}`,
      "pass the stack file of that environment with --stack-file",
    );
  const where = file ? path : undefined;
  const primaryRegion = region(
    flags.primaryRegion ?? ctx.env.DRCTL_PRIMARY_REGION,
    file?.primaryRegion,
    DEFAULT_PRIMARY_REGION,
    "--primary-region",
    where,
  );
  const secondaryRegion = region(
    flags.secondaryRegion ?? ctx.env.DRCTL_SECONDARY_REGION,
    file?.secondaryRegion,
    DEFAULT_SECONDARY_REGION,
    "--secondary-region",
    where,
  );
  if (primaryRegion === secondaryRegion) throw usageError(`the primary and secondary regions are both ${primaryRegion}`);
  const fromFlags = flags.zone !== undefined || flags.hostedZoneId !== undefined || flags.delegationSetId !== undefined;
  const zone: ZoneSettings = {
    source: fromFlags ? (file ? `${path} and flags` : "flags") : (where ?? null),
    zoneName: checked((flags.zone ?? file?.zoneName)?.replace(/\.$/, ""), DNS_NAME, "--zone", "a DNS name such as payments.example.com"),
    hostedZoneId: checked(
      flags.hostedZoneId?.replace(/^\/hostedzone\//, "") ?? file?.hostedZoneId,
      HOSTED_ZONE_ID,
      "--hosted-zone-id",
      "a hosted zone id such as Z0123456789ABCDEFGHIJ",
    ),
    delegationSetId: checked(
      flags.delegationSetId?.replace(/^\/delegationset\//, "") ?? file?.delegationSetId,
      DELEGATION_SET_ID,
      "--delegation-set-id",
      "a reusable delegation set id such as N0123456789ABCDEFGHIJ",
    ),
  };
  // A flag for one way of delegating replaces the stack file's other way.
  if (flags.hostedZoneId !== undefined && flags.delegationSetId === undefined) delete zone.delegationSetId;
  if (flags.delegationSetId !== undefined && flags.hostedZoneId === undefined) delete zone.hostedZoneId;
  return { target: { environment: base.environment, primaryRegion, secondaryRegion }, zone };
}
