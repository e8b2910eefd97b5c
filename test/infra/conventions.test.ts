/**
 * Stack-wide conventions: names, tags, regions, least-privilege IAM and region symmetry, checked
 * on every resource the program creates (Pulumi mocks).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Evaluation } from "../../infra/offline/evaluate";
import type { CapturedResource } from "../../infra/offline/mocks";
import { isGlobalType, TAG_KEYS, TAGGABLE_TYPES } from "../../infra/core/tags";
import { asArray, awsResources, iamPolicies, REGIONS, stack, statements } from "../support/stack";

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack();
});

/** Physical-name fields and the resources whose names follow AWS's own path conventions. */
const NAME_FIELDS = ["name", "bucket", "functionName", "alarmName"];
const PATH_NAMED = new Set([
  "aws:cloudwatch/logGroup:LogGroup", // /aws/lambda/<function>, /payments-dr/<env>/...
  "aws:ssm/parameter:Parameter", // /payments-dr/<env>/...
  "aws:kms/alias:Alias", // alias/<name>
  "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter", // one fixed name per log group
  "aws:route53/zone:Zone", // the DNS zone name
  "aws:route53/record:Record", // DNS names
  "aws:backup/plan:Plan",
  // Names scoped to a parent resource, not account-level physical names:
  "aws:iam/rolePolicy:RolePolicy", // inline policy name within its role
  "aws:apigateway/requestValidator:RequestValidator", // within its REST API
  "aws:apigateway/model:Model", // within its REST API
  // `functionName` here refers to the function, it is not the resource's own name:
  "aws:lambda/eventSourceMapping:EventSourceMapping",
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
]);

function physicalName(r: CapturedResource): string | undefined {
  for (const field of NAME_FIELDS) if (typeof r.inputs[field] === "string") return r.inputs[field];
  return undefined;
}

/** Does the @pulumi/aws typing of this resource's Args accept `tags`? */
function argsAcceptTags(type: string): boolean {
  const [, module, resource] = /^aws:([^/]+)\/([^:]+):/.exec(type)!;
  const file = join(__dirname, "..", "..", "node_modules", "@pulumi", "aws", module, `${resource}.d.ts`);
  if (!existsSync(file)) throw new Error(`no typings for ${type} at ${file}`);
  const source = readFileSync(file, "utf8");
  const args = source.slice(source.indexOf(`export interface ${type.split(":")[2]}Args {`));
  return /\n {4}tags\?: /.test(args.slice(0, args.indexOf("\n}")));
}

describe("naming", () => {
  it("names every named resource {service}-{region}-{environment}, with global for multi-region ones", () => {
    const offenders = awsResources(ev)
      .filter((r) => !PATH_NAMED.has(r.type))
      .map((r) => [r.type, physicalName(r)] as const)
      .filter(([, name]) => name !== undefined)
      .filter(([, name]) => !/^[a-z0-9-]+-(us-east-1|us-east-2|global)-dev(-\d{12})?$/.test(name!));
    expect(offenders).toEqual([]);
  });

  it("never names a regional resource after the other region", () => {
    const offenders = awsResources(ev)
      .filter((r) => r.region && physicalName(r))
      .filter((r) => {
        const other = r.region === REGIONS.primary ? REGIONS.secondary : REGIONS.primary;
        return physicalName(r)!.includes(`-${other}-`);
      })
      .map((r) => r.name);
    expect(offenders).toEqual([]);
  });
});

