/**
 * The declared exceptions (policy/exceptions.ts) stay as narrow as declared: a look-alike just
 * outside each match is still a violation. Each is also still needed: the stack has something
 * only it allows.
 */
import { paymentFunctions } from "../../lib/handlers";
import type { CapturedResource } from "../../infra/offline/mocks";
import { DECLARED_EXCEPTIONS, FUNCTIONS_OUTSIDE_VPC, ONE_REGION_ONLY, WILDCARD_RESOURCE_ACTION_SET } from "../../policy/exceptions";
import type { Rule } from "../../policy/lib/rule";
import { apiMethods } from "../../policy/rules/apigateway";
import { iamLeastPrivilege } from "../../policy/rules/iam";
import { kmsKeyPolicy } from "../../policy/rules/kms";
import { lambdaInVpc } from "../../policy/rules/lambda";
import { s3AccessLogging, s3SseKms } from "../../policy/rules/s3";
import { sfnTracingStandard } from "../../policy/rules/stepfunctions";
import { regionSymmetry } from "../../policy/rules/symmetry";
import { stack } from "../support/stack";
import { violationsOf } from "./support/harness";
import { byName, byType, editJson, find, type Select, withChange, withChangeAll, without } from "./support/fixtures";

let resources: CapturedResource[];
beforeAll(async () => {
  resources = (await stack()).resources;
});

const messages = async (rule: Rule, rs: readonly CapturedResource[]) => (await violationsOf(rule, rs)).map((v) => v.message);
const fn = (name: string) => byType("aws:lambda/function:Function", (r) => r.inputs.name === name);
const notifyPolicy = byType("aws:iam/rolePolicy:RolePolicy", (r) => r.inputs.role === "notify-us-east-1-dev");
const grant = (statement: object) =>
  withChange(resources, notifyPolicy, (p) => editJson(p, "policy", (doc) => doc.Statement.push(statement)));

