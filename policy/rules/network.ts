/** The VPC of each region: endpoints, flow logs, default security group, private subnets (V1, V2). */
import * as aws from "@pulumi/aws";
import { iamPrefixOfEndpointService } from "../../infra/core/endpoint-policies";
import { WILDCARD_RESOURCE_ACTIONS } from "../../infra/core/lambda-permissions";
import { parseArn } from "../lib/arn";
import { actionsOf, conditionValues, isAllow, isWildcardAction, principalsOf, statementsOf } from "../lib/documents";
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

/**
 * An endpoint without a policy allows full access to its service ("the default policy allows full
 * access"), so the S3 gateway endpoint becomes a path to any bucket of any account.
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
 */
export const vpcEndpointPolicies = stackRule(
  {
    id: "V1",
    name: "vpc-endpoint-policies",
    title:
      "Every VPC endpoint has a policy that lets only this account's principals through (aws:PrincipalAccount), to this account's resources (aws:ResourceAccount) wherever the action has a resource, for named actions of the endpoint's own service.",
    sources:
      "AWS PrivateLink endpoint policies (the default allows full access); AWS data perimeter guidance (aws:PrincipalAccount, aws:ResourceAccount); Security Hub EC2.10 (analogue)",
  },
  (stack, report) => {
    for (const { resource, props } of stack.all(aws.ec2.VpcEndpoint)) {
      const service = String(props.serviceName ?? "")
        .split(".")
        .pop();
      const where = `the ${service} endpoint (${props.region})`;
      const account = parseArn(props.arn)?.account;
      if (!props.policy) {
        report(`${where} has no endpoint policy: it allows full access to ${service}, in any account`, resource.urn);
        continue;
      }
      const prefix = `${iamPrefixOfEndpointService(service ?? "")}:`;
      for (const s of statementsOf(props.policy).filter(isAllow)) {
        const sid = s.Sid ? ` (${s.Sid})` : "";
        const p = principalsOf(s);
        const principalAccounts = conditionValues(s, "aws:PrincipalAccount", ["StringEquals"]);
        const namedOnlyOurs = !p.anyone && p.aws.length > 0 && p.aws.every((a) => a === account || parseArn(a)?.account === account);
        if (!(principalAccounts.length > 0 && principalAccounts.every((a) => a === account)) && !namedOnlyOurs)
          report(`${where}${sid} lets principals of other accounts through (no aws:PrincipalAccount ${account})`, resource.urn);
        const actions = actionsOf(s);
        for (const a of actions) {
          if (isWildcardAction(a)) report(`${where}${sid} allows ${a}`, resource.urn);
          else if (!a.startsWith(prefix)) report(`${where}${sid} allows ${a}, not an action of ${service}`, resource.urn);
        }
        const resourceAccounts = conditionValues(s, "aws:ResourceAccount", ["StringEquals"]);
        const needResource = actions.filter((a) => !(a in WILDCARD_RESOURCE_ACTIONS));
        if (needResource.length > 0 && !(resourceAccounts.length > 0 && resourceAccounts.every((a) => a === account)))
          report(
            `${where}${sid} lets ${needResource.join(", ")} reach resources of other accounts (no aws:ResourceAccount ${account})`,
            resource.urn,
          );
      }
    }
  },
);

export const networkRules = [vpcEndpoints, vpcEndpointPolicies, vpcHygiene];
