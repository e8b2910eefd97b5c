/**
 * Two regions, one shape (X1, K2, P1): every regional resource has its twin in the other region,
 * and each region uses only its own keys and parameters, so either region runs on its own
 * (static stability).
 */
import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";
import { partitionOfArn, partitionOfRegion, STACK_PARTITION } from "../../infra/core/aws-facts";
import { regionalReferences, regionInName } from "../lib/arn";
import { statementsOf } from "../lib/documents";
import { stackRule } from "../lib/rule";
import type { StackIndex } from "../lib/stack";
import { ONE_REGION_ONLY, type RegionFacts } from "../exceptions";

/** The logical name with the region and the role taken out: what its twin is called too. */
function shapeOf(r: PolicyResource, regions: string[]): string {
  let name = r.name;
  for (const region of regions) name = name.split(region).join("<region>");
  return `${r.type} ${name.replace(/primary|secondary/g, "<role>")}`;
}

export const regionSymmetry = stackRule(
  {
    id: "X1",
    name: "region-symmetry",
    title:
      "The stack spans exactly a primary and a secondary region, and every regional resource in one has its twin in the other, except the declared one-region resources.",
    sources: "AWS Well-Architected REL11-BP05 (static stability); REL13 (disaster recovery)",
  },
  (stack, report) => {
    const { primary, secondary } = stack.regionRoles();
    if (!primary || !secondary) {
      report("the primary and secondary regions cannot be told apart (no DR-Role tags)");
      return;
    }
    const regions = [primary, secondary];
    const regional = stack.resources.filter((r) => r.type.startsWith("aws:") && typeof r.props.region === "string");
    for (const r of regional)
      if (!regions.includes(r.props.region))
        report(`${r.type} ${r.name} is deployed to ${r.props.region}, neither ${primary} nor ${secondary}`, r.urn);

    const facts = (r: PolicyResource): RegionFacts => ({ region: r.props.region, primary, secondary });
    const symmetric = regional.filter((r) => !ONE_REGION_ONLY.some((o) => o.matches(r.type, r.props, facts(r))));
    const count = (region: string) => {
      const shapes = new Map<string, PolicyResource[]>();
      for (const r of symmetric.filter((x) => x.props.region === region)) {
        const shape = shapeOf(r, regions);
        shapes.set(shape, [...(shapes.get(shape) ?? []), r]);
      }
      return shapes;
    };
    const [inPrimary, inSecondary] = [count(primary), count(secondary)];
    for (const [mine, theirs, here, there] of [
      [inPrimary, inSecondary, primary, secondary],
      [inSecondary, inPrimary, secondary, primary],
    ] as const) {
      for (const [shape, list] of mine) {
        const twins = theirs.get(shape)?.length ?? 0;
        if (twins < list.length) report(`${list[0].type} ${list[0].name} in ${here} has no twin in ${there}`, list[0].urn);
      }
    }
  },
);

/** Paths whose ARNs legitimately belong to another region: replicas, replication destinations. */
function regionForPath(r: PolicyResource, path: string[], value: Record<string, unknown>): string | undefined {
  if (r.type === "aws:dynamodb/table:Table" && path[0] === "replicas" && path.length === 2) return String(value.regionName);
  return undefined;
}

function referencesOf(r: PolicyResource): { path: string; region: string; arn: string; kind: string; expected: string }[] {
  const out: { path: string; region: string; arn: string; kind: string; expected: string }[] = [];
  const walk = (value: unknown, path: string[], expected: string) => {
    if (typeof value === "string") {
      for (const ref of regionalReferences(value))
        out.push({ path: path.join("."), region: ref.region, arn: ref.arn, kind: ref.kind, expected });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(v, [...path, String(i)], expected);
      });
    } else if (value && typeof value === "object") {
      const override = regionForPath(r, path, value as Record<string, unknown>);
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k], override ?? expected);
    }
  };
  const skip = r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig" ? ["rules"] : [];
  for (const [k, v] of Object.entries(r.props)) if (!skip.includes(k)) walk(v, [k], r.props.region);
  return out;
}

/** Roles named for one region (`{service}-{region}-{env}`, infra/core/naming.ts) serve that region only. */
function regionPinnedPolicies(stack: StackIndex): { resource: PolicyResource; region: string; document: unknown }[] {
  const out: { resource: PolicyResource; region: string; document: unknown }[] = [];
  for (const { resource, props } of stack.all(aws.iam.RolePolicy)) {
    const region = regionInName(props.role);
    if (region) out.push({ resource, region, document: props.policy });
  }
  for (const { resource, props } of stack.all(aws.iam.Role)) {
    const region = regionInName(props.name);
    if (region) for (const p of props.inlinePolicies ?? []) out.push({ resource, region, document: p.policy });
  }
  return out;
}

