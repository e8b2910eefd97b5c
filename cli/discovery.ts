/**
 * Finds a deployed stack from its SSM parameters (same names in both regions, region-local
 * values; docs/architecture.md "SSM parameters"), so operators never paste ARNs.
 */
import { GetParametersByPathCommand, type Parameter } from "@aws-sdk/client-ssm";
import type { Context } from "./context";
import { CliError } from "./errors";
import { roleOf, type Target } from "./options";

export const parameterPrefix = (environment: string) => `/payments-dr/${environment}/`;

/** GetParametersByPath returns at most 10 per page; the stack has ~25 parameters. */
const MAX_PAGES = 20;

export interface Objectives {
  rpoSeconds: number;
  rtoSeconds: number;
}

export interface RegionConfig {
  environment: string;
  region: string;
  peerRegion: string;
  role: "primary" | "secondary";
  controlTable: string;
  objectives?: Objectives;
  /** `api.<zone>`, the failover name clients use. */
  failoverName?: string;
  witnessName?: string;
  nameServers?: string[];
  healthCheckIds?: Record<string, string>;
  stateMachineArn?: string;
  evidenceBucket?: string;
  dashboardUrl?: string;
  alarmNames?: string[];
  /** Parameters that exist but could not be read (malformed JSON, ...): shown, never fatal here. */
  problems: string[];
  /** Every parameter, by name relative to the prefix. */
  parameters: Record<string, string>;
}

async function readParameters(ctx: Context, environment: string, region: string): Promise<Record<string, string>> {
  const prefix = parameterPrefix(environment);
  const values: Record<string, string> = {};
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const out = await ctx.aws.call(region, "ssm:GetParametersByPath", (abortSignal) =>
      ctx.aws.ssm(region).send(new GetParametersByPathCommand({ Path: prefix, Recursive: true, NextToken: nextToken }), { abortSignal }),
    );
    for (const p of out.Parameters ?? ([] as Parameter[])) {
      if (p.Name?.startsWith(prefix) && p.Value !== undefined) values[p.Name.slice(prefix.length)] = p.Value;
    }
    nextToken = out.NextToken;
    if (!nextToken) break;
  }
  return values;
}

function parseJson<T>(values: Record<string, string>, name: string, problems: string[], check: (v: unknown) => v is T): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (check(parsed)) return parsed;
  } catch {
    // reported below
  }
  problems.push(`SSM parameter ${name} is not what drctl expects: ${raw.slice(0, 120)}`);
  return undefined;
}

const isObjectives = (v: unknown): v is Objectives =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as Objectives).rpoSeconds === "number" &&
  typeof (v as Objectives).rtoSeconds === "number";
const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The stack as one region's parameters describe it. Fails (unknown-stack) when the prefix is
 * empty, and (usage) when the parameters contradict the regions drctl was given.
 */
export async function discoverRegion(ctx: Context, target: Target, region: string): Promise<RegionConfig> {
  const values = await readParameters(ctx, target.environment, region);
  const prefix = parameterPrefix(target.environment);
  if (Object.keys(values).length === 0) {
    throw new CliError(
      "unknown-stack",
      `no payments-dr stack in ${region}: no SSM parameters under ${prefix}`,
      "check --env (the environment the stack was deployed with) and --primary-region/--secondary-region",
    );
  }
  for (const name of ["region", "peer-region", "role", "tables/control"]) {
    if (values[name] === undefined) {
      throw new CliError(
        "unknown-stack",
        `SSM parameter ${prefix}${name} is missing in ${region}`,
        "the stack is partly deployed: run pulumi up",
      );
    }
  }
  const expectedRole = roleOf(target, region);
  const peer = region === target.primaryRegion ? target.secondaryRegion : target.primaryRegion;
  if (values.region !== region || values.role !== expectedRole || values["peer-region"] !== peer) {
    throw new CliError(
      "usage",
      `the stack in ${region} says it is the ${values.role} ${values.region} with peer ${values["peer-region"]}, but drctl was told primary ${target.primaryRegion}, secondary ${target.secondaryRegion}`,
      "pass the stack's regions with --primary-region and --secondary-region (or DRCTL_PRIMARY_REGION/DRCTL_SECONDARY_REGION)",
    );
  }
  const problems: string[] = [];
  const nameServers = values["dns/name-servers"]
    ?.split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return {
    environment: target.environment,
    region,
    peerRegion: peer,
    role: expectedRole,
    controlTable: values["tables/control"],
    objectives: parseJson(values, "objectives", problems, isObjectives),
    failoverName: hostOf(values["api/failover-endpoint"]),
    witnessName: values["dns/witness-name"],
    nameServers: nameServers && nameServers.length > 0 ? nameServers : undefined,
    healthCheckIds: parseJson(values, "dns/health-check-ids", problems, isStringRecord),
    stateMachineArn: values["dr/state-machine-arn"],
    evidenceBucket: values["dr/evidence-bucket"],
    dashboardUrl: values["dr/dashboard-url"],
    alarmNames: parseJson(values, "dr/alarm-names", problems, isStringArray),
    problems,
    parameters: values,
  };
}

/** A value a command cannot do without; missing means the stack predates it or is partly deployed. */
export function requireValue<T>(config: RegionConfig, value: T | undefined, name: string): T {
  if (value === undefined) {
    throw new CliError(
      "unknown-stack",
      `SSM parameter ${parameterPrefix(config.environment)}${name} is missing or unreadable in ${config.region}`,
      "the stack predates this drctl command or is partly deployed: run pulumi up",
    );
  }
  return value;
}
