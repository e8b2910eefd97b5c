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
import type { AlarmService } from "../cloudwatch/alarms";
import { ServiceError } from "../small-services";
import { CHECKER_REGIONS, checkerAddress } from "./checker";
import type { Route53 } from "./model";

export { aliasAddresses, checkerAddress, probeReport, type CheckerReport } from "./checker";

export interface HealthCheckObservation {
  Region: string;
  IPAddress: string;
  StatusReport: { Status: string; CheckedTime: Date };
}

/** GetHealthCheckStatus's HealthCheckObservations for `id`, now. */
export function healthCheckObservations(route53: Route53, alarms: AlarmService, id: string, now: number): HealthCheckObservation[] {
  const check = route53.find(id);
  if (!check) throw new ServiceError("NoSuchHealthCheck", `No health check exists with the specified ID ${id}`, 404);
  switch (check.type) {
    case "HTTP":
    case "HTTPS":
      return route53.checkerReports(id).flatMap((report, i) =>
        report
          ? [
              {
                Region: CHECKER_REGIONS[i],
                IPAddress: checkerAddress(i),
                StatusReport: { Status: report.status, CheckedTime: new Date(report.at) },
              },
            ]
          : [],
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
      return CHECKER_REGIONS.map((region, i) => ({
        Region: region,
        IPAddress: checkerAddress(i),
        StatusReport: { Status: status, CheckedTime: new Date(now) },
      }));
    }
    case "CALCULATED":
      throw new ServiceError(
        "InvalidInput",
        `Health check ${id} is a calculated health check; GetHealthCheckStatus cannot report its status (use the console or CloudWatch)`,
        400,
      );
  }
}