describe("wildcard-resource actions (I1)", () => {
  it("is still needed: the stack grants X-Ray, ENI and log-delivery actions on Resource '*'", () => {
    const onStar = resources
      .filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")
      .flatMap((r) => JSON.parse(r.inputs.policy).Statement)
      .filter((s: any) => s.Resource === "*");
    expect(onStar.length).toBeGreaterThan(0);
  });

  it("reuses the stack's own lists rather than a copy", () => {
    expect([...WILDCARD_RESOURCE_ACTION_SET]).toEqual(
      expect.arrayContaining(["xray:PutTraceSegments", "ec2:CreateNetworkInterface", "logs:CreateLogDelivery", "dynamodb:ListStreams"]),
    );
  });

  it("allows an action AWS cannot scope on '*'", async () => {
    expect(await messages(iamLeastPrivilege, grant({ Effect: "Allow", Action: "xray:GetSamplingRules", Resource: "*" }))).toEqual([]);
  });

  it.each([
    [
      "a scopable action beside an allowed one",
      { Effect: "Allow", Action: ["xray:PutTraceSegments", "s3:GetObject"], Resource: "*" },
      /s3:GetObject on Resource "\*"/,
    ],
    ["a service wildcard of an allowed service", { Effect: "Allow", Action: "xray:*", Resource: "*" }, /allows xray:\*/],
    [
      "PutMetricData without its namespace condition",
      { Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*" },
      /cloudwatch:PutMetricData on Resource "\*"/,
    ],
  ])("rejects %s", async (_, statement, expected) => {
    expect(await messages(iamLeastPrivilege, grant(statement))).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });
});

describe("functions outside the VPC (L1)", () => {
  it("is still needed: the runbook and canary functions run outside the VPC", () => {
    const outside = resources.filter((r) => r.type === "aws:lambda/function:Function" && !r.inputs.vpcConfig);
    expect(outside.length).toBe(2 * FUNCTIONS_OUTSIDE_VPC.length);
  });

  it("never covers a payment-path function", () => {
    const payment = paymentFunctions.map((s) => s.name);
    expect(FUNCTIONS_OUTSIDE_VPC.filter((n) => payment.includes(n))).toEqual([]);
  });

  it.each([
    [
      "a payment-path function",
      "get-payment-us-east-1-dev",
      (p: any) => delete p.vpcConfig,
      /get-payment-us-east-1-dev does not run in the VPC/,
    ],
    [
      "a runbook function renamed with a suffix",
      "notify-us-east-1-dev",
      (p: any) => (p.name = "notify-extra-us-east-1-dev"),
      /notify-extra-us-east-1-dev does not run in the VPC/,
    ],
    [
      "a runbook function named for the other region",
      "notify-us-east-1-dev",
      (p: any) => (p.name = "notify-us-east-2-dev"),
      /notify-us-east-2-dev does not run in the VPC/,
    ],
  ])("still rejects %s outside the VPC", async (_, name, change, expected) => {
    expect(await messages(lambdaInVpc, withChange(resources, fn(name), change))).toEqual(
      expect.arrayContaining([expect.stringMatching(expected)]),
    );
  });
});

describe("access-log buckets (S6, S11)", () => {
  const accessLogs = "s3-access-logs-us-east-1-dev-123456789012";
  const sse = (bucket: string): Select =>
    byType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", (r) => r.inputs.bucket === bucket);

  it("is still needed: access-log buckets use SSE-S3 and log nowhere", () => {
    expect(find(resources, sse(accessLogs)).inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("AES256");
    expect(resources.filter((r) => r.type === "aws:s3/bucketLogging:BucketLogging" && r.inputs.bucket === accessLogs)).toEqual([]);
  });

  it("still requires encryption on an access-log bucket", async () => {
    expect(await messages(s3SseKms, without(resources, sse(accessLogs)))).toEqual([
      expect.stringMatching(/s3-access-logs-us-east-1-dev-123456789012 has no default encryption/),
    ]);
  });

  it("does not extend to a bucket that is named like one but receives no logs", async () => {
    const elsewhere = "s3-access-logs-us-east-2-dev-123456789012";
    const rs = withChangeAll(
      resources,
      byType("aws:s3/bucketLogging:BucketLogging", (r) => r.inputs.targetBucket === accessLogs),
      (p) => (p.targetBucket = elsewhere),
    );
    expect(await messages(s3SseKms, rs)).toEqual([
      expect.stringMatching(/bucket s3-access-logs-us-east-1-dev-123456789012 is not encrypted with SSE-KMS/),
    ]);
    expect(await messages(s3AccessLogging, rs)).toEqual(
      expect.arrayContaining([expect.stringMatching(/bucket s3-access-logs-us-east-1-dev-123456789012 has no server access logging/)]),
    );
  });
});

describe("the key policy's root statement (K1)", () => {
  const key = byType("aws:kms/key:Key", (r) => r.region === "us-east-1");
  const editRoot = (edit: (s: any, doc: any) => void) =>
    withChange(resources, key, (p) =>
      editJson(p, "policy", (doc) =>
        edit(
          doc.Statement.find((s: any) => s.Sid === "EnableIamPolicies"),
          doc,
        ),
      ),
    );

  it.each([
    ["granted to another account", (s: any) => (s.Principal = { AWS: "arn:aws:iam::999999999999:root" }), /found 0/],
    ["given another Sid", (s: any) => (s.Sid = "Admin"), /statement Admin allows kms:\*/],
    [
      "copied for a role",
      (s: any, doc: any) => doc.Statement.push({ ...s, Sid: "RoleAdmin", Principal: { AWS: "arn:aws:iam::123456789012:role/x" } }),
      /statement RoleAdmin allows kms:\*/,
    ],
  ])("does not cover kms:* %s", async (_, edit, expected) => {
    expect(await messages(kmsKeyPolicy, editRoot(edit))).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });
});

describe("the EXPRESS canary ticker (F2)", () => {
  const ticker = byType("aws:sfn/stateMachine:StateMachine", (r) => r.inputs.name === "canary-ticker-us-east-1-dev");

  it("is still needed: the ticker is EXPRESS", () => {
    expect(find(resources, ticker).inputs.type).toBe("EXPRESS");
  });

  it.each([
    ["a look-alike name", "canary-ticker-fast-us-east-1-dev"],
    ["the ticker's name in the other region", "canary-ticker-us-east-2-dev"],
  ])("does not cover %s", async (_, name) => {
    const rs = withChange(resources, ticker, (p) => (p.name = name));
    expect(await messages(sfnTracingStandard, rs)).toEqual([`type EXPRESS is not STANDARD`]);
  });
});

describe("the unauthenticated health check (A8)", () => {
  it.each([
    ["GET /health/deep", "payments-us-east-1-dev-api-get-health-deep", /GET \/health\/deep \(us-east-1\) has no authorization/],
    ["GET /payments/{id}", "payments-us-east-1-dev-api-get-payments-id", /GET \/payments\/\{id\} \(us-east-1\) has no authorization/],
  ])("does not cover %s", async (_, name, expected) => {
    expect(
      await messages(
        apiMethods,
        withChange(resources, byName(name), (p) => (p.authorization = "NONE")),
      ),
    ).toEqual([expect.stringMatching(expected)]);
  });
});

describe("one-region resources (X1)", () => {
  it.each(ONE_REGION_ONLY.map((o) => [o.key, o] as const))("%s is still needed", (_, o) => {
    const tags = (r: CapturedResource) => r.inputs.tags ?? {};
    const primary = resources.find((r) => tags(r)["DR-Role"] === "primary")?.region;
    const secondary = resources.find((r) => tags(r)["DR-Role"] === "secondary")?.region;
    expect(resources.some((r) => r.region && o.matches(r.type, r.state, { region: r.region, primary, secondary }))).toBe(true);
  });

  const moved = (select: Select, change: (p: Record<string, any>) => void) => () => withChange(resources, select, change);
  it.each([
    ["a table without replicas", moved(byType("aws:dynamodb/table:Table"), (p) => (p.replicas = [])), /has no twin in us-east-2/],
    [
      "a global table created in the secondary",
      moved(byType("aws:dynamodb/table:Table"), (p) => (p.region = "us-east-2")),
      /has no twin in us-east-1/,
    ],
    [
      "a Route 53 alarm outside us-east-1",
      moved(
        byType("aws:cloudwatch/metricAlarm:MetricAlarm", (r) => r.inputs.namespace === "AWS/Route53"),
        (p) => (p.region = "us-east-2"),
      ),
      /has no twin in us-east-1/,
    ],
    [
      "the fence alarm in the primary",
      moved(
        byType("aws:cloudwatch/metricAlarm:MetricAlarm", (r) => r.inputs.name === "primary-fenced-us-east-2-dev"),
        (p) => (p.region = "us-east-1"),
      ),
      /has no twin in us-east-2/,
    ],
    ["a backup plan in the secondary", moved(byType("aws:backup/plan:Plan"), (p) => (p.region = "us-east-2")), /has no twin in us-east-1/],
    [
      "query logs outside us-east-1",
      moved(
        byType("aws:cloudwatch/logGroup:LogGroup", (r) => String(r.inputs.name).startsWith("/aws/route53/")),
        (p) => (p.region = "us-east-2"),
      ),
      /has no twin in us-east-1/,
    ],
  ])("does not cover %s", async (_, rs, expected) => {
    expect(await messages(regionSymmetry, rs())).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });
});

it("declares each exception once, for checklist rules of the pack", () => {
  const keys = DECLARED_EXCEPTIONS.map((e) => e.key);
  // L3 has no exception any more: the runbook and canary functions reserve concurrency too.
  expect(DECLARED_EXCEPTIONS.filter((e) => e.rules.includes("L3"))).toEqual([]);
  expect(new Set(keys).size).toBe(keys.length);
  for (const e of DECLARED_EXCEPTIONS)
    expect({ key: e.key, reason: e.reason.length > 40, scope: e.scope.length > 20 }).toEqual({ key: e.key, reason: true, scope: true });
});
