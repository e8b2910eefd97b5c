/**
 * How the simulation reads a VPC endpoint policy's Principal (sim/iam/endpoint-policies.ts): the
 * IAM engine accepts only Principal "*" in endpoint policies, so each named principal becomes the
 * condition AWS documents it to mean for the endpoint's type. What this cannot prove: AWS's own
 * evaluation (test/sim/vpc-network.test.ts runs the result through the engine).
 */
import { DEFAULT_ENDPOINT_POLICY, evaluableEndpointPolicy } from "../../sim/iam/endpoint-policies";

const ROOT = "arn:aws:iam::111122223333:root";
const ROLE = "arn:aws:iam::111122223333:role/create-payment";
const statementWith = (principal: unknown, condition?: Record<string, Record<string, unknown>>) => ({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: principal, Action: "dynamodb:GetItem", Resource: "*", ...(condition ? { Condition: condition } : {}) },
  ],
});

describe("an endpoint policy's principals, as the simulation evaluates them", () => {
  it.each([
    ["Interface", { AWS: ROOT }, [{ StringEquals: { "aws:PrincipalAccount": ["111122223333"] } }]],
    ["Interface", { AWS: "111122223333" }, [{ StringEquals: { "aws:PrincipalAccount": ["111122223333"] } }]],
    ["Gateway", { AWS: ROOT }, [{ ArnEquals: { "aws:PrincipalArn": [ROOT] } }]],
    ["Interface", { AWS: ROLE }, [{ ArnEquals: { "aws:PrincipalArn": [ROLE] } }]],
    [
      "Interface",
      { AWS: [ROOT, ROLE] },
      [{ StringEquals: { "aws:PrincipalAccount": ["111122223333"] } }, { ArnEquals: { "aws:PrincipalArn": [ROLE] } }],
    ],
  ] as const)("reads a %s endpoint's Principal %j as Principal * with %j", (type, principal, conditions) => {
    const out = evaluableEndpointPolicy(statementWith(principal), type);

    expect([out.Statement].flat().map((s) => [s.Principal, s.Condition])).toEqual(conditions.map((c) => ["*", c]));
  });

  it("keeps both conditions when the statement already binds the same key: the two sets intersect", () => {
    const out = evaluableEndpointPolicy(
      statementWith({ AWS: ROOT }, { StringEquals: { "aws:PrincipalAccount": "444455556666" } }),
      "Interface",
    );

    expect([out.Statement].flat()[0].Condition).toEqual({ StringEquals: { "aws:PrincipalAccount": [] } });
  });

  it("gives an endpoint without a policy AWS's default: full access", () => {
    expect(evaluableEndpointPolicy(undefined, "Gateway")).toEqual(DEFAULT_ENDPOINT_POLICY);
  });

  it("rejects a principal kind it does not model rather than guess", () => {
    expect(() => evaluableEndpointPolicy(statementWith({ Service: "lambda.amazonaws.com" }), "Interface")).toThrow(/does not model/);
  });
});
