/**
 * The VPC endpoints of the evaluated stack and which route table each subnet uses, read into the
 * typed deployment (types.ts): what a function attached to a VPC can reach (sim/vpc-routing.ts).
 * Fields are CreateVpcEndpoint's as the Pulumi resource spells them
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html): the service
 * name `com.amazonaws.<region>.<service>` names the region the endpoint serves.
 */
import type { CapturedResource } from "../../infra/offline/mocks";
import type { PolicyDocument } from "./iam";
import { DeploymentModelError, need } from "./parts";
import type { VpcEndpointDefinition } from "./types";

const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
const ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";

/** `com.amazonaws.us-east-1.dynamodb` → region and service; a global service (`com.amazonaws.route53`) has no region. */
function parseServiceName(serviceName: string, where: string): { serviceRegion?: string; service: string } {
  const m = /^com\.amazonaws\.(?:([a-z]{2}(?:-[a-z]+)+-\d+)\.)?([a-z0-9.-]+)$/.exec(serviceName);
  if (!m) throw new DeploymentModelError(`${where}: service name ${serviceName} is not com.amazonaws.<region>.<service>`);
  return { ...(m[1] ? { serviceRegion: m[1] } : {}), service: m[2] };
}

export function readVpcEndpoints(resources: readonly CapturedResource[]): VpcEndpointDefinition[] {
  return resources
    .filter((r) => r.type === ENDPOINT)
    .map((r) => {
      const i = r.inputs;
      const where = `VPC endpoint ${r.name}`;
      const serviceName = need<string>(i.serviceName, `${where} has no serviceName`);
      // The endpoint policy: a JSON string as the program passes it. None attached = AWS's default
      // policy, full access ("If you don't attach an endpoint policy, we attach the default endpoint
      // policy", https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
      const policy = typeof i.policy === "string" ? (JSON.parse(i.policy) as PolicyDocument) : (i.policy as PolicyDocument | undefined);
      return {
        id: r.id,
        region: need<string>(r.region, `${where} has no region`),
        vpcId: need<string>(i.vpcId, `${where} has no vpcId`),
        serviceName,
        ...parseServiceName(serviceName, where),
        // CreateVpcEndpoint's default type is Gateway.
        type: (i.vpcEndpointType ?? "Gateway") as "Gateway" | "Interface",
        routeTableIds: [...((i.routeTableIds ?? []) as string[])],
        subnetIds: [...((i.subnetIds ?? []) as string[])],
        // The provider's default for privateDnsEnabled is false.
        privateDnsEnabled: i.privateDnsEnabled === true,
        ...(policy ? { policy } : {}),
      };
    });
}

/** subnet id → the route table associated with it (a subnet without one uses the VPC's main table: none of ours). */
export function readRouteTables(resources: readonly CapturedResource[]): Map<string, string> {
  return new Map(
    resources
      .filter((r) => r.type === ROUTE_TABLE_ASSOCIATION && typeof r.inputs.subnetId === "string")
      .map((r) => [r.inputs.subnetId as string, need<string>(r.inputs.routeTableId, `route table association ${r.name}`)]),
  );
}
