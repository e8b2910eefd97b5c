import { RESTORE_TAG } from "../../runbooks/domain/write-function";
import { approve, reject, SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { deploymentFromEvaluation } from "../../sim/deployment/deployment";
import { clone, withoutAction } from "../sim/support/deployment-edits";
import { alarmInput, healthy, primaryOutage, probe, runbookCalls } from "./support/sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const writeFunction = (t: TestWorld, region: string) => t.functionName(region, "create-payment");
const reportOf = (t: TestWorld, name: string) => {
  const bucket = t.deployment.buckets.find((b) => b.region === t.secondary && b.objectLock);
  const object = t.world.s3.get(t.secondary, bucket!.name, `reports/${name}/report.json`);
  return JSON.parse(object.body) as Record<string, any>;
};

describe("failover (primary outage, alarm-started in the secondary)", () => {
  it("fences the old primary, promotes the secondary, confirms DNS, notifies and releases the lease — in that order", async () => {
    const t = await primaryOutage(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;

    const result = await t.execute(SECONDARY, alarmInput(t, PRIMARY));

    expect(result).toMatchObject({ status: "SUCCEEDED" });
    // End state in the secondary's replica: one writer; two transitions of the authority (fence, promote).
    expect(t.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "FENCED", epoch: 2 });
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    const fenceMetric = t
      .calls({ service: "cloudwatch", operation: "PutMetricData", region: SECONDARY })
      .flatMap((c) => c.input.MetricData as { MetricName: string; Value: number; StorageResolution?: number }[])
      .filter((d) => d.MetricName === "PrimaryFenced");
    expect(fenceMetric.at(-1)).toMatchObject({ Value: 1, StorageResolution: 60 });

    // The order of what the runbook did, from the calls it made.
    const calls = runbookCalls(t);
    const order = (pred: (c: (typeof calls)[number]) => boolean) => calls.findIndex(pred);
    const put = (key: string, region?: string, state?: string) => (c: (typeof calls)[number]) =>
      c.service === "dynamodb" &&
      c.operation === "PutItem" &&
      c.outcome === "ok" &&
      (c.input.Item as { pk?: string } | undefined)?.pk === key &&
      (region === undefined || (c.input.Item as { states?: Record<string, string> }).states?.[region] === state);
    const sequence = [
      order(put("lease")),
      order((c) => c.operation === "DescribeTable"),
      order(put("authority", PRIMARY, "FENCED")),
      order((c) => c.operation === "PutMetricData"),
      order(put("authority", SECONDARY, "ACTIVE")),
      order((c) => c.service === "dns" && c.outcome === SECONDARY),
      order(
        (c) =>
          c.service === "sns" &&
          (c.input.MessageAttributes as Record<string, { StringValue?: string }>)?.event?.StringValue === "succeeded",
      ),
      order((c) => c.operation === "DeleteItem" && c.key?.includes("lease") === true),
    ];
    expect(sequence.map((i) => i >= 0)).toEqual(sequence.map(() => true));
    expect([...sequence].sort((a, b) => a - b)).toEqual(sequence);

    // The best-effort direct stop failed (the primary is down) and did not block anything.
    expect(t.world.lambda.getReserved(PRIMARY, writeFunction(t, PRIMARY))).toBe(50);
    const report = reportOf(t, result.name);
    expect(report).toMatchObject({ outcome: "failed-over", execution: { status: "SUCCEEDED" }, stopPeerWrites: { stopped: false } });
    // Strong mode (the default): every acknowledged write is durable in two regions, so nothing
    // acknowledged can be missing — exposure 0 by construction; the replica check is "this region
    // reads and writes with a quorum". (The eventual-mode heartbeat arithmetic: test/runbooks/decisions.test.ts.)
    expect(report.measurements.rpoExposureSeconds).toBe(0);
    const succeeded = t.notifications(SECONDARY).find((n) => n.attributes.event === "succeeded");
    expect(succeeded?.message).toContain(
      "Replication: strongly consistent tables: this region reads and writes with a quorum; RPO exposure 0 s",
    );
    expect(t.notifications(SECONDARY).map((n) => n.attributes.event)).toEqual(["started", "decision", "succeeded"]);
  });

  it("stops the old primary's write function when its region still answers", async () => {
    const t = healthy(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    t.seed("control", probe(SECONDARY, PRIMARY, t.now() - 1000, t.now() - 20_000, 3), [SECONDARY]);

    const result = await t.execute(SECONDARY, alarmInput(t, PRIMARY));

    expect(result.status).toBe("SUCCEEDED");
    expect(t.world.lambda.getReserved(PRIMARY, writeFunction(t, PRIMARY))).toBe(0);
    expect(t.world.lambda.getTags(PRIMARY, writeFunction(t, PRIMARY))).toEqual({ "payments-dr:reserved-concurrency-before-fence": "50" });
  });

  it("restores its own write function after promoting, when an earlier failover that stopped it died halfway", async () => {
    // The sweep's incident (seed 9001): a failover to the other region fenced this one and stopped
    // its write function, then the other region failed before promoting itself; the reconciler here
    // promoted this region, whose create-payment stayed at 0 concurrency: every payment throttled.
    const t = await primaryOutage(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    const write = writeFunction(t, SECONDARY);
    const configured = aws.deployment.functions.find((f) => f.region === SECONDARY && f.handler === "create-payment")?.reservedConcurrency;
    t.world.lambda.tag(SECONDARY, write, { [RESTORE_TAG]: String(configured) });
    t.world.lambda.setReserved(SECONDARY, write, 0);

    const result = await t.execute(SECONDARY, alarmInput(t, PRIMARY));

    expect(result.status).toBe("SUCCEEDED");
    expect(t.world.lambda.getReserved(SECONDARY, write)).toBe(configured);
    expect(result.states.indexOf("RestoreLocalWriteFunction")).toBe(result.states.indexOf("PromoteLocalRegion") + 1);
  });

  it("does not promote when a local replica is not ACTIVE: escalates to an approval, and fails cleanly on rejection", async () => {
    const t = await primaryOutage(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    t.world.dynamodb.replicaStatus.set(`${SECONDARY}/${t.tables.payments}`, "UPDATING");

    const result = await t.execute(SECONDARY, alarmInput(t, PRIMARY), { approval: reject });

    expect(result).toMatchObject({ status: "FAILED", error: "ApprovalRejectedError" });
    expect(result.states).not.toContain("FenceOldPrimary");
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY", epoch: 0 });
    expect(t.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE" });
    expect(t.calls({ operation: "PutMetricData" }).filter((c) => JSON.stringify(c.input).includes("PrimaryFenced"))).toEqual([]);
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    const notes = t.notifications(SECONDARY);
    expect(notes.find((n) => n.attributes.event === "approval-requested")?.message).toContain("is UPDATING, not ACTIVE");
    expect(notes.at(-1)?.attributes.event).toBe("failed");
  });

  it("promotes after an operator approves the escalation", async () => {
    const t = await primaryOutage(aws);
    t.world.dynamodb.replicaStatus.set(`${t.secondary}/${t.tables.payments}`, "UPDATING");

    const result = await t.execute(t.secondary, alarmInput(t, t.primary), { approval: approve });

    expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({
      status: "SUCCEEDED",
      error: undefined,
      cause: undefined,
    });
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE", epoch: 2 });
  });

  it("fails with DnsNotShiftedError after the bounded number of DNS checks, notifying and releasing the lease", async () => {
    const t = await primaryOutage(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    t.world.route53.freeze();

    const result = await t.execute(SECONDARY, alarmInput(t, PRIMARY));

    expect(result).toMatchObject({ status: "FAILED", error: "DnsNotShiftedError" });
    const machine = t.deployment.stateMachines.find((m) => m.region === SECONDARY && m.type === "STANDARD")!;
    const bound = (machine.definition.States.IsDnsShifted.Choices as { NumericGreaterThanEquals?: number }[]).find(
      (c) => c.NumericGreaterThanEquals,
    )!;
    expect(runbookCalls(t).filter((c) => c.service === "dns" && c.operation === "TXT")).toHaveLength(bound.NumericGreaterThanEquals!);
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    const failure = t.notifications(SECONDARY).find((n) => n.attributes.event === "failed");
    expect(failure?.subject).toContain("DnsNotShiftedError");
    expect(failure?.message).toContain(`${SECONDARY} ACTIVE (epoch 2)`);
  });

  // The sweep (seed 2 and seed 9, --scenario full) found runs that ended at RejectInput without a
  // word when ValidateInput's function could not run: the failure path needs the validated $.run.
  it("says so, and changes nothing, when ValidateInput's function cannot run at all", async () => {
    const t = await primaryOutage(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    const before = t.regionRecord(SECONDARY, SECONDARY);
    const heal = t.fault({ action: "lambda-invocation-error", function: "validate-input", region: SECONDARY });

    const result = await t.execute(SECONDARY, alarmInput(t, PRIMARY));
    heal();

    expect(result).toMatchObject({ status: "FAILED" });
    expect(result.error).toBe("FISInvocationError"); // what the simulated FIS invocation-error makes the function throw
    expect(result.states).toEqual(["ValidateInput", "NotifyNotStarted", "NotStarted"]);
    expect(t.regionRecord(SECONDARY, SECONDARY)).toEqual(before);
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    const notes = t.notifications(SECONDARY).filter((n) => n.attributes.execution === result.name);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ attributes: { event: "failed", mode: "failover", region: SECONDARY } });
    expect(notes[0].subject).toContain(`failover in ${SECONDARY}: FAILED before it started (${result.error})`);
    expect(notes[0].message).toContain("nothing was done");
  });

  it("is denied, as AWS would deny it, when the machine's role may not publish: the run still ends FAILED and releases", async () => {
    const deployment = clone(deploymentFromEvaluation(await stack()));
    const machine = deployment.stateMachines.find((m) => m.region === "us-east-2" && m.type === "STANDARD");
    if (!machine?.roleArn) throw new Error("no DR machine in us-east-2");
    aws.dispose(); // one world at a time: the last test's world ends here
    const broken = new SimulatedAws(withoutAction(deployment, machine.roleArn, "sns:Publish"));
    try {
      const t = await primaryOutage(broken);
      const { primary: PRIMARY, secondary: SECONDARY } = t;
      const heal = t.fault({ action: "lambda-invocation-error", function: "notify", region: SECONDARY });

      const result = await t.execute(SECONDARY, alarmInput(t, PRIMARY));
      heal();

      expect(result).toMatchObject({ status: "FAILED", error: "FISInvocationError" });
      expect(result.states).toEqual(expect.arrayContaining(["NotifyFailureDirect", "ReleaseLeaseAfterFailure"]));
      expect(t.notifications(SECONDARY).filter((n) => n.attributes.execution === result.name)).toEqual([]);
      expect(t.world.iam.denials.map((d) => `${d.action} ${d.resource}`)).toContain(
        `sns:Publish ${t.deployment.topics.find((topic) => topic.region === SECONDARY)?.arn}`,
      );
      expect(t.control(SECONDARY, "lease")).toBeUndefined();
    } finally {
      broken.dispose();
    }
  });

  it("says so through SNS directly when neither ValidateInput's function nor the notify function can run", async () => {
    const t = await primaryOutage(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    const healValidate = t.fault({ action: "lambda-invocation-error", function: "validate-input", region: SECONDARY });
    const healNotify = t.fault({ action: "lambda-invocation-error", function: "notify", region: SECONDARY });

    const result = await t.execute(SECONDARY, alarmInput(t, PRIMARY));
    healValidate();
    healNotify();

    expect(result).toMatchObject({ status: "FAILED", error: "FISInvocationError" });
    expect(result.states).toEqual(["ValidateInput", "NotifyNotStarted", "NotifyNotStartedDirect", "NotStarted"]);
    const notes = t.notifications(SECONDARY).filter((n) => n.attributes.execution === result.name);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ attributes: { event: "failed", region: SECONDARY } });
    expect(notes[0].subject).toBe(
      `[payments-dr ${t.deployment.environment}] run in ${SECONDARY}: FAILED before it started (short form: notify failed)`,
    );
    expect(notes[0].message).toContain("Nothing was done");
  });

  // The sweep (seed 12, --scenario full) found runs that ended FAILED without a word while the
  // notify function failed every invocation: the failure path's own notification could not be sent.
  // A notice that cannot be sent still fails the run (checklist B9: no Catch path reaches Succeed),
  // but the failure now reaches on-call through Step Functions' own SNS integration.
  it("fails, changes nothing and says so through SNS directly when the notify function cannot run", async () => {
    const t = await primaryOutage(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    const before = t.regionRecord(SECONDARY, SECONDARY);
    const heal = t.fault({ action: "lambda-invocation-error", function: "notify", region: SECONDARY });

    const result = await t.execute(SECONDARY, alarmInput(t, PRIMARY));
    heal();

    expect(result).toMatchObject({ status: "FAILED", error: "FISInvocationError" });
    expect(result.states).toEqual(
      expect.arrayContaining(["NotifyRunStarted", "NotifyFailure", "NotifyFailureDirect", "ReleaseLeaseAfterFailure"]),
    );
    expect(result.states).not.toContain("AssessRegions");
    expect(t.regionRecord(SECONDARY, SECONDARY)).toEqual(before);
    const notes = t.notifications(SECONDARY).filter((n) => n.attributes.execution === result.name);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ attributes: { event: "failed", mode: "failover", region: SECONDARY } });
    expect(notes[0].subject).toBe(`[payments-dr ${t.deployment.environment}] failover in ${SECONDARY}: FAILED (short form: notify failed)`);
    expect(notes[0].message).toContain(result.name);
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
  });
});
