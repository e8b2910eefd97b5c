/**
 * Before a deploy, the account: who drctl is (STS GetCallerIdentity), the Lambda concurrency each
 * region can give the stack (Lambda GetAccountSettings), and AWS Backup's DynamoDB features
 * (Backup DescribeRegionSettings).
 */
import { DescribeRegionSettingsCommand } from "@aws-sdk/client-backup";
import { GetAccountSettingsCommand } from "@aws-sdk/client-lambda";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { allFunctions } from "../../lib/handlers";
import {
  LAMBDA_MINIMUM_UNRESERVED_CONCURRENCY,
  requiredConcurrencyQuota,
  reservedConcurrencyPerRegion,
} from "../../lib/handlers/concurrency";
import type { Context } from "../context";
import { CliError } from "../errors";
import { type CheckResult, check, fail, pass } from "./model";

export interface CallerIdentity {
  account: string;
  arn: string;
}

/**
 * GetCallerIdentity needs no permission (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html),
 * so it fails only for want of valid credentials: that stops preflight with the credentials error.
 * STS answers in every region; the secondary is asked when the primary cannot be reached.
 */
export async function callerIdentity(ctx: Context, regions: readonly string[]): Promise<CallerIdentity> {
  let last: unknown;
  for (const region of regions) {
    try {
      const out = await ctx.aws.call(region, "sts:GetCallerIdentity", (abortSignal) =>
        ctx.aws.sts(region).send(new GetCallerIdentityCommand({}), { abortSignal }),
      );
      return { account: out.Account ?? "?", arn: out.Arn ?? "?" };
    } catch (error) {
      last = error;
      if (!(error instanceof CliError && error.kind === "unreachable")) throw error;
    }
  }
  throw last;
}

/** The account drctl is in, and whether it is the account the stack was deployed into (from its ARNs in SSM). */
export function accountCheck(identity: CallerIdentity, deployedAccount: string | undefined): CheckResult {
  const base = { id: "credentials", phase: "before-deploy" as const, region: null, source: "sts:GetCallerIdentity" };
  if (deployedAccount !== undefined && deployedAccount !== identity.account) {
    return fail(
      base,
      `credentials are for account ${identity.account} (${identity.arn}), but the stack is deployed in ${deployedAccount}`,
      `use credentials for account ${deployedAccount} (AWS_PROFILE, or aws sso login with that account)`,
    );
  }
  return pass(base, `account ${identity.account} as ${identity.arn}`);
}

/** The Service Quotas code of Lambda's "Concurrent executions" quota. */
export const CONCURRENT_EXECUTIONS_QUOTA_CODE = "L-B99A9384";

export interface ConcurrencyFigures {
  region: string;
  /** AccountLimit.ConcurrentExecutions: the region's quota. */
  quota: number;
  /** AccountLimit.UnreservedConcurrentExecutions: the quota less every function's reservation. */
  unreserved: number;
  /** What the stack reserves in a region, and the quota that needs (reservation + 100). */
  reserved: number;
  required: number;
  /** The stack is deployed in the region, so its own reservations are already out of `unreserved`. */
  deployed: boolean;
}

/**
 * Lambda keeps 100 of a region's concurrency unreserved, so the stack's reservations fit when the
 * quota is at least reservation + 100 and, before it is deployed, what others leave unreserved
 * minus those 100 covers them (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
 */
export function evaluateConcurrency(f: ConcurrencyFigures): { ok: boolean; detail: string; action: string } {
  const others = f.quota - f.unreserved - (f.deployed ? f.reserved : 0);
  const figures = `quota ${f.quota}, unreserved ${f.unreserved}; the stack reserves ${f.reserved} (+${LAMBDA_MINIMUM_UNRESERVED_CONCURRENCY} Lambda keeps unreserved)`;
  const request = (n: number) =>
    `request an increase to at least ${n} in ${f.region}: aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${CONCURRENT_EXECUTIONS_QUOTA_CODE} --desired-value ${n} --region ${f.region}`;
  if (f.quota < f.required) {
    const needed = f.required + Math.max(0, others);
    return { ok: false, detail: `${figures}: the quota is below the ${f.required} the stack needs`, action: request(needed) };
  }
  if (!f.deployed && f.unreserved - LAMBDA_MINIMUM_UNRESERVED_CONCURRENCY < f.reserved) {
    const needed = f.required + others;
    return {
      ok: false,
      detail: `${figures}: other functions reserve ${others}, which leaves ${Math.max(0, f.unreserved - LAMBDA_MINIMUM_UNRESERVED_CONCURRENCY)} to reserve`,
      action: `free ${f.reserved - (f.unreserved - LAMBDA_MINIMUM_UNRESERVED_CONCURRENCY)} of the other reservations, or ${request(needed)}`,
    };
  }
  return { ok: true, detail: `${figures}: needs ${f.required}, fits`, action: "" };
}

export function concurrencyCheck(ctx: Context, region: string, deployed: boolean): Promise<CheckResult> {
  const base = { id: "lambda-concurrency", phase: "before-deploy" as const, region, source: "lambda:GetAccountSettings" };
  return check(base, async () => {
    const out = await ctx.aws.call(region, "lambda:GetAccountSettings", (abortSignal) =>
      ctx.aws.lambda(region).send(new GetAccountSettingsCommand({}), { abortSignal }),
    );
    const verdict = evaluateConcurrency({
      region,
      quota: out.AccountLimit?.ConcurrentExecutions ?? 0,
      unreserved: out.AccountLimit?.UnreservedConcurrentExecutions ?? 0,
      reserved: reservedConcurrencyPerRegion(allFunctions),
      required: requiredConcurrencyQuota(allFunctions),
      deployed,
    });
    return verdict.ok ? pass(base, verdict.detail) : fail(base, verdict.detail, verdict.action);
  });
}

/**
 * Cross-region copies of DynamoDB backups (the stack's backup plan copies to the secondary) need
 * AWS Backup's advanced DynamoDB features, reported as ResourceTypeManagementPreference.DynamoDB;
 * Backup protects DynamoDB only while ResourceTypeOptInPreference.DynamoDB is on
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRegionSettings.html,
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html).
 */
export function backupCheck(ctx: Context, region: string): Promise<CheckResult> {
  const base = { id: "backup-dynamodb", phase: "before-deploy" as const, region, source: "backup:DescribeRegionSettings" };
  return check(base, async () => {
    const out = await ctx.aws.call(region, "backup:DescribeRegionSettings", (abortSignal) =>
      ctx.aws.backup(region).send(new DescribeRegionSettingsCommand({}), { abortSignal }),
    );
    const optIn = out.ResourceTypeOptInPreference?.DynamoDB === true;
    const managed = out.ResourceTypeManagementPreference?.DynamoDB === true;
    if (optIn && managed) return pass(base, "DynamoDB opted in, advanced features on");
    const missing = [
      ...(optIn ? [] : ["DynamoDB is not opted in (ResourceTypeOptInPreference)"]),
      ...(managed ? [] : ["advanced DynamoDB backup features are off (ResourceTypeManagementPreference)"]),
    ];
    const flags = [
      ...(managed ? [] : ["--resource-type-management-preference DynamoDB=true"]),
      ...(optIn ? [] : ["--resource-type-opt-in-preference DynamoDB=true"]),
    ];
    return fail(
      base,
      `${missing.join("; ")}: cross-region copies of the tables' backups would fail`,
      `turn them on in ${region} (AWS Backup console → Settings), or: aws backup update-region-settings ${flags.join(" ")} --region ${region}`,
    );
  });
}
