/**
 * The offline plan (`npm run plan`, and the first stage of `npm start`): what the program would
 * deploy, per region and area, with its key names — from the evaluated program, nothing typed by hand.
 */
import { areaOf, renderPlan } from "../../infra/offline/plan";
import type { Evaluation } from "../../infra/offline/evaluate";
import { stack } from "../support/stack";

let ev: Evaluation;
let plan: string;
beforeAll(async () => {
  ev = await stack();
  plan = renderPlan(ev);
});

it("says plainly that it comes from mocks and that IDs and ARNs are placeholders", () => {
  expect(plan).toContain("Evaluated the Pulumi program with mocks: no AWS account, no Pulumi CLI. IDs and ARNs are placeholders.");
  expect(plan).toContain("Regions: us-east-1 (primary), us-east-2 (secondary)");
  expect(plan).toContain("Objectives: RPO 60 s, RTO 300 s");
});

it("counts every AWS resource once, per region and area, and the counts add up", () => {
  const aws = ev.resources.filter((r) => r.type.startsWith("aws:"));
  const total = /^Resources: (\d+) \(us-east-1 (\d+), us-east-2 (\d+), global (\d+)\)$/m.exec(plan);
  expect(total).not.toBeNull();
  const [all, primary, secondary, global] = total!.slice(1).map(Number);
  expect(all).toBe(aws.length);
  expect(primary + secondary + global).toBe(all);
  const rows = [...plan.matchAll(/^ {2}([a-z &]+?) {2,}([-\d]+) +([-\d]+) +([-\d]+)$/gm)];
  const sum = (i: number) => rows.reduce((n, r) => n + (r[i] === "-" ? 0 : Number(r[i])), 0);
  expect([sum(2), sum(3), sum(4)]).toEqual([primary, secondary, global]);
  // The API and DNS pieces are there, in the right scope.
  const row = (area: string) =>
    rows
      .find((r) => r[1] === area)!
      .slice(2)
      .map((v) => (v === "-" ? 0 : Number(v)));
  expect(row("api")[0]).toBeGreaterThan(0);
  expect(row("api")[0]).toBe(row("api")[1]);
  expect(row("dns")).toEqual([0, 0, expect.any(Number)]);
  expect(row("dns")[2]).toBeGreaterThan(0);
});

it("lists the key names: tables, buckets, topics, API endpoints, health checks, state machines, parameters", () => {
  for (const line of [
    "    payments: payments-global-dev",
    "    failover: https://api.payments.example.com",
    "    primary: https://api-us-east-1.payments.example.com",
    "    secondary: https://api-us-east-2.payments.example.com/health",
    "    secondary: arn:aws:states:us-east-2:123456789012:stateMachine:dr-orchestrator-us-east-2-dev",
  ]) {
    expect(plan.split("\n")).toContain(line);
  }
  expect(plan).toMatch(/SSM parameters \(same names in both regions\): \d+ under \/payments-dr\/dev\//);
});

it.each([
  ["aws:apigateway/restApi:RestApi", "api"],
  ["aws:wafv2/webAcl:WebAcl", "api"],
  ["aws:route53/healthCheck:HealthCheck", "dns"],
  ["aws:dynamodb/table:Table", "tables & backups"],
  ["aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring"],
  ["aws:cloudwatch/logGroup:LogGroup", "logging"],
  ["aws:sfn/stateMachine:StateMachine", "orchestration"],
  ["aws:something/new:New", "other"],
])("puts %s in %s", (type, area) => {
  expect(areaOf(type)).toBe(area);
});
