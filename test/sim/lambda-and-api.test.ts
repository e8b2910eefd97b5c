/**
 * Lambda and API Gateway as the rehearsal simulates them: a function whose reserved concurrency
 * is 0 (the failover's best-effort stop of the old primary's write function) really refuses
 * every request — API Gateway answers 500 without running it — and an unreachable region gives
 * no HTTP answer at all. Plus the deployment model refusing an evaluation it cannot simulate.
 */
import { ApiGateway, NetworkError } from "../../sim/apigateway/model";
import { MetricStore } from "../../sim/cloudwatch/metrics";
import { LambdaControl } from "../../sim/small-services";
import { deploymentFromEvaluation, DeploymentModelError } from "../../sim/deployment/deployment";
import type { Deployment } from "../../sim/deployment/types";
import { LambdaRuntime } from "../../sim/lambda/runtime";
import { Reachability } from "../../sim/network";
import { Iam, ServiceDeliveries } from "../../sim/iam/enforcement";

const ARN = "arn:aws:lambda:us-east-1:123456789012:function:create-payment-us-east-1-test";
const ROLE = "arn:aws:iam::123456789012:role/create-payment-us-east-1-test";
const deployment = {
  accountId: "123456789012",
  regions: ["us-east-1", "us-east-2"],
  functions: [
    {
      name: "create-payment-us-east-1-test",
      arn: ARN,
      region: "us-east-1",
      handler: "create-payment",
      modulePath: "",
      env: {},
      timeoutSeconds: 10,
      reservedConcurrency: 50,
      roleArn: ROLE,
    },
  ],
  // The function's role, trusting Lambda as the stack's roles do: IAM is enforced here too.
  iam: {
    roles: [
      {
        name: "create-payment-us-east-1-test",
        arn: ROLE,
        trust: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
            },
          ],
        },
        policies: [],
        managed: [],
      },
    ],
    resourcePolicies: [],
    encryption: [],
  },
  asyncInvokeConfigs: [],
  apis: [
    {
      region: "us-east-1",
      apiName: "payments-api-us-east-1-test",
      stageName: "v1",
      domains: ["api.example.com"],
      routes: [{ method: "POST", path: "/payments", functionArn: ARN, timeoutMs: 10_000 }],
    },
  ],
} as unknown as Deployment;

function setup() {
  const reachability = new Reachability(["us-east-1", "us-east-2"]);
  const control = new LambdaControl(deployment);
  const metrics = new MetricStore();
  const deliveries = new ServiceDeliveries(new Iam(deployment, () => 0), deployment);
  const runtime = new LambdaRuntime({ deployment, now: () => 0, reachability, control, metrics, deliveries, random: () => 0 });
  let invocations = 0;
  runtime.register(ARN, async () => {
    invocations += 1;
    return { statusCode: 202, body: "{}" };
  });
  const gateway = new ApiGateway({ deployment, runtime, reachability, metrics, now: () => 0, sleep: async () => undefined });
  const post = () =>
    gateway.request("us-east-1", { method: "POST", host: "api.example.com", path: "/payments", headers: {}, body: "{}" }, 1000);
  return { control, metrics, reachability, post, invocations: () => invocations };
}

describe("a stopped write function", () => {
  it("serves while its reserved concurrency allows", async () => {
    const w = setup();
    expect((await w.post()).status).toBe(202);
    expect(w.invocations()).toBe(1);
  });

  it("refuses every request once its reserved concurrency is 0: API Gateway answers 500 and the handler never runs", async () => {
    const w = setup();
    w.control.setReserved("us-east-1", "create-payment-us-east-1-test", 0);
    expect((await w.post()).status).toBe(500);
    expect(w.invocations()).toBe(0);
    expect(w.metrics.stat("us-east-1", "AWS/Lambda", "Throttles", { FunctionName: "create-payment-us-east-1-test" }, 0, 1, "Sum")).toBe(1);
    expect(
      w.metrics.stat("us-east-1", "AWS/ApiGateway", "5XXError", { ApiName: "payments-api-us-east-1-test", Stage: "v1" }, 0, 1, "Sum"),
    ).toBe(1);
  });
});

describe("a region that is down", () => {
  it("gives no HTTP answer: the caller times out", async () => {
    const w = setup();
    w.reachability.setUp("us-east-1", false);
    await expect(w.post()).rejects.toBeInstanceOf(NetworkError);
    expect(w.invocations()).toBe(0);
  });
});

describe("the deployment model", () => {
  it("refuses an evaluation that lacks what the rehearsal needs, naming it", () => {
    const evaluation = {
      stack: "dev",
      resources: [],
      calls: [],
      outputs: { environment: "dev", regions: { primary: "us-east-1", secondary: "us-east-2" } },
    };
    expect(() => deploymentFromEvaluation(evaluation)).toThrow(DeploymentModelError);
    expect(() => deploymentFromEvaluation(evaluation)).toThrow(/does not give the rehearsal what it needs: a Route 53 hosted zone/);
  });
});
