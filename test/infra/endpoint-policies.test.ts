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
    const doc = vpcEndpointPolicy("dynamodb", "111122223333");
    expect(doc.Statement.map((s) => [s.Sid, s.Condition])).toEqual([
      [
        "ThisAccountOnThisAccountsResources",
        { StringEquals: { "aws:PrincipalAccount": "111122223333", "aws:ResourceAccount": "111122223333" } },
      ],
      ["ThisAccountOnActionsWithoutResources", { StringEquals: { "aws:PrincipalAccount": "111122223333" } }],
    ]);
    expect(doc.Statement[1].Action).toEqual(["dynamodb:ListStreams"]);
  });

  it("rejects an endpoint for a service no function is granted", () => {
    expect(() => vpcEndpointPolicy("ec2messages", "111122223333")).toThrow(/no function of the stack is granted any ec2messages: action/);
  });
});
