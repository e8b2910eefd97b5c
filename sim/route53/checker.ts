/**
 * What one Route 53 health checker sees: the checker regions (the default set of eight,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-creating-values.html),
 * the addresses they probe from and an alias answers, and a probe's outcome worded as Route 53
 * words a StatusReport.
 */
import { createHash } from "node:crypto";
import { STATUS_CODES } from "node:http";

export const CHECKER_REGIONS = [
  "us-east-1",
  "us-west-1",
  "us-west-2",
  "eu-west-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "sa-east-1",
] as const;

export interface CheckerReport {
  /** When the checker made this observation (virtual ms). */
  at: number;
  status: string;
}

const TIMED_OUT =
  "Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall. See https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-router-firewall-rules.html";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * The A records an alias to `target` (an API Gateway regional domain) answers: two fixed
 * addresses per target, from the documentation ranges (RFC 5737), so they are obviously simulated.
 */
export function aliasAddresses(target: string): string[] {
  const h = digest(target.replace(/\.$/, ""));
  const net = ["192.0.2", "198.51.100", "203.0.113"][h[0] % 3];
  const a = 1 + (h[1] % 250);
  return [`${net}.${a}`, `${net}.${a + 2}`];
}

/** The address a checker in CHECKER_REGIONS[index] probes from (fixed per region). */
export function checkerAddress(index: number): string {
  return `15.177.${2 + index * 8}.${21 + index}`;
}

/** A probe's outcome as a checker's StatusReport.Status. */
export function probeReport(outcome: { status: number } | { error: unknown }, aliasTarget: string): string {
  if ("status" in outcome) {
    const phrase = STATUS_CODES[outcome.status] ?? "Unknown";
    const ok = outcome.status >= 200 && outcome.status < 400;
    return ok
      ? `Success: HTTP Status Code ${outcome.status}, ${phrase}`
      : `Failure: HTTP Status Code ${outcome.status}, ${phrase}. Resolved IP: ${aliasAddresses(aliasTarget)[0]}`;
  }
  const e = outcome.error as { code?: string; message?: string };
  if (e?.code === "ETIMEDOUT") return TIMED_OUT;
  return `Failure: ${e?.message ?? String(outcome.error)}. Resolved IP: ${aliasAddresses(aliasTarget)[0]}`;
}
