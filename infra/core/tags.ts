/**
 * Tags every taggable resource with `Environment`, `Region` and `DR-Role`, in one place: a
 * transformation installed on the program's root component and inherited by every child.
 *
 * The scope of a resource is derived from its own inputs, not remembered per resource:
 * - a regional resource carries v7's per-resource `region` input -> its region;
 * - a DynamoDB table with replicas spans regions -> `global`;
 * - IAM and Route 53 have no region -> the region slot of the name naming.ts gave it (a role
 *   serving one region's function) or `global` (a role used from both regions).
 * A regional resource without a `region` input is rejected: it would silently land in the
 * provider's default region, which is exactly the mistake a two-region stack cannot afford.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DrConfig } from "./config";
import { GLOBAL, type RegionSlot } from "./naming";

export type DrRole = "primary" | "secondary" | "global";

export const TAG_KEYS = ["Environment", "Region", "DR-Role"] as const;

/** Type-token prefixes of AWS services (and account-wide settings) that have no region. */
export const GLOBAL_TYPE_PREFIXES = ["aws:iam/", "aws:route53/", "aws:s3/accountPublicAccessBlock:"];

/**
 * Resource types whose Args accept `tags`. Kept explicit because passing `tags` to a type that
 * does not take them is an error at deploy time; test/infra/tags.test.ts checks this list
 * against the @pulumi/aws typings for every type the stack creates, so it cannot drift.
 */
export const TAGGABLE_TYPES = new Set<string>([
  "aws:apigateway/domainName:DomainName",
  "aws:apigateway/restApi:RestApi",
  "aws:apigateway/stage:Stage",
  "aws:acm/certificate:Certificate",
  "aws:backup/plan:Plan",
  "aws:backup/vault:Vault",
  "aws:cloudwatch/compositeAlarm:CompositeAlarm",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:cloudwatch/logDestination:LogDestination",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:dynamodb/table:Table",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "aws:ec2/flowLog:FlowLog",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
  "aws:fis/experimentTemplate:ExperimentTemplate",
  "aws:iam/role:Role",
  "aws:iam/policy:Policy",
  "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
  "aws:kms/key:Key",
  "aws:lambda/function:Function",
  "aws:lambda/eventSourceMapping:EventSourceMapping",
  "aws:route53/healthCheck:HealthCheck",
  "aws:route53/zone:Zone",
  "aws:s3/bucket:Bucket",
  "aws:scheduler/scheduleGroup:ScheduleGroup",
  "aws:sfn/stateMachine:StateMachine",
  "aws:sns/topic:Topic",
  "aws:sqs/queue:Queue",
  "aws:ssm/parameter:Parameter",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:wafv2/webAcl:WebAcl",
]);

export function isGlobalType(type: string): boolean {
  return GLOBAL_TYPE_PREFIXES.some((prefix) => type.startsWith(prefix));
}

export class TaggingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaggingError";
  }
}

type ScopeConfig = Pick<DrConfig, "environment" | "primaryRegion" | "secondaryRegion">;

/**
 * The region slot of a physical name built by naming.ts (`{service}-{slot}-{environment}`,
 * buckets add `-{accountId}`), or undefined if the name does not follow the pattern (paths such
 * as log-group and parameter names, DNS names).
 */
export function regionSlotOfName(name: unknown, config: ScopeConfig): RegionSlot | undefined {
  if (typeof name !== "string") return undefined;
  for (const slot of [config.primaryRegion, config.secondaryRegion, GLOBAL]) {
    if (new RegExp(`-${slot}-${config.environment}(-\\d{12})?$`).test(name)) return slot;
  }
  return undefined;
}

/**
 * Where a resource lives for tagging purposes, derived from its inputs:
 * - regional types: the `region` input (required), `global` for a table with replicas;
 * - IAM / Route 53: the region slot of the resource's name (a role that serves one region's
 *   function is named after that region) or `global`.
 * A regional resource whose name names another region is rejected.
 */
export function scopeOf(type: string, name: string, props: Record<string, unknown>, config: ScopeConfig): RegionSlot {
  const slot = regionSlotOfName(props.name ?? props.bucket ?? props.functionName ?? props.alarmName, config);
  if (isGlobalType(type)) return slot ?? GLOBAL;
  const region = props.region;
  if (typeof region !== "string" || region.length === 0) {
    throw new TaggingError(`${type} "${name}" has no explicit region; every regional resource must set the per-resource \`region\` input`);
  }
  if (type === "aws:dynamodb/table:Table" && Array.isArray(props.replicas) && props.replicas.length > 0) {
    return GLOBAL;
  }
  if (slot !== undefined && slot !== GLOBAL && slot !== region) {
    throw new TaggingError(`${type} "${name}" is named for ${slot} but deployed to ${region}`);
  }
  return region;
}

export function drRole(scope: RegionSlot, config: Pick<DrConfig, "primaryRegion" | "secondaryRegion">): DrRole {
  if (scope === config.primaryRegion) return "primary";
  if (scope === config.secondaryRegion) return "secondary";
  if (scope === GLOBAL) return "global";
  throw new TaggingError(`region "${scope}" is neither the primary nor the secondary region`);
}

export function drTags(scope: RegionSlot, config: Pick<DrConfig, "environment" | "primaryRegion" | "secondaryRegion">) {
  return {
    Environment: config.environment,
    Region: scope,
    "DR-Role": drRole(scope, config),
    Project: "payments-dr",
  };
}

/**
 * The transformation: validates the region of every AWS resource and merges the DR tags into
 * the taggable ones (the DR tags win over anything a component set by hand).
 */
export function tagTransformation(config: DrConfig): pulumi.ResourceTransformation {
  return ({ type, name, props, opts }) => {
    if (!type.startsWith("aws:") || type.startsWith("pulumi:providers:")) return undefined;
    const scope = scopeOf(type, name, props, config);
    if (!TAGGABLE_TYPES.has(type)) return undefined;
    return { props: { ...props, tags: { ...(props.tags ?? {}), ...drTags(scope, config) } }, opts };
  };
}
