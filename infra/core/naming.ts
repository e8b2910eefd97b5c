/**
 * Physical names: `{service}-{region}-{environment}`, with `global` in the region slot for
 * resources that span regions (global tables, IAM, Route 53). This module is the only place a
 * physical name is composed; components ask it and never concatenate names themselves.
 */

export const GLOBAL = "global";
export type RegionSlot = string; // an AWS region code or GLOBAL

const SERVICE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 64; // IAM roles, Lambda functions, Step Functions and many others cap at 64.

export class NamingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NamingError";
  }
}

/** `{service}-{region}-{environment}`, validated (lower-case, hyphenated, at most 64 characters). */
export function resourceName(service: string, region: RegionSlot, environment: string): string {
  if (!SERVICE.test(service)) {
    throw new NamingError(`service "${service}" must be lower-case words joined by single hyphens`);
  }
  const name = `${service}-${region}-${environment}`;
  if (name.length > MAX_NAME_LENGTH) {
    throw new NamingError(`name "${name}" is ${name.length} characters; at most ${MAX_NAME_LENGTH} are allowed`);
  }
  return name;
}

/**
 * S3 bucket names share one namespace across every AWS account, so the convention alone would
 * collide between users of this project. The account id is appended — AWS's own recommendation —
 * which keeps the name readable and still starts with `{service}-{region}-{environment}`.
 */
export function bucketName(service: string, region: RegionSlot, environment: string, accountId: string): string {
  const name = `${resourceName(service, region, environment)}-${accountId}`;
  if (name.length > 63) throw new NamingError(`bucket name "${name}" is ${name.length} characters; S3 allows 63`);
  return name;
}

/** SSM parameter names are identical in both regions (each region holds its own values). */
export function parameterPrefix(environment: string): string {
  return `/payments-dr/${environment}/`;
}

/** Region-pinned API host, e.g. `api-us-east-1.payments.example.com`. */
export function regionalApiDomain(region: string, zoneName: string): string {
  return `api-${region}.${zoneName}`;
}

/** The failover name clients use. */
export function failoverApiDomain(zoneName: string): string {
  return `api.${zoneName}`;
}

/** The `{service}` slot of the drill's restore-rehearsal scratch tables. */
export const RESTORE_SCRATCH_SERVICE = "payments-restore";

/**
 * The name prefix of a region's restore-rehearsal scratch tables, `payments-restore-<region>-<env>-`:
 * each drill appends its execution name (runbooks/domain/restore-rehearsal.ts), and the restore
 * steps' IAM policies reach only tables under it.
 */
export function restoreScratchTablePrefix(region: string, environment: string): string {
  return `${resourceName(RESTORE_SCRATCH_SERVICE, region, environment)}-`;
}
