/**
 * Route 53's API through the SDK: GetHealthCheckStatus (what `drctl status` asks), GetHostedZone and
 * GetReusableDelegationSet (what `drctl preflight` asks, from the account's zones and delegation
 * sets: account.ts). Route 53 is a global service whose API endpoint is in us-east-1
 * (https://docs.aws.amazon.com/general/latest/gr/r53.html): whatever region a client names, the
 * call is judged against us-east-1, so it fails while us-east-1 is down. Nothing in the runbooks
 * calls this API (by design); the data plane (checkers, answers) is route53.ts.
 */
import * as route53 from "@aws-sdk/client-route-53";
import { healthCheckObservations } from "./status";
import type { SdkBackend } from "../sdk/backend";
import { installFake } from "../sdk/plumbing";
import { ServiceError } from "../small-services";

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
        [
          // https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html
          route53.GetHostedZoneCommand,
          (i: Record<string, any>) => {
            const id = String(i.Id ?? "").replace(/^\/hostedzone\//, "");
            const zone = b().account.hostedZones.get(id);
            if (!zone) throw new ServiceError("NoSuchHostedZone", `No hosted zone found with ID: ${id}`, 404);
            return {
              HostedZone: {
                Id: `/hostedzone/${id}`,
                Name: `${zone.name}.`,
                CallerReference: "simulated",
                Config: { PrivateZone: false },
                ResourceRecordSetCount: 2,
              },
              DelegationSet: { NameServers: [...zone.nameServers] },
            };
          },
        ],
        [
          // https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetReusableDelegationSet.html
          route53.GetReusableDelegationSetCommand,
          (i: Record<string, any>) => {
            const id = String(i.Id ?? "").replace(/^\/delegationset\//, "");
            const nameServers = b().account.delegationSets.get(id);
            if (!nameServers)
              throw new ServiceError("NoSuchDelegationSet", `A reusable delegation set with the specified ID does not exist: ${id}`, 400);
            return { DelegationSet: { Id: `/delegationset/${id}`, CallerReference: "simulated", NameServers: [...nameServers] } };
          },
        ],
      ],
    },
    b,
  );
}