describe("tags", () => {
  it("knows exactly which of the stack's resource types accept tags (checked against the @pulumi/aws typings)", () => {
    const types = [...new Set(awsResources(ev).map((r) => r.type))].filter((t) => !t.startsWith("pulumi:"));
    const mismatches = types.filter((t) => argsAcceptTags(t) !== TAGGABLE_TYPES.has(t));
    expect(mismatches).toEqual([]);
  });

  it("tags every taggable resource with Environment, Region and DR-Role matching where it lives", () => {
    const offenders: string[] = [];
    for (const r of awsResources(ev).filter((r) => TAGGABLE_TYPES.has(r.type))) {
      const tags = r.inputs.tags ?? {};
      for (const key of TAG_KEYS) if (!tags[key]) offenders.push(`${r.name}: missing ${key}`);
      if (tags.Environment !== "dev") offenders.push(`${r.name}: Environment=${tags.Environment}`);
      const replicated = r.type === "aws:dynamodb/table:Table" && r.inputs.replicas?.length > 0;
      const expectedRegion = r.region === undefined || replicated ? tags.Region : r.region;
      if (tags.Region !== expectedRegion) offenders.push(`${r.name}: Region=${tags.Region}, deployed to ${r.region}`);
      const role = { "us-east-1": "primary", "us-east-2": "secondary", global: "global" }[tags.Region as string];
      if (tags["DR-Role"] !== role) offenders.push(`${r.name}: DR-Role=${tags["DR-Role"]} for Region=${tags.Region}`);
    }
    expect(offenders).toEqual([]);
  });

  it("marks the global tables and cross-region IAM roles global", () => {
    const globals = awsResources(ev)
      .filter((r) => r.inputs.tags?.Region === "global")
      .map((r) => physicalName(r));
    expect(globals).toEqual(
      expect.arrayContaining(["payments-global-dev", "dr-control-global-dev", "txlog-replication-global-dev", "backup-global-dev"]),
    );
  });
});

describe("regions", () => {
  it("sets an explicit region on every regional resource", () => {
    const missing = awsResources(ev)
      .filter((r) => !isGlobalType(r.type) && !r.region)
      .map((r) => `${r.type} ${r.name}`);
    expect(missing).toEqual([]);
  });

  it("uses, in each region, only that region's KMS keys", () => {
    const offenders: string[] = [];
    const visit = (r: CapturedResource, value: unknown, path: string, expected: string) => {
      if (typeof value === "string") {
        for (const [arn, region] of value.matchAll(/arn:aws:kms:([a-z0-9-]+):\d+:key\/[\w-]+/g)) {
          if (region !== expected) offenders.push(`${r.name}.${path}: ${arn}`);
        }
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => visit(r, v, `${path}[${i}]`, expected));
      } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
          // A replica's key must be in the replica's region; a replication destination key in the destination's.
          const nested = k === "replicas" ? undefined : expected;
          if (nested === undefined && Array.isArray(v)) v.forEach((rep: any, i) => visit(r, rep, `${path}.${k}[${i}]`, rep.regionName));
          else visit(r, v, `${path}.${k}`, expected);
        }
      }
    };
    for (const r of awsResources(ev).filter((r) => r.region)) {
      const inputs = { ...r.inputs };
      if (r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig") {
        // Checked in data-layer.test.ts: the replica key belongs to the destination region.
        delete inputs.rules;
      }
      if (r.type === "aws:kms/key:Key") delete inputs.policy;
      visit(r, inputs, "", r.region!);
    }
    expect(offenders).toEqual([]);
  });

  it("deploys every regional resource to both regions (region symmetry)", () => {
    // Deliberate asymmetries, each for a reason AWS imposes or the design requires:
    const ONE_REGION_ONLY: [RegExp, string][] = [
      [/^aws:dynamodb\/table:Table /, "global tables are created in the primary and replicated by DynamoDB"],
      [/^aws:dynamodb\/tableItem:TableItem /, "seed items of the control table (replicated)"],
      [/^aws:backup\/(plan:Plan|selection:Selection) /, "one backup plan, copying into the secondary vault"],
      [/ zone-global-dev-query-logs/, "Route 53 query logs can only go to us-east-1"],
      [/MetricAlarm alarms-<region>-dev-<role>-endpoint-health$/, "Route 53 health-check metrics exist only in us-east-1"],
      [/MetricAlarm dr-fence-alarm-<region>-dev-<role>-fenced$/, "the fence alarm lives in the secondary by design (DESIGN.md)"],
    ];
    const shape = (region: string) =>
      awsResources(ev)
        .filter((r) => r.region === region)
        .map((r) => `${r.type} ${r.name.replaceAll(region, "<region>").replace(/primary|secondary/g, "<role>")}`)
        .filter((entry) => !ONE_REGION_ONLY.some(([pattern]) => pattern.test(entry)))
        .sort();
    expect(shape(REGIONS.secondary)).toEqual(shape(REGIONS.primary));
    expect(shape(REGIONS.primary).length).toBeGreaterThan(50);
  });
});

