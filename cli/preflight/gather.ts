/**
 * `drctl preflight` end to end: who is calling (a missing or expired credential stops here, as in
 * every command), whether the stack is deployed in each region (its SSM parameters), then every
 * check at once — before-deploy checks always, after-deploy checks in the regions where the stack
 * is deployed (skipped where it is not, cannot-tell where SSM did not answer). Read only: every
 * call is a Get, List or Describe.
 */
import type { Context } from "../context";
import { discoverRegion, parameterPrefix, type RegionConfig } from "../discovery";
import { CliError } from "../errors";
import type { Target } from "../options";
import { unavailable } from "../status-region";
import { accountCheck, backupCheck, callerIdentity, concurrencyCheck } from "./account-checks";
import { fenceAlarmCheck, healthCheckChecks, heartbeatCheck, scheduleCheck, stateMachineCheck } from "./deployed-checks";
import { certificateCheck, delegationCheck, deployedZoneName } from "./dns-checks";
import { type CheckResult, cannotTell, type PreflightReport, skipped, summarize } from "./model";
import type { ZoneSettings } from "./stack-config";

interface Discovery {
  region: string;
  config?: RegionConfig;
  /** true: deployed; false: no parameters under the prefix; null: could not be read. */
  deployed: boolean | null;
  error?: string;
}

async function discover(ctx: Context, target: Target, region: string): Promise<Discovery> {
  try {
    return { region, config: await discoverRegion(ctx, target, region), deployed: true };
  } catch (error) {
    if (error instanceof CliError && (error.kind === "usage" || error.kind === "credentials" || error.kind === "interrupted")) throw error;
    const e = unavailable(error);
    const nothingThere = e.kind === "unknown-stack" && e.message.includes("no SSM parameters under");
    return { region, deployed: nothingThere ? false : null, error: e.message };
  }
}

/** The after-deploy checks of one region (the fence alarm lives in the secondary only). */
const AFTER_DEPLOY = (region: string, target: Target) => [
  "canary-heartbeat",
  "state-machines",
  "canary-schedule",
  ...(region === target.secondaryRegion ? ["fence-alarm"] : []),
];

const SSM_SOURCE = "ssm:GetParametersByPath";

function notChecked(d: Discovery, target: Target): CheckResult[] {
  return AFTER_DEPLOY(d.region, target).map((id) => {
    const base = { id, phase: "after-deploy" as const, region: d.region, source: SSM_SOURCE };
    return d.deployed === false
      ? skipped(
          base,
          `not deployed in ${d.region}: no SSM parameters under ${parameterPrefix(target.environment)}`,
          "run preflight again after pulumi up",
        )
      : cannotTell(base, `the stack's parameters in ${d.region} could not be read: ${d.error}`, "run it again when the region answers");
  });
}

export async function gatherPreflight(ctx: Context, target: Target, zone: ZoneSettings): Promise<PreflightReport> {
  const regions = [target.primaryRegion, target.secondaryRegion];
  const identity = await callerIdentity(ctx, regions);
  const found = await Promise.all(regions.map((region) => discover(ctx, target, region)));
  const now = ctx.now();
  const configs = found.map((d) => d.config).filter((c): c is RegionConfig => c !== undefined);
  const deployedAccount = configs.map((c) => c.stateMachineArn?.split(":")[4]).find((a) => a !== undefined);
  const zoneName = deployedZoneName(configs) ?? zone.zoneName;

  const healthChecks = (): Promise<CheckResult[]> => {
    const base = { id: "health-checks", phase: "after-deploy" as const, region: null, source: SSM_SOURCE };
    if (configs.length > 0) return healthCheckChecks(ctx, configs[0]);
    if (found.every((d) => d.deployed === false))
      return Promise.resolve([skipped(base, "the stack is not deployed", "run preflight again after pulumi up")]);
    return Promise.resolve([cannotTell(base, "no region's parameters could be read", "run it again when a region answers")]);
  };

  const groups = await Promise.all([
    Promise.resolve([accountCheck(identity, deployedAccount)]),
    ...found.map(async (d) => [await concurrencyCheck(ctx, d.region, d.deployed === true), await backupCheck(ctx, d.region)]),
    delegationCheck(ctx, zone, configs).then((c) => [c]),
    ...found.map(async (d) => [await certificateCheck(ctx, d.region, zoneName, d.deployed === true)]),
    ...found.map(async (d) => {
      const c = d.config;
      if (!c) return notChecked(d, target);
      return Promise.all([
        heartbeatCheck(ctx, c, now),
        stateMachineCheck(ctx, c),
        scheduleCheck(ctx, c),
        ...(c.region === target.secondaryRegion ? [fenceAlarmCheck(ctx, c, now)] : []),
      ]);
    }),
    healthChecks(),
  ]);
  const checks = groups.flat();
  const summary = summarize(checks);
  return {
    environment: target.environment,
    checkedAt: new Date(now).toISOString(),
    primaryRegion: target.primaryRegion,
    secondaryRegion: target.secondaryRegion,
    account: { id: identity.account, principal: identity.arn },
    config: {
      source: zone.source,
      zoneName: zoneName ?? null,
      hostedZoneId: zone.hostedZoneId ?? null,
      delegationSetId: zone.delegationSetId ?? null,
    },
    deployed: Object.fromEntries(found.map((d) => [d.region, d.deployed])),
    checks,
    summary,
    ready: summary.fail === 0,
  };
}
