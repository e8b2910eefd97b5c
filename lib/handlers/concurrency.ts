/**
 * What the stack reserves of a region's Lambda concurrency, and the account quota that needs.
 * Lambda keeps at least 100 units of a region's concurrency unreserved: "You can reserve up to the
 * Unreserved account concurrency value that is shown, minus 100 for functions that don't have
 * reserved concurrency." A region whose quota is below the reservation plus 100 refuses to set the
 * reservations, and the deployment fails there (new accounts often start far below 1,000).
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 *
 * Pure, and here beside the handler registry it sums, so that both the README's figures
 * (test/infra/deploy-doc.test.ts, through infra/core/lambda-quota.ts) and `drctl preflight`'s quota
 * check use the one computation.
 */
import type { LambdaSpec } from "./spec";

/** Concurrency Lambda keeps unreserved in every region. */
export const LAMBDA_MINIMUM_UNRESERVED_CONCURRENCY = 100;

/** What the given functions reserve in one region (every function is deployed once per region). */
export function reservedConcurrencyPerRegion(specs: readonly LambdaSpec[]): number {
  return specs.reduce((sum, spec) => sum + (spec.reservedConcurrency ?? 0), 0);
}

/** The smallest "Concurrent executions" quota a region needs for the stack to deploy. */
export function requiredConcurrencyQuota(specs: readonly LambdaSpec[]): number {
  return reservedConcurrencyPerRegion(specs) + LAMBDA_MINIMUM_UNRESERVED_CONCURRENCY;
}