describe("IAM", () => {
  it("grants no '*' or 'service:*' action anywhere", () => {
    const offenders = iamPolicies(ev).flatMap(({ source, document }) =>
      statements(document)
        .filter((s) => s.Effect === "Allow")
        .flatMap((s) => asArray<string>(s.Action))
        .filter((a) => a === "*" || /^[a-z0-9-]+:\*$/.test(a))
        .map((a) => `${source}: ${a}`),
    );
    expect(offenders).toEqual([]);
  });

  it("trusts AWS services only on behalf of this account", () => {
    for (const role of awsResources(ev).filter((r) => r.type === "aws:iam/role:Role")) {
      for (const s of statements(role.inputs.assumeRolePolicy)) {
        expect(s.Principal).not.toBe("*");
        if (s.Principal?.Service)
          expect({ role: role.name, account: s.Condition?.StringEquals?.["aws:SourceAccount"] }).toEqual({
            role: role.name,
            account: "123456789012",
          });
      }
    }
  });

  // One exception: a gateway VPC endpoint must say Principal "*" (it reads an account principal as the
  // root user only) and bind the account by condition — allowed only with aws:PrincipalAccount = ours.
  it("allows no Principal '*' except in Deny statements and account-bound gateway endpoint policies", () => {
    const policies = awsResources(ev).flatMap((r) =>
      ["policy", "accessPolicy", "assumeRolePolicy"].filter((f) => typeof r.inputs[f] === "string").map((f) => ({ r, doc: r.inputs[f] })),
    );
    const gatewayBoundToUs = (r: { type: string; inputs: Record<string, any> }, s: Record<string, any>) =>
      r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" &&
      r.inputs.vpcEndpointType === "Gateway" &&
      s.Condition?.StringEquals?.["aws:PrincipalAccount"] === "123456789012";
    const offenders = policies.flatMap(({ r, doc }) =>
      statements(doc)
        .filter((s) => s.Effect === "Allow" && (s.Principal === "*" || s.Principal?.AWS === "*") && !gatewayBoundToUs(r, s))
        .map(() => r.name),
    );
    expect(offenders).toEqual([]);
  });
});

describe("components and phases", () => {
  const ROOT = join(__dirname, "..", "..");
  const filesUnder = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
    );

  /** The body of the first constructor in `source`, by brace matching. */
  function constructorBody(source: string): string {
    const start = source.indexOf("{", source.indexOf("constructor("));
    let depth = 0;
    for (let i = start; i < source.length; i++) {
      if (source[i] === "{") depth++;
      if (source[i] === "}" && --depth === 0) return source.slice(start + 1, i);
    }
    throw new Error("unbalanced constructor");
  }

  it("declares one ComponentResource per file, typed payments-dr:<area>:<Name>, with an <Name>Args type, registerOutputs last", () => {
    const problems: string[] = [];
    for (const file of filesUnder(join(ROOT, "infra", "components"))) {
      const source = readFileSync(file, "utf8");
      const where = relative(ROOT, file);
      const classes = [...source.matchAll(/export class (\w+) extends pulumi\.ComponentResource/g)].map((m) => m[1]);
      if (classes.length > 1) problems.push(`${where}: ${classes.length} components (${classes.join(", ")})`);
      if (classes.length !== 1) continue;
      const [cls] = classes;
      if (!new RegExp(`super\\("payments-dr:[a-z]+:${cls}"`).test(source))
        problems.push(`${where}: ${cls} is not typed payments-dr:<area>:${cls}`);
      if (!new RegExp(`export (interface|type) ${cls}Args\\b`).test(source)) problems.push(`${where}: no ${cls}Args`);
      if (!/this\.registerOutputs\([^;]*\);$/.test(constructorBody(source).trimEnd()))
        problems.push(`${where}: registerOutputs is not last`);
    }
    expect(problems).toEqual([]);
  });

  it("lets the stack phases compose components only: no phase creates an AWS resource itself", () => {
    const raw = filesUnder(join(ROOT, "infra", "stack")).filter((f) => /new aws\.[a-z0-9]+\.[A-Z]/.test(readFileSync(f, "utf8")));
    expect(raw.map((f) => relative(ROOT, f))).toEqual([]);
    // And at run time: no AWS resource has the root component (the phases' parent) as its parent.
    const root = ev.resources.find((r) => r.type === "payments-dr:stack:PaymentsDr");
    expect(root?.urn).toBeDefined();
    const underRoot = awsResources(ev)
      .filter((r) => r.parent === root?.urn)
      .map((r) => `${r.type} ${r.name}`);
    expect(underRoot).toEqual([]);
  });
});
