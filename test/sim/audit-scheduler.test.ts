/**
 * EventBridge Scheduler → Lambda in the simulated world (sim/scheduler/delivery.ts), as the
 * Scheduler user guide describes it: Scheduler assumes the schedule's execution role (trusted for the
 * schedule GROUP), invokes the function asynchronously with it, retries a failed delivery per the
 * target's RetryPolicy, then sends the firing to the schedule's dead-letter queue with the same role
 * — through a KMS key whose policy must admit scheduler.amazonaws.com (the troubleshooting guide;
 * the simulation requires both, the harsher reading). Function errors after Lambda accepted the event
 * are Lambda's to retry, never the schedule's. The sweeper (sweep-expired, strong mode) is the
 * stack's scheduled Lambda function; the canaries' schedules start state machines and are left out
 * here to keep the worlds small.
 *
 * What this cannot prove: which principal SQS's KMS request really carries, nor Scheduler's real
 * backoff intervals (AWS gives none; the simulation uses 1 s, doubling).
 */
import { deploymentFromEvaluation, fn } from "../../sim/deployment/deployment";
import type { Deployment, ScheduleDefinition } from "../../sim/deployment/types";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { clone, statementsOf, withoutAction } from "./support/deployment-edits";

let deployment: Deployment;
beforeAll(async () => {
  deployment = deploymentFromEvaluation(await stack());
});

const REGION = "us-east-2";
/** The deployment with only the schedules that target a Lambda function (the sweepers). */
function sweepersOnly(d: Deployment): Deployment {
  const copy = clone(d);
  copy.schedules = copy.schedules.filter((s) => s.targetArn.split(":")[2] === "lambda");
  return copy;
}
const sweeper = (d: Deployment) => fn(d, REGION, "sweep-expired");
const scheduleOf = (d: Deployment): ScheduleDefinition => {
  const s = d.schedules.find((x) => x.region === REGION && x.targetArn === sweeper(d).arn);
  if (!s) throw new Error(`no schedule targets ${sweeper(d).name}`);
  return s;
};
const dlqArn = (d: Deployment) => {
  const q = d.queues.find((x) => x.region === REGION && x.name.startsWith("async-failures"));
  if (!q) throw new Error("no async-failures queue");
  return q.arn;
};

async function run(d: Deployment, minutes: number, arrange?: (t: TestWorld) => void) {
  const aws = new SimulatedAws(d);
  const t = aws.world({ background: { schedules: true } });
  try {
    arrange?.(t);
    await t.advance(minutes * 60_000);
    return {
      sweeperCalls: t.calls({ caller: sweeper(d).name }),
      failures: t.world.scheduler.failures.filter((f) => f.region === REGION),
      deadLetters: t.world.sqs.messages(dlqArn(d)),
      denials: t.world.iam.denials,
      stats: t.world.runtime.stats.get(sweeper(d).arn),
      timeline: t.world.timeline.entries.map((e) => e.text),
    };
  } finally {
    aws.dispose();
  }
}

