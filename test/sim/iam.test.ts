/**
 * IAM, enforced in the simulated world from the stack's own policies (sim/iam/): a permission the
 * stack does not grant does not exist, and a denied call fails as AWS fails it (that the rehearsal
 * then goes red, naming the call, is iam-rehearsal.test.ts in `npm run test:e2e`). The service-to-service paths AWS authorizes on the stack's behalf are held
 * too: Scheduler assuming its role (the defect that kept the canary from ever running),
 * EventBridge writing to an encrypted dead-letter queue, CloudWatch notifying an encrypted topic.
 *
 * What this cannot prove: that AWS evaluates exactly as @cloud-copilot/iam-simulate does, nor
 * which context keys each service really sends where AWS does not document it (the simulation
 * then sends none: the harsher reading).
 */
import type { Deployment } from "../../sim/deployment/types";
import { deploymentFromEvaluation, fn } from "../../sim/deployment/deployment";
import { Iam, ServiceDeliveries } from "../../sim/iam/enforcement";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";
import { clone, statementsOf, without } from "./support/deployment-edits";

let deployment: Deployment;
beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
});

describe("IAM in the simulated world", () => {
  it("fails a call the caller's role does not allow, as AWS words it", async () => {
    const aws = new SimulatedAws(without(deployment, "health-us-east-1-dev", "dynamodb:GetItem"));
    const t = aws.world({ latency: "none" });
    try {
      const response = (await t.invoke("us-east-1", "health", { httpMethod: "GET", path: "/health", headers: {}, requestContext: {} })) as {
        statusCode: number;
      };

      expect(response.statusCode).toBe(503);
      const denied = t.calls({ service: "dynamodb", caller: "health-us-east-1-dev" }).filter((c) => c.outcome !== "ok");
      expect(denied[0]).toMatchObject({ operation: "GetItem", outcome: "AccessDeniedException" });
      expect(t.world.iam.denials[0]).toMatchObject({
        principal: "arn:aws:sts::123456789012:assumed-role/health-us-east-1-dev/health-us-east-1-dev",
        action: "dynamodb:GetItem",
        allowed: false,
      });
    } finally {
      aws.dispose();
    }
  });

  it("holds a lease-only role to the lease item (dynamodb:LeadingKeys), where it used to be allowed every control item", async () => {
    const aws = new SimulatedAws(deployment);
    const t = aws.world({ latency: "none" });
    try {
      const step = fn(deployment, "us-east-1", "stop-peer-writes");
      const table = deployment.tables.find((d) => d.name.startsWith("dr-control"))!.name;
      const principal = t.world.iam.principal({}, step.name);
      const put = (pk: string) =>
        t.world.iam.authorizeCall(principal, {
          service: "dynamodb",
          operation: "PutItem",
          input: { TableName: table, Item: { pk: { S: pk } } },
          region: "us-east-1",
        });

      await expect(put("lease")).resolves.toBeUndefined();
      await expect(put("authority")).rejects.toMatchObject({ name: "AccessDeniedException" });
      await expect(put("approval#run-1")).rejects.toMatchObject({ name: "AccessDeniedException" });
    } finally {
      aws.dispose();
    }
  });

  it("never starts the canary when its Scheduler role trusts one schedule instead of the schedule group", async () => {
    const copy = clone(deployment);
    // The canary ticker's schedule (the region also has the sweeper's).
    const schedule = copy.schedules.find((s) => s.region === "us-east-2" && s.targetArn.includes("canary-ticker"))!;
    const role = copy.iam.roles.find((r) => r.arn === schedule.roleArn)!;
    for (const s of statementsOf(role.trust)) {
      const arnLike = s.Condition?.ArnLike ?? s.Condition?.ArnEquals ?? s.Condition?.StringEquals;
      if (arnLike && "aws:SourceArn" in arnLike)
        arnLike["aws:SourceArn"] =
          `arn:aws:scheduler:us-east-2:123456789012:schedule/${schedule.groupArn.split("/").pop()}/${schedule.name}`;
    }
    const aws = new SimulatedAws(copy);
    const t = aws.world({ background: { schedules: true } });
    try {
      await t.advance(3 * 60_000);

      const tickers = [...t.world.sfn.executions.values()].filter((e) => e.region === "us-east-2");
      expect(tickers).toEqual([]);
      expect(t.world.calls.filter((c) => c.caller === fn(copy, "us-east-2", "canary").name)).toEqual([]);
      expect(t.world.iam.denials.some((d) => d.principal === "scheduler.amazonaws.com" && d.action === "sts:AssumeRole")).toBe(true);
      expect(t.world.timeline.entries.some((e) => e.text.includes("Scheduler cannot start canary-ticker-us-east-2-dev"))).toBe(true);
    } finally {
      aws.dispose();
    }
  });

  it("runs the canary when Scheduler may assume its role for the schedule group (the stack as deployed)", async () => {
    const aws = new SimulatedAws(deployment);
    const t = aws.world({ background: { schedules: true } });
    try {
      await t.advance(3 * 60_000);

      expect(t.world.calls.some((c) => c.caller === fn(deployment, "us-east-2", "canary").name)).toBe(true);
      expect(t.world.iam.denials).toEqual([]);
    } finally {
      aws.dispose();
    }
  });

  describe("deliveries to encrypted destinations", () => {
    const deliveries = (d: Deployment) => new ServiceDeliveries(new Iam(d, () => 0), d);
    const dlq = () => deployment.queues.find((q) => q.region === "us-east-2" && q.name.startsWith("async-failures"))!;
    const rule = () => deployment.eventRules.find((r) => r.region === "us-east-2")!;
    const keyPolicy = (d: Deployment, region: string) => d.iam.resourcePolicies.find((p) => p.kind === "kms" && p.region === region)!;

    it("lets EventBridge write an undeliverable event to the encrypted DLQ", async () => {
      expect((await deliveries(deployment).eventBridgeSendsToDlq(rule().arn, dlq().arn)).allowed).toBe(true);
    });

    it("loses the event when the key policy conditions EventBridge on aws:SourceAccount, which its KMS requests do not carry", async () => {
      const copy = clone(deployment);
      for (const s of statementsOf(keyPolicy(copy, "us-east-2").document)) {
        if (JSON.stringify(s).includes("events.amazonaws.com")) s.Condition = { StringEquals: { "aws:SourceAccount": copy.accountId } };
      }

      const d = await deliveries(copy).eventBridgeSendsToDlq(rule().arn, dlq().arn);

      expect(d).toMatchObject({ allowed: false, principal: "events.amazonaws.com", action: "kms:GenerateDataKey" });
    });

    it("lets CloudWatch notify the encrypted alert topic of every alarm that names it", async () => {
      const d = deliveries(deployment);
      for (const alarm of deployment.alarms) {
        for (const topic of alarm.alarmActions)
          expect([alarm.name, (await d.cloudWatchPublishes(alarm.arn, topic)).allowed]).toEqual([alarm.name, true]);
      }
    });

    it("loses alarm notifications when the key does not admit CloudWatch for the topic", async () => {
      const copy = clone(deployment);
      const policy = keyPolicy(copy, "us-east-1");
      policy.document.Statement = statementsOf(policy.document).filter((s) => !JSON.stringify(s).includes("cloudwatch.amazonaws.com"));
      const alarm = copy.alarms.find((a) => a.region === "us-east-1" && a.alarmActions.length > 0)!;

      const d = await deliveries(copy).cloudWatchPublishes(alarm.arn, alarm.alarmActions[0]);

      expect(d).toMatchObject({ allowed: false, principal: "cloudwatch.amazonaws.com", action: "kms:GenerateDataKey" });
    });
  });
});
