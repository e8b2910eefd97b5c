import { drRole, drTags, regionSlotOfName, scopeOf, tagTransformation, TaggingError } from "../../infra/core/tags";
import { parseConfig } from "../../infra/core/config";

const config = parseConfig({ hostedZoneName: "payments.example.com", delegationSetId: "N0123456789ABC" }, "prod");

describe("scopeOf", () => {
  it.each([
    ["aws:sqs/queue:Queue", { region: "us-east-2", name: "q-us-east-2-prod" }, "us-east-2"],
    ["aws:sqs/queue:Queue", { region: "us-east-1" }, "us-east-1"],
    ["aws:dynamodb/table:Table", { region: "us-east-1", replicas: [{ regionName: "us-east-2" }] }, "global"],
    ["aws:dynamodb/table:Table", { region: "us-east-1", replicas: [] }, "us-east-1"],
    ["aws:iam/role:Role", { name: "create-payment-us-east-2-prod" }, "us-east-2"],
    ["aws:iam/role:Role", { name: "dr-operations-global-prod" }, "global"],
    ["aws:iam/role:Role", {}, "global"],
    ["aws:route53/healthCheck:HealthCheck", {}, "global"],
    ["aws:s3/bucket:Bucket", { region: "us-east-2", bucket: "txlog-us-east-2-prod-123456789012" }, "us-east-2"],
  ])("places %s %j in %s", (type, props, expected) => {
    expect(scopeOf(type, "r", props, config)).toBe(expected);
  });

  it("rejects a regional resource without an explicit region", () => {
    expect(() => scopeOf("aws:sqs/queue:Queue", "q", {}, config)).toThrow(/no explicit region/);
  });

  it("rejects a regional resource named for the other region", () => {
    expect(() => scopeOf("aws:sqs/queue:Queue", "q", { region: "us-east-1", name: "q-us-east-2-prod" }, config)).toThrow(
      /named for us-east-2 but deployed to us-east-1/,
    );
  });
});

describe("regionSlotOfName", () => {
  it.each([
    ["payments-global-prod", "global"],
    ["txlog-us-east-1-prod-123456789012", "us-east-1"],
    ["/aws/lambda/x", undefined],
    ["payments-us-east-1-dev", undefined],
    [42, undefined],
  ])("reads %j as %s", (name, expected) => expect(regionSlotOfName(name, config)).toBe(expected));
});

describe("drRole / drTags", () => {
  it.each([
    ["us-east-1", "primary"],
    ["us-east-2", "secondary"],
    ["global", "global"],
  ])("gives %s the role %s", (scope, role) => {
    expect(drRole(scope, config)).toBe(role);
    expect(drTags(scope, config)).toEqual({ Environment: "prod", Region: scope, "DR-Role": role, Project: "payments-dr" });
  });

  it("rejects a third region", () => {
    expect(() => drRole("eu-west-1", config)).toThrow(TaggingError);
  });
});

describe("tagTransformation", () => {
  const transform = tagTransformation(config);
  const run = (type: string, props: Record<string, any>) => transform({ type, name: "r", props, opts: {} } as any);

  it("overrides hand-written DR tags and keeps other tags", () => {
    const result = run("aws:sqs/queue:Queue", { region: "us-east-2", tags: { Region: "wrong", Owner: "payments" } });
    expect(result?.props.tags).toEqual({
      Owner: "payments",
      Environment: "prod",
      Region: "us-east-2",
      "DR-Role": "secondary",
      Project: "payments-dr",
    });
  });

  it("leaves types without tags untouched but still checks their region", () => {
    expect(run("aws:s3/bucketVersioning:BucketVersioning", { region: "us-east-1" })).toBeUndefined();
    expect(() => run("aws:s3/bucketVersioning:BucketVersioning", {})).toThrow(TaggingError);
  });

  it("ignores providers and components", () => {
    expect(run("pulumi:providers:aws", {})).toBeUndefined();
    expect(run("payments-dr:network:RegionalNetwork", {})).toBeUndefined();
  });
});
