/**
 * Issue 12: every handler makes its AWS calls at least once in the simulated world, where IAM is
 * enforced from the stack's own policies. The rehearsal and the executed state-machine tests run
 * every handler but two (docs/aws-audit.md lists where each one runs): deep-health (GET /health/deep,
 * for operators and dashboards, never called by a runbook) and redrive-dlq (an operator's
 * `aws lambda invoke`). Here each runs as its caller runs it, with its deployed environment and
 * execution role, and every call it makes must be allowed.
 *
 * What this cannot prove: API Gateway's AWS_IAM authorization of the caller of /health/deep (the
 * function is invoked as API Gateway invokes it, after authorization).
 */
import { deploymentFromEvaluation, fn } from "../../sim/deployment/deployment";
import type { Deployment } from "../../sim/deployment/types";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

let deployment: Deployment;
beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
});

const REGION = "us-east-1";
/** The region's queue named `payments-<service>-<region>-<env>`. */
const queue = (d: Deployment, service: "processing" | "processing-dlq") => {
  const q = d.queues.find((x) => x.region === REGION && x.name === `payments-${service}-${REGION}-${d.environment}`);
  if (!q) throw new Error(`no ${service} queue in ${REGION}`);
  return q;
};

describe("handlers no runbook or rehearsal runs, in the simulated world with IAM enforced", () => {
  it("answers GET /health/deep (deep-health) with every call its role makes allowed", async () => {
    const aws = new SimulatedAws(deployment);
    const t = aws.world({ latency: "none" });
    try {
      const response = (await t.invoke(REGION, "deep-health", {
        httpMethod: "GET",
        path: "/health/deep",
        resource: "/health/deep",
        headers: {},
        requestContext: { identity: { userArn: `arn:aws:iam::${deployment.accountId}:role/operator` } },
      })) as { statusCode: number; body: string };

      const calls = t.calls({ caller: fn(deployment, REGION, "deep-health").name });
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.filter((c) => c.outcome !== "ok")).toEqual([]);
      expect(t.world.iam.denials).toEqual([]);
      expect([200, 503]).toContain(response.statusCode);
      expect(response.body).not.toMatch(/AccessDenied|not authorized/);
    } finally {
      aws.dispose();
    }
  });

  it("moves a dead-lettered payment back to the processing queue (redrive-dlq) with every call its role makes allowed", async () => {
    const aws = new SimulatedAws(deployment);
    const t = aws.world({ latency: "none" });
    try {
      t.world.sqs.send(queue(deployment, "processing-dlq").arn, JSON.stringify({ paymentId: "pay-redrive-1" }));

      const result = await t.invoke(REGION, "redrive-dlq", { maxMessages: 10 });

      expect(result).toMatchObject({ received: 1, redriven: 1, sendFailures: 0, deleteFailures: 0 });
      const calls = t.calls({ caller: fn(deployment, REGION, "redrive-dlq").name });
      expect(calls.map((c) => c.operation)).toEqual(expect.arrayContaining(["ReceiveMessage", "SendMessageBatch", "DeleteMessageBatch"]));
      expect(calls.filter((c) => c.outcome !== "ok")).toEqual([]);
      expect(t.world.iam.denials).toEqual([]);
      expect(t.world.sqs.messages(queue(deployment, "processing").arn).map((m) => m.body)).toContain(
        JSON.stringify({ paymentId: "pay-redrive-1" }),
      );
    } finally {
      aws.dispose();
    }
  });
});
