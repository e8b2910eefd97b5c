/**
 * Where a call from a function attached to a VPC can go. The stack's payment-path functions run in
 * private subnets with no NAT gateway and no internet route (infra/components/network/
 * regional-network.ts), so the only ways out are the VPC's endpoints, read from the evaluated
 * program (deployment/vpc-endpoints.ts), never from a list written here:
 *
 * - a gateway endpoint (DynamoDB, S3) serves the subnets whose route table routes to it, and only
 *   the service in the VPC's own region: gateway endpoints are supported within the same Region
 *   only (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html, Considerations);
 * - an interface endpoint serves the service named in its service name — the VPC's own region,
 *   or another one only where the endpoint was created for it (cross-Region PrivateLink covers a
 *   few services: S3, IAM, ECR, KMS, ECS, Lambda, Firehose, Managed Flink, Route 53 — not DynamoDB,
 *   SQS, SNS or SSM at the time of writing,
 *   https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-cross-region-privatelink-support.html).
 *   The SDK calls the service's default DNS name, which resolves to the endpoint only with private
 *   DNS enabled ("Enable private DNS names",
 *   https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html); without
 *   it the name resolves to public addresses the subnet has no route to.
 *
 * Anything else — another region's endpoint, a service with no endpoint in the VPC — has no route:
 * the packets are dropped and nothing answers, so the caller's SDK waits out its connection timeout
 * on every attempt (the harsher reading: no reset, no quick refusal). A function not attached to a
 * VPC runs in Lambda's own network and reaches every public regional endpoint
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).
 */
import type { Deployment, FunctionSpec, VpcEndpointDefinition } from "./deployment/types";

/** The endpoint service name of a simulated service, where the two differ (CloudWatch is `monitoring`, Step Functions `states`). */
const ENDPOINT_SERVICE: Record<string, string> = { cloudwatch: "monitoring", sfn: "states" };

export function endpointServiceOf(service: string): string {
  return ENDPOINT_SERVICE[service] ?? service;
}

/** How a call leaves its caller: over Lambda's own network, through one VPC endpoint, or nowhere. */
export type Route = { kind: "public" } | { kind: "endpoint"; endpoint: VpcEndpointDefinition } | { kind: "unroutable"; why: string };

export class VpcRouting {
  private readonly byName: Map<string, FunctionSpec>;
  private readonly routeTableOf: Map<string, string | undefined>;
  private readonly vpcOf: Map<string, string>;

  constructor(private readonly deployment: Deployment) {
    this.byName = new Map(deployment.functions.map((f) => [f.name, f]));
    this.routeTableOf = new Map((deployment.subnets ?? []).map((s) => [s.id, s.routeTableId]));
    this.vpcOf = new Map((deployment.subnets ?? []).map((s) => [s.id, s.vpcId]));
  }

  /** Whether `functionName` runs attached to a VPC: then only its endpoints lead out, not the internet. */
  attached(functionName: string | undefined): boolean {
    const fn = functionName ? this.byName.get(functionName) : undefined;
    return (fn?.subnetIds?.length ?? 0) > 0;
  }

  /** The route of a call to `service` in `region` made by `functionName` (undefined: not a Lambda function). */
  route(functionName: string | undefined, service: string, region: string): Route {
    const fn = functionName ? this.byName.get(functionName) : undefined;
    if (!fn?.subnetIds || fn.subnetIds.length === 0) return { kind: "public" };
    const endpointService = endpointServiceOf(service);
    const vpcs = new Set(fn.subnetIds.map((s) => this.vpcOf.get(s)));
    // A function's subnets are all in one VPC (Lambda requires it); an unknown subnet belongs to none.
    const vpcId = vpcs.size === 1 ? [...vpcs][0] : undefined;
    const serves = (e: VpcEndpointDefinition) =>
      e.vpcId === vpcId &&
      e.service === endpointService &&
      (e.serviceRegion ?? e.region) === region &&
      (e.type === "Gateway"
        ? // Lambda picks any of the function's subnets per network interface: every one must route to it.
          fn.subnetIds?.every((s) => e.routeTableIds.includes(this.routeTableOf.get(s) ?? ""))
        : e.privateDnsEnabled);
    const endpoint = (this.deployment.vpcEndpoints ?? []).find(serves);
    if (endpoint) return { kind: "endpoint", endpoint };
    return {
      kind: "unroutable",
      why: `${fn.name} runs in ${vpcId ?? "subnets of no known VPC"}, which has no route to ${endpointService} in ${region} (no endpoint for it)`,
    };
  }
}