export const regionLocalReferences = stackRule(
  {
    id: "K2",
    name: "region-local-keys-and-parameters",
    title:
      "Each region uses only its own KMS keys and SSM parameters (replicas and replication destinations use their own region's); roles named for a region are granted only that region's keys and parameters.",
    sources: "AWS Well-Architected REL11-BP05 (static stability); AWS Fault Isolation Boundaries (regional services)",
  },
  (stack, report) => {
    for (const r of stack.resources) {
      if (!r.type.startsWith("aws:") || typeof r.props.region !== "string") continue;
      for (const ref of referencesOf(r)) {
        if (ref.region !== ref.expected)
          report(`${r.type} ${r.name} (${ref.expected}) refers to a ${ref.kind} of ${ref.region} at ${ref.path}: ${ref.arn}`, r.urn);
      }
    }
    for (const { resource, region, document } of regionPinnedPolicies(stack)) {
      const text = JSON.stringify(statementsOf(document));
      for (const ref of regionalReferences(text))
        if (ref.region !== region)
          report(`${resource.name}, a role policy of ${region}, grants a ${ref.kind} of ${ref.region}: ${ref.arn}`, resource.urn);
    }
  },
);

/** Parameter names that announce a secret. */
const SENSITIVE_NAME = /(secret|password|passwd|token|credential|private-?key|api-?key)/i;

export const ssmParameters = stackRule(
  {
    id: "P1",
    name: "ssm-parameters",
    title:
      "Both regions hold the same parameter names (each with its own values), and parameters named like secrets are SecureString under a customer-managed key.",
    sources: "Checkov CKV2_AWS_34 and CKV_AWS_337; AWS Well-Architected REL11-BP05",
  },
  (stack, report) => {
    const { primary, secondary } = stack.regionRoles();
    const parameters = stack.all(aws.ssm.Parameter);
    for (const { resource, props } of parameters) {
      if (SENSITIVE_NAME.test(props.name) && (props.type !== "SecureString" || !props.keyId))
        report(`parameter ${props.name} looks sensitive but is not a SecureString under a customer-managed key`, resource.urn);
    }
    if (!primary || !secondary) return;
    const names = (region: string) => new Set(parameters.filter(({ props }) => props.region === region).map(({ props }) => props.name));
    const [a, b] = [names(primary), names(secondary)];
    for (const [mine, theirs, there] of [
      [a, b, secondary],
      [b, a, primary],
    ] as const) {
      for (const name of mine) if (!theirs.has(name)) report(`parameter ${name} is missing in ${there}`);
    }
  },
);

/** Every string value inside a resource's properties (policies, definitions and environments included). */
function* stringsIn(value: unknown): Generator<string> {
  if (typeof value === "string") yield value;
  else if (Array.isArray(value)) for (const v of value) yield* stringsIn(v);
  else if (value && typeof value === "object") for (const v of Object.values(value)) yield* stringsIn(v);
}

/**
 * An ARN names its partition (`arn:aws:`, `arn:aws-us-gov:`, `arn:aws-cn:`); a resource in a region
 * of one partition that names ARNs of another refers to something that does not exist there.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export const singlePartition = stackRule(
  {
    id: "X1",
    name: "single-partition",
    title: `Every resource is deployed to a region of the ${STACK_PARTITION} partition and every ARN the stack writes names that partition.`,
    sources: "IAM ARN format (the partition is part of every ARN); AWS Fault Isolation Boundaries (partitions)",
  },
  (stack, report) => {
    for (const r of stack.resources.filter((x) => x.type.startsWith("aws:"))) {
      const region = r.props.region;
      if (typeof region === "string" && partitionOfRegion(region) !== STACK_PARTITION)
        report(
          `${r.type} ${r.name} is deployed to ${region}, in the ${partitionOfRegion(region) ?? "unknown"} partition, not ${STACK_PARTITION}`,
          r.urn,
        );
      const foreign = new Set<string>();
      for (const text of stringsIn(r.props))
        for (const m of text.matchAll(/arn:([a-z-]+):[a-z0-9-]+:/g)) if (partitionOfArn(m[0]) !== STACK_PARTITION) foreign.add(m[1]);
      if (foreign.size > 0)
        report(`${r.type} ${r.name} names ARNs of the ${[...foreign].join(", ")} partition, not ${STACK_PARTITION}`, r.urn);
    }
  },
);

export const symmetryRules = [regionSymmetry, singlePartition, regionLocalReferences, ssmParameters];
