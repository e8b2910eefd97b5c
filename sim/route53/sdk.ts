/**
 * Route 53's API through the SDK: GetHealthCheckStatus only (what `drctl status` asks). Route 53
 * is a global service whose API endpoint is in us-east-1
 * (https://docs.aws.amazon.com/general/latest/gr/r53.html): whatever region a client names, the
 * call is judged against us-east-1, so it fails while us-east-1 is down. Nothing in the runbooks
 * calls this API (by design); the data plane (checkers, answers) is route53.ts.
 */
import * as route53 from "@aws-sdk/client-route-53";
import { healthCheckObservations } from "./status";
import type { SdkBackend } from "../sdk/backend";
import { installFake } from "../sdk/plumbing";

export const ROUTE53_API_REGION = "us-east-1";

export function installRoute53Fake(b: () => SdkBackend): void {
  installFake(
    {
      service: "route53",
      module: route53 as unknown as Record<string, unknown>,
      client: route53.Route53Client,
      endpointRegion: ROUTE53_API_REGION,
      commands: [
        [
          route53.GetHealthCheckStatusCommand,
          (i: Record<string, any>) => ({
            HealthCheckObservations: healthCheckObservations(b().route53, b().alarms, String(i.HealthCheckId ?? ""), b().now()),
          }),
        ],
      ],
    },
    b,
  );
}
