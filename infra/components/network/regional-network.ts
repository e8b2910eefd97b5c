import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { resourceName } from "../../core/naming";
import { GATEWAY_ENDPOINT_SERVICES, INTERFACE_ENDPOINT_SERVICES, vpcEndpointPolicy } from "../../core/endpoint-policies";
import { policyDocument, serviceTrustPolicy } from "../../core/policy-documents";
import { ShippedLogGroup } from "../logging/shipped-log-group";

export interface RegionalNetworkArgs {
  region: string;
  environment: string;
  accountId: pulumi.Input<string>;
  /** A /16 distinct per region, so the two VPCs could be peered later. */
  vpcCidr: string;
  /** Number of AZs (and private subnets). Default behaviour: 3. */
  availabilityZoneCount?: number;
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  /** Logs destination (this region) that ships to the other region. */
  logDestinationArn: pulumi.Input<string>;
}

/**
 * One region's network: a VPC with private subnets only (no internet gateway, no public IPs),
 * gateway endpoints for DynamoDB and S3, interface endpoints for the other services the payment
 * functions call (each with an endpoint policy: this account only, infra/core/endpoint-policies.ts), security groups that allow exactly function -> endpoint on 443, a default
 * security group with no rules, and VPC flow logs.
 */
export class RegionalNetwork extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly availabilityZones: pulumi.Output<string>[];
  readonly functionSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: RegionalNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("payments-dr:network:RegionalNetwork", name, {}, opts);
    const { region, environment } = args;
    const azCount = args.availabilityZoneCount ?? 3;
    const parent = { parent: this };
    // EC2 resources have no name field: the console shows the Name tag, named like everything else.
    const nameTag = (service: string) => ({ Name: resourceName(service, region, environment) });

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { region, cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: nameTag("payments-vpc") },
      parent,
    );
    // EC2.2: the default security group must not allow any traffic.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { region, vpcId: vpc.id, ingress: [], egress: [] }, parent);

    const zones = aws.getAvailabilityZonesOutput({ region, state: "available" }, parent);
    const routeTable = new aws.ec2.RouteTable(`${name}-private-rt`, { region, vpcId: vpc.id, tags: nameTag("private-routes") }, parent);
    this.availabilityZones = [];
    this.privateSubnetIds = [];
    for (let i = 0; i < azCount; i++) {
      const az = zones.names.apply((names) => {
        if (names.length < azCount) throw new Error(`${region} offers ${names.length} AZs; ${azCount} are needed`);
        return names[i];
      });
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          region,
          vpcId: vpc.id,
          availabilityZone: az,
          cidrBlock: subnetCidr(args.vpcCidr, i),
          mapPublicIpOnLaunch: false,
          tags: nameTag(`private-${i + 1}`),
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}-rta`, { region, subnetId: subnet.id, routeTableId: routeTable.id }, parent);
      this.availabilityZones.push(az);
      this.privateSubnetIds.push(subnet.id);
    }

    const functionSg = new aws.ec2.SecurityGroup(
      `${name}-functions-sg`,
      {
        region,
        vpcId: vpc.id,
        name: resourceName("functions", region, environment),
        description: "Payment functions: egress to VPC endpoints only",
      },
      parent,
    );
    const endpointSg = new aws.ec2.SecurityGroup(
      `${name}-endpoints-sg`,
      {
        region,
        vpcId: vpc.id,
        name: resourceName("endpoints", region, environment),
        description: "Interface endpoints: HTTPS from payment functions only",
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-endpoints-from-functions`,
      {
        region,
        securityGroupId: endpointSg.id,
        referencedSecurityGroupId: functionSg.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS from payment functions",
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-functions-to-endpoints`,
      {
        region,
        securityGroupId: functionSg.id,
        referencedSecurityGroupId: endpointSg.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to interface endpoints",
      },
      parent,
    );

    for (const service of GATEWAY_ENDPOINT_SERVICES) {
      const endpoint = new aws.ec2.VpcEndpoint(
        `${name}-${service}`,
        {
          region,
          vpcId: vpc.id,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Gateway",
          routeTableIds: [routeTable.id],
          // Without a policy a gateway endpoint allows full access: any bucket or table of any
          // account. This account's principals, on this account's resources, for granted actions only
          // (Principal "*" bound by aws:PrincipalAccount: a gateway endpoint reads an account principal as its root user).
          // "If you don't attach an endpoint policy, we attach the default endpoint policy", which
          // "grants full access through the endpoint" (Principal *, Action *, Resource *).
          // https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html
          policy: pulumi.jsonStringify(vpcEndpointPolicy(service, args.accountId, "Gateway")),
          tags: nameTag(`${service}-endpoint`),
        },
        parent,
      );
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-functions-to-${service}`,
        {
          region,
          securityGroupId: functionSg.id,
          prefixListId: endpoint.prefixListId,
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          description: `HTTPS to ${service} (gateway endpoint)`,
        },
        parent,
      );
    }
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service}`,
        {
          region,
          vpcId: vpc.id,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          policy: pulumi.jsonStringify(vpcEndpointPolicy(service, args.accountId, "Interface")),
          subnetIds: this.privateSubnetIds,
          securityGroupIds: [endpointSg.id],
          tags: nameTag(`${service}-endpoint`),
        },
        parent,
      );
    }

    // V2 / EC2.6: flow logs for the whole VPC, into a shipped, encrypted log group.
    const flowLogGroup = new ShippedLogGroup(
      `${name}-flow-logs`,
      {
        region,
        logGroupName: `/payments-dr/${environment}/vpc-flow-logs/${region}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyArn: args.kmsKeyArn,
        destinationArn: args.logDestinationArn,
      },
      parent,
    );
    const flowLogRole = new aws.iam.Role(
      `${name}-flow-logs-role`,
      {
        name: resourceName("vpc-flow-logs", region, environment),
        assumeRolePolicy: pulumi.jsonStringify(
          serviceTrustPolicy(
            "vpc-flow-logs.amazonaws.com",
            args.accountId,
            pulumi.interpolate`arn:aws:ec2:${region}:${args.accountId}:vpc-flow-log/*`,
          ),
        ),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs-policy`,
      {
        role: flowLogRole.name,
        policy: pulumi.jsonStringify(
          policyDocument([
            {
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
              Resource: [flowLogGroup.arn, pulumi.interpolate`${flowLogGroup.arn}:*`],
            },
          ]),
        ),
      },
      parent,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        region,
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: flowLogGroup.arn,
        iamRoleArn: flowLogRole.arn,
        maxAggregationInterval: 60,
      },
      parent,
    );

    this.vpcId = vpc.id;
    this.functionSecurityGroupId = functionSg.id;
    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds });
  }
}

/** The i-th /20 of a /16, e.g. 10.20.0.0/16 -> 10.20.16.0/20 for i = 1. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const match = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(vpcCidr);
  if (!match) throw new Error(`vpcCidr "${vpcCidr}" must be a /16 such as 10.20.0.0/16`);
  if (index < 0 || index > 15) throw new Error(`subnet index ${index} is outside 0..15`);
  return `${match[1]}.${match[2]}.${index * 16}.0/20`;
}
