/**
 * IAM, enforced in the simulated world from the stack's own policies (sim/iam/): a permission the
 * stack does not grant does not exist, a denied call fails as AWS fails it, and the rehearsal goes
 * red naming the call. The service-to-service paths AWS authorizes on the stack's behalf are held
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
import { scenarioNamed } from "../../sim/rehearsal/scenarios";
import { SimulatedAws } from "../../sim/testing";
import { stack } from "../support/stack";

let deployment: Deployment;
beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
});

/** A deep copy made in this realm (jest's structuredClone builds objects of another realm, which zod then refuses). */
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: Record<string, Record<string, unknown>> };
const statementsOf = (doc: { Statement: unknown }) => (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Statement[];

/** A copy of the deployment with `action` removed from every policy of `roleName`. */
function without(d: Deployment, roleName: string, action: string): Deployment {
  const copy = clone(d);
  const role = copy.iam.roles.find((r) => r.name === roleName);
  if (!role) throw new Error(`no role ${roleName}`);
  let removed = 0;
  for (const p of role.policies) {
    for (const s of statementsOf(p.document)) {
      const actions = [s.Action].flat();
      if (actions.includes(action)) removed += 1;
      s.Action = actions.filter((a) => a !== action);
    }
    p.document.Statement = statementsOf(p.document).filter((s) => [s.Action].flat().length > 0);
  }
  if (removed === 0) throw new Error(`${roleName} was never granted ${action}`);
  return copy;
}

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
