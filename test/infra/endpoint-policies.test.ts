/**
 * The VPC endpoint policies as pure data (infra/core/endpoint-policies.ts): derived from the
 * permission vocabulary, so an action a function may be granted is never blocked at the endpoint
 * and nothing else passes.
 */
import {
  endpointActions,
  GATEWAY_ENDPOINT_SERVICES,
  grantableActions,
  INTERFACE_ENDPOINT_SERVICES,
  iamPrefixOfEndpointService,
  vpcEndpointPolicy,
} from "../../infra/core/endpoint-policies";

const SERVICES = [...GATEWAY_ENDPOINT_SERVICES, ...INTERFACE_ENDPOINT_SERVICES];

describe("VPC endpoint policies", () => {
  it.each([
    ["s3", ["s3:GetObject", "s3:ListBucket", "s3:PutObject"], []],
    ["sns", ["sns:Publish"], []],
    ["sts", ["sts:AssumeRole"], []],
    ["monitoring", ["cloudwatch:DescribeAlarms"], ["cloudwatch:GetMetricData", "cloudwatch:PutMetricData"]],
    ["xray", [], ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]],
  ])("lets %s carry exactly the actions the stack grants", (service, onResources, withoutResources) => {
    expect(endpointActions(service)).toEqual({ onResources, withoutResources });
  });

  it.each(SERVICES)("gives the %s endpoint a policy for some action the stack grants, all of that service", (service) => {
    const { onResources, withoutResources } = endpointActions(service);
    const actions = [...onResources, ...withoutResources];
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action.startsWith(`${iamPrefixOfEndpointService(service)}:`)).toBe(true);
    expect(actions.every((a) => grantableActions().includes(a))).toBe(true);
  });

  it("binds the resource account wherever the action has a resource, and the principal account always", () => {
    const doc = vpcEndpointPolicy("dynamodb", "111122223333", "Gateway");
    expect(doc.Statement.map((s) => [s.Sid, s.Condition])).toEqual([
      [
        "ThisAccountOnThisAccountsResources",
        { StringEquals: { "aws:PrincipalAccount": "111122223333", "aws:ResourceAccount": "111122223333" } },
      ],
      ["ThisAccountOnActionsWithoutResources", { StringEquals: { "aws:PrincipalAccount": "111122223333" } }],
    ]);
    expect(doc.Statement[1].Action).toEqual(["dynamodb:ListStreams"]);
  });

  // A gateway endpoint reads an account principal as the account's root user only, so it must say
  // Principal "*" and bind the account by condition; an interface endpoint reads it as every
  // principal of the account (PrivateLink guide, "Principals for gateway endpoints"). What this
  // cannot prove: how AWS evaluates them (test/sim/vpc-network.test.ts holds the simulation to it).
  it.each([
    ["Gateway", "*"],
    ["Interface", "the account (an Output: its value is asserted in data-layer.test.ts)"],
  ] as const)("names the principal as a %s endpoint reads it: %s", (type, _principal) => {
    const doc = vpcEndpointPolicy("s3", "111122223333", type);

    for (const s of doc.Statement) {
      if (type === "Gateway") expect(s.Principal).toBe("*");
      else expect(Object.keys(s.Principal as object)).toEqual(["AWS"]);
      expect(s.Condition?.StringEquals?.["aws:PrincipalAccount"]).toBe("111122223333");
    }
  });

  it("rejects an endpoint for a service no function is granted", () => {
    expect(() => vpcEndpointPolicy("ec2messages", "111122223333", "Interface")).toThrow(
      /no function of the stack is granted any ec2messages: action/,
    );
  });
});
