/**
 * The simulated IAM's decision caches (sim/iam/authorizer.ts, shared-decisions.ts, context-keys.ts):
 * a decision is reused only where the evaluation would be identical, so an edited policy is
 * evaluated afresh, and a context key counts exactly when a policy of the request names it.
 *
 * What this cannot prove: that no evaluator release reads a context key outside the policies'
 * text (context-keys.ts keeps every global `aws:` key for that reason).
 */
import { type AuthRequest, Authorizer } from "../../sim/iam/authorizer";
import { sharedDecisionCount } from "../../sim/iam/shared-decisions";
import { deploymentFromEvaluation } from "../../sim/deployment/deployment";
import type { Deployment } from "../../sim/deployment/types";
import { stack } from "../support/stack";
import { clone, without } from "./support/deployment-edits";

let deployment: Deployment;
beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
});

const authorizer = (d: Deployment) => new Authorizer(d.iam, d.accountId);
const tableArn = (d: Deployment, prefix: string) =>
  `arn:aws:dynamodb:us-east-1:${d.accountId}:table/${d.tables.find((t) => t.name.startsWith(prefix))?.name}`;

/** A PutItem by `roleName` (a function's role in us-east-1) on the table named `prefix...`, for the item `leadingKey`. */
function putItem(d: Deployment, roleName: string, prefix: string, leadingKey: string): AuthRequest {
  const role = d.iam.roles.find((r) => r.name === roleName);
  if (!role) throw new Error(`no role ${roleName}`);
  return {
    principal: { kind: "role", roleArn: role.arn, sessionName: roleName },
    action: "dynamodb:PutItem",
    resource: tableArn(d, prefix),
    context: { "aws:RequestedRegion": "us-east-1", "dynamodb:LeadingKeys": [leadingKey] },
  };
}

const CREATE_PAYMENT = "create-payment-us-east-1-dev";
/** A runbook step whose policy names dynamodb:LeadingKeys: of the control table, the lease item only. */
const LEASE_ONLY = "stop-peer-writes-us-east-1-dev";

describe("the simulated IAM's decision caches", () => {
  it("evaluates a policy edited in a copy afresh, and the original as it was, in any order", async () => {
    const request = (d: Deployment) => putItem(d, CREATE_PAYMENT, "payments-global", "pay-1");
    const edited = without(deployment, CREATE_PAYMENT, "dynamodb:PutItem");

    expect((await authorizer(deployment).authorize(request(deployment))).allowed).toBe(true);
    expect(await authorizer(edited).authorize(request(edited))).toMatchObject({ allowed: false, result: "ImplicitlyDenied" });
    expect((await authorizer(deployment).authorize(request(deployment))).allowed).toBe(true);
  });

  it("reuses another world's decision only for an identical evaluation", async () => {
    const request = putItem(deployment, CREATE_PAYMENT, "payments-idempotency", "key-1");
    await authorizer(deployment).authorize(request);
    const held = sharedDecisionCount();

    await authorizer(clone(deployment)).authorize(request);
    expect(sharedDecisionCount()).toBe(held);

    const edited = clone(deployment);
    edited.iam.roles
      .find((r) => r.name === CREATE_PAYMENT)
      ?.policies.push({
        name: "unrelated",
        document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sqs:GetQueueUrl", Resource: "*" }] },
      });
    await authorizer(edited).authorize(request);
    expect(sharedDecisionCount()).toBe(held + 1);
  });

  it("evaluates once for every item of a role whose policies do not name dynamodb:LeadingKeys", async () => {
    const iam = authorizer(deployment);
    await iam.authorize(putItem(deployment, CREATE_PAYMENT, "payments-global", "first"));
    const held = sharedDecisionCount();

    const decisions = await Promise.all(
      ["second", "third"].map((id) => iam.authorize(putItem(deployment, CREATE_PAYMENT, "payments-global", id))),
    );

    expect(decisions.map((d) => d.allowed)).toEqual([true, true]);
    expect(sharedDecisionCount()).toBe(held);
  });

  it("keeps dynamodb:LeadingKeys where a policy names it: the lease-only role may write the lease and no other control item", async () => {
    const iam = authorizer(deployment);

    expect((await iam.authorize(putItem(deployment, LEASE_ONLY, "dr-control", "lease"))).allowed).toBe(true);
    expect((await iam.authorize(putItem(deployment, LEASE_ONLY, "dr-control", "authority"))).allowed).toBe(false);
  });

  it("counts a key from the moment an edit names it: a deny on one item, after the original allowed that item", async () => {
    const request = (d: Deployment) => putItem(d, CREATE_PAYMENT, "payments-global", "blocked");
    expect((await authorizer(deployment).authorize(request(deployment))).allowed).toBe(true);
    const edited = clone(deployment);
    edited.iam.roles
      .find((r) => r.name === CREATE_PAYMENT)
      ?.policies.push({
        name: "deny-one-item",
        document: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Deny",
              Action: "dynamodb:PutItem",
              Resource: "*",
              Condition: { "ForAnyValue:StringEquals": { "dynamodb:LeadingKeys": ["blocked"] } },
            },
          ],
        },
      });
    const iam = authorizer(edited);

    expect(await iam.authorize(request(edited))).toMatchObject({ allowed: false, result: "ExplicitlyDenied" });
    expect((await iam.authorize(putItem(edited, CREATE_PAYMENT, "payments-global", "other"))).allowed).toBe(true);
  });
});
