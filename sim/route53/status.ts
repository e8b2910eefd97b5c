/**
 * Route 53's GetHealthCheckStatus, simulated: what each health checker last observed
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheckStatus.html), and
 * the addresses an alias to an API Gateway regional domain answers.
 *
 * - Endpoint checks (HTTP/HTTPS): one observation per checker region, from that checker's last
 *   probe, worded as Route 53 words them ("Success: HTTP Status Code 200, OK", "Failure: HTTP
 *   Status Code 503, Service Unavailable. Resolved IP: …", "Failure: Connection timed out. …").
 *   Checkers that have not probed yet report nothing.
 * - CLOUDWATCH_METRIC checks: Route 53 does not document the StatusReport wording for these;
 *   the simulation reports one observation per checker region, "Success: …" or "Failure: …"
 *   with the alarm's state, following the check's status (the prefix is what callers read).
 * - CALCULATED checks cannot be asked (InvalidInput), as in AWS.
 */
import { createHash } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { AlarmService } from "../cloudwatch/alarms";
import { ServiceError } from "../small-services";
import { CHECKER_REGIONS, type Route53 } from "./model";

export interface CheckerReport {
  /** When the checker made this observation (virtual ms). */
  at: number;
  status: string;
}

export interface HealthCheckObservation {
  Region: string;
  IPAddress: string;
  StatusReport: { Status: string; CheckedTime: Date };
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
    return ok ? `Success: HTTP Status Code ${outcome.status}, ${phrase}` : `Failure: HTTP Status Code ${outcome.status}, ${phrase}. Resolved IP: ${aliasAddresses(aliasTarget)[0]}`;
  }
  const e = outcome.error as { code?: string; message?: string };
  if (e?.code === "ETIMEDOUT") return TIMED_OUT;
  return `Failure: ${e?.message ?? String(outcome.error)}. Resolved IP: ${aliasAddresses(aliasTarget)[0]}`;
}

/** GetHealthCheckStatus's HealthCheckObservations for `id`, now. */
export function healthCheckObservations(route53: Route53, alarms: AlarmService, id: string, now: number): HealthCheckObservation[] {
  const check = route53.find(id);
  if (!check) throw new ServiceError("NoSuchHealthCheck", `No health check exists with the specified ID ${id}`, 404);
  switch (check.type) {
    case "HTTP":
    case "HTTPS":
      return route53.checkerReports(id).flatMap((report, i) =>
        report ? [{ Region: CHECKER_REGIONS[i], IPAddress: checkerAddress(i), StatusReport: { Status: report.status, CheckedTime: new Date(report.at) } }] : [],
      );
    case "CLOUDWATCH_METRIC": {
      const alarm = check.alarm as { name: string; region: string };
      const healthy = route53.healthy(id);
      let state = "unknown";
      try {
        state = alarms.state(alarm.name, alarm.region);
      } catch {
        // the alarm is not simulated: the status alone is reported
      }
      const status = `${healthy ? "Success" : "Failure"}: CloudWatch alarm ${alarm.name} (${alarm.region}) is in state ${state}`;
      return CHECKER_REGIONS.map((region, i) => ({ Region: region, IPAddress: checkerAddress(i), StatusReport: { Status: status, CheckedTime: new Date(now) } }));
    }
    case "CALCULATED":
      throw new ServiceError("InvalidInput", `Health check ${id} is a calculated health check; GetHealthCheckStatus cannot report its status (use the console or CloudWatch)`, 400);
  }
}
