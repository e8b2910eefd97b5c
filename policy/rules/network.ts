/** The VPC of each region: endpoints, flow logs, default security group, private subnets (V1, V2). */
import * as aws from "@pulumi/aws";
import { stackRule } from "../lib/rule";
import {
  configWithDefaults,
  DEFAULT_REQUIRED_GATEWAY_ENDPOINTS,
  DEFAULT_REQUIRED_INTERFACE_ENDPOINTS,
  ENDPOINT_CONFIG_SCHEMA,
  type EndpointConfig,
} from "../config";

export const vpcEndpoints = stackRule(
  {
    id: "V1",
    name: "vpc-endpoints",
    title:
      "Every VPC reaches the AWS services its functions call through endpoints (configurable lists): gateway endpoints, and interface endpoints with private DNS in at least two Availability Zones.",
    sources: "Security Hub EC2.10 (analogue); Lambda in private subnets without NAT (docs/architecture.md)",
    configSchema: ENDPOINT_CONFIG_SCHEMA,
  },
  (stack, report, args) => {
    const config = configWithDefaults<EndpointConfig>(args, {
      requiredInterfaceEndpoints: DEFAULT_REQUIRED_INTERFACE_ENDPOINTS,
      requiredGatewayEndpoints: DEFAULT_REQUIRED_GATEWAY_ENDPOINTS,
    });
    const endpoints = stack.all(aws.ec2.VpcEndpoint).map(({ props }) => props);
    for (const { resource, props: vpc } of stack.all(aws.ec2.Vpc)) {
      const mine = endpoints.filter((e) => e.vpcId === vpc.id);
      const has = (service: string, type: string) =>
        mine.filter((e) => e.serviceName === `com.amazonaws.${vpc.region}.${service}` && (e.vpcEndpointType ?? "Gateway") === type);
      for (const service of config.requiredGatewayEndpoints)
        if (has(service, "Gateway").length === 0) report(`VPC in ${vpc.region} has no gateway endpoint for ${service}`, resource.urn);
      for (const service of config.requiredInterfaceEndpoints) {
        const found = has(service, "Interface");
        if (found.length === 0) report(`VPC in ${vpc.region} has no interface endpoint for ${service}`, resource.urn);
        for (const e of found) {
          if (e.privateDnsEnabled !== true) report(`the ${service} endpoint in ${vpc.region} has no private DNS`, resource.urn);
          const zones = new Set(
            (e.subnetIds ?? []).map((id) => stack.byId("aws:ec2/subnet:Subnet", id)?.props.availabilityZone).filter(Boolean),
          );
          if (zones.size < 2) report(`the ${service} endpoint in ${vpc.region} spans ${zones.size} Availability Zone(s)`, resource.urn);
        }
      }
    }
  },
);

export const vpcHygiene = stackRule(
  {
    id: "V2",
    name: "vpc-flow-logs-default-sg",
    title: "Every VPC has flow logs for all traffic, a default security group without rules, and no subnet that assigns public IPs.",
    sources: "Security Hub EC2.6, EC2.2 and EC2.15; Checkov CKV2_AWS_11 and CKV2_AWS_12",
  },
  (stack, report) => {
    const flowLogs = stack.all(aws.ec2.FlowLog).map(({ props }) => props);
    const defaults = stack.all(aws.ec2.DefaultSecurityGroup).map(({ props }) => props);
    for (const { resource, props: vpc } of stack.all(aws.ec2.Vpc)) {
      if (!flowLogs.some((f) => f.vpcId === vpc.id && f.trafficType === "ALL"))
        report(`VPC in ${vpc.region} has no flow log of ALL traffic`, resource.urn);
      const sg = defaults.find((d) => d.vpcId === vpc.id);
      if (!sg)
        report(`VPC in ${vpc.region} leaves its default security group unmanaged (it allows traffic within the group)`, resource.urn);
      else if ((sg.ingress ?? []).length > 0 || (sg.egress ?? []).length > 0)
        report(`the default security group of the VPC in ${vpc.region} has rules`, resource.urn);
    }
    for (const { resource, props } of stack.all(aws.ec2.Subnet)) {
      if (props.mapPublicIpOnLaunch === true) report(`subnet ${props.cidrBlock} (${props.region}) assigns public IPs`, resource.urn);
    }
  },
);

export const networkRules = [vpcEndpoints, vpcHygiene];
