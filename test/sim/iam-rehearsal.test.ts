/**
 * A permission the stack needs, removed: the rehearsal goes red and names the call, as AWS words
 * the denial. A whole scenario, so in `npm run test:e2e`; iam.test.ts (in `npm test`) holds the
 * denied call itself.
 */
import type { Deployment } from "../../sim/deployment/types";
import { deploymentFromEvaluation } from "../../sim/deployment/deployment";
import { scenarioNamed } from "../../sim/rehearsal/scenarios";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";
import { without } from "./support/deployment-edits";

let deployment: Deployment;
beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
});

describe("IAM in a rehearsal", () => {
  it("turns the rehearsal red, naming the call, when the promotion's permission is removed", async () => {
    const broken = without(deployment, "promote-local-us-east-2-dev", "dynamodb:PutItem");
    const scenario = scenarioNamed("duplicate-events");
    if (!scenario) throw new Error("no duplicate-events scenario");

    const result = await new SimulatedAws(broken).rehearse(scenario);

    expect(result.passed).toBe(false);
    const check = result.checks.find((c) => c.name === "IAM allowed every call and delivery");
    expect(check?.verdict).toBe("fail");
    expect(check?.detail).toContain(
      "assumed-role/promote-local-us-east-2-dev/promote-local-us-east-2-dev is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-2:123456789012:table/dr-control-global-dev",
    );
  });
});
