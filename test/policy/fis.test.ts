/**
 * The FIS experiment-template rule (B13) against the synthesized stack and broken copies of it, and
 * the wildcard-resource exception the experiment role uses (I1).
 */
import type { CapturedResource } from "../../infra/offline/mocks";
import { iamLeastPrivilege } from "../../policy/rules/iam";
import { fisRules } from "../../policy/rules/fis";
import * as fis from "../../policy/rules/fis";
import { stack } from "../support/stack";
import { violationsOf } from "./support/harness";
import { byType, editJson, withChange } from "./support/fixtures";
import { type FailingCase, ruleSuite } from "./support/suite";

const pause = byType(
  "aws:fis/experimentTemplate:ExperimentTemplate",
  (r) => r.inputs.tags?.Name === "drill-pause-replication-us-east-2-dev",
);

const cases: FailingCase[] = [
  {
    rule: fis.fisStopConditions,
    when: "a template has no stop condition",
    change: (rs) => withChange(rs, pause, (p) => (p.stopConditions = [])),
    expect: /has no stop condition/,
  },
  {
    rule: fis.fisStopConditions,
    when: "a template's stop condition is 'none'",
    change: (rs) => withChange(rs, pause, (p) => (p.stopConditions = [{ source: "none" }])),
    expect: /stop condition source "none"/,
  },
  {
    rule: fis.fisStopConditions,
    when: "a template stops on an alarm of the other region",
    change: (rs) =>
      withChange(rs, pause, (p) => (p.stopConditions[0].value = p.stopConditions[0].value.replaceAll("us-east-2", "us-east-1"))),
    expect: /is an alarm in us-east-1; the experiment runs in us-east-2/,
  },
  {
    rule: fis.fisStopConditions,
    when: "a template would run with targets that resolve to nothing",
    change: (rs) => withChange(rs, pause, (p) => (p.experimentOptions.emptyTargetResolutionMode = "skip")),
    expect: /emptyTargetResolutionMode is not "fail"/,
  },
  {
    rule: fis.fisStopConditions,
    when: "a template logs nowhere",
    change: (rs) => withChange(rs, pause, (p) => delete p.logConfiguration),
    expect: /logs its experiments nowhere/,
  },
];

describe("FIS rules", () => {
  ruleSuite(fisRules, cases);
});

describe("the experiment role's wildcard resources (I1)", () => {
  let resources: CapturedResource[];
  beforeAll(async () => {
    resources = (await stack()).resources;
  });
  const role = byType("aws:iam/rolePolicy:RolePolicy", (r) => r.inputs.role === "fis-drill-us-east-2-dev");
  const grant = (statement: object) => withChange(resources, role, (p) => editJson(p, "policy", (doc) => doc.Statement.push(statement)));
  const messages = async (rs: readonly CapturedResource[]) => (await violationsOf(iamLeastPrivilege, rs)).map((v) => v.message);

  it("allows dynamodb:InjectError on '*' bound to its targets by dynamodb:FisTargetArns", async () => {
    const bound = {
      Effect: "Allow",
      Action: "dynamodb:InjectError",
      Resource: "*",
      Condition: { "ForAllValues:StringEquals": { "dynamodb:FisTargetArns": ["arn:aws:dynamodb:us-east-2:123456789012:table/t"] } },
    };
    expect(await messages(grant(bound))).toEqual([]);
  });

  it("rejects dynamodb:InjectError on '*' with no target condition: any global table could be impaired", async () => {
    expect(await messages(grant({ Effect: "Allow", Action: "dynamodb:InjectError", Resource: "*" }))).toEqual([
      expect.stringMatching(/dynamodb:InjectError on Resource "\*"/),
    ]);
  });
});