describe("EventBridge Scheduler invoking a Lambda function (the sweeper)", () => {
  it("reads the schedule's retry policy and dead-letter queue as deployed: 2 retries within 60 s, then the region's async-failures queue", () => {
    expect(scheduleOf(deployment)).toMatchObject({
      retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 60 },
      deadLetterArn: dlqArn(deployment),
    });
  });

  it("invokes the function every minute with the schedule's execution role, every request allowed (the stack as deployed)", async () => {
    const r = await run(sweepersOnly(deployment), 3);

    expect(r.sweeperCalls.length).toBeGreaterThan(0);
    expect(r.stats?.invocations).toBeGreaterThanOrEqual(2);
    expect(r.failures).toEqual([]);
    expect(r.deadLetters).toEqual([]);
    expect(r.denials).toEqual([]);
  });

  it("retries a denied invocation per the RetryPolicy, then sends the firing to the encrypted dead-letter queue with the execution role", async () => {
    const d = sweepersOnly(deployment);
    withoutAction(d, scheduleOf(d).roleArn, "lambda:InvokeFunction");

    const r = await run(d, 2);

    expect(r.sweeperCalls).toEqual([]);
    expect(r.failures.length).toBeGreaterThan(0);
    for (const f of r.failures) expect(f).toMatchObject({ outcome: "dead-lettered", attempts: 3 });
    expect(r.deadLetters).toHaveLength(r.failures.length);
    expect(r.deadLetters[0]).toMatchObject({
      body: scheduleOf(d).input,
      attributes: { ERROR_CODE: "AccessDeniedException", RETRY_ATTEMPTS: "2", TARGET_ARN: sweeper(d).arn },
    });
    // Only the invocations were denied (3 per firing; a firing still retrying when time stops adds its own).
    expect([...new Set(r.denials.map((x) => x.action))]).toEqual(["lambda:InvokeFunction"]);
    expect(r.denials.length).toBeGreaterThanOrEqual(r.failures.length * 3);
    expect(r.timeline.some((e) => e.includes(`Scheduler cannot start ${sweeper(d).name} after 3 attempt(s)`))).toBe(true);
  });

  it("loses the dead letter when the queue's key policy does not admit scheduler.amazonaws.com", async () => {
    const d = withoutAction(sweepersOnly(deployment), scheduleOf(deployment).roleArn, "lambda:InvokeFunction");
    for (const p of d.iam.resourcePolicies.filter((x) => x.kind === "kms"))
      p.document.Statement = statementsOf(p.document).filter((s) => !JSON.stringify(s.Principal ?? "").includes("scheduler.amazonaws.com"));

    const r = await run(d, 2);

    expect(r.failures.length).toBeGreaterThan(0);
    for (const f of r.failures) expect(f.outcome).toBe("lost");
    expect(r.deadLetters).toEqual([]);
    expect(r.denials).toContainEqual(
      expect.objectContaining({ principal: "scheduler.amazonaws.com", action: "kms:GenerateDataKey", allowed: false }),
    );
  });

  it("loses the dead letter when the execution role may not send to the queue", async () => {
    const d = withoutAction(sweepersOnly(deployment), scheduleOf(deployment).roleArn, "lambda:InvokeFunction");
    withoutAction(d, scheduleOf(d).roleArn, "sqs:SendMessage");

    const r = await run(d, 2);

    expect(r.failures.length).toBeGreaterThan(0);
    for (const f of r.failures) expect(f.outcome).toBe("lost");
    expect(r.deadLetters).toEqual([]);
    expect(r.denials.map((x) => x.action)).toContain("sqs:SendMessage");
  });

  it("delivers nothing, and no dead letter, when Scheduler cannot assume the role (a trust scoped to the schedule, not its group)", async () => {
    const d = sweepersOnly(deployment);
    const s = scheduleOf(d);
    const role = d.iam.roles.find((x) => x.arn === s.roleArn)!;
    for (const st of statementsOf(role.trust)) {
      const arnLike = st.Condition?.ArnLike;
      if (arnLike && "aws:SourceArn" in arnLike)
        arnLike["aws:SourceArn"] = `${s.groupArn.replace(":schedule-group/", ":schedule/")}/${s.name}`;
    }

    const r = await run(d, 2);

    expect(r.sweeperCalls).toEqual([]);
    expect(r.failures.length).toBeGreaterThan(0);
    for (const f of r.failures) expect(f).toMatchObject({ outcome: "role-not-assumed", attempts: 1 });
    expect(r.deadLetters).toEqual([]);
    expect(r.denials[0]).toMatchObject({ principal: "scheduler.amazonaws.com", action: "sts:AssumeRole", allowed: false });
  });

  it("leaves a failing function to Lambda's asynchronous retries: nothing reaches the schedule's dead-letter queue", async () => {
    const r = await run(sweepersOnly(deployment), 4, (t) =>
      t.world.runtime.injectFault({ action: "lambda-invocation-error", function: "sweep-expired", region: REGION }),
    );

    expect(r.stats?.errors).toBeGreaterThanOrEqual(3);
    expect(r.failures).toEqual([]);
    expect(r.deadLetters).toEqual([]);
    expect(r.denials).toEqual([]);
  });
});
