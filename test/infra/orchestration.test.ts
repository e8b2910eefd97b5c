/**
 * The DR orchestrator as the program deploys it (Pulumi mocks): state machines, their roles,
 * triggers, the canary schedule and the cross-region role. The executed behaviour of the
 * definitions is tested in test/state-machines; here we check what the stack wires around them.
 */
import aslValidator from "asl-validator";
import { runbookFunctions } from "../../lib/handlers";
import { RUNBOOK_TASK_FUNCTIONS } from "../../state-machines/render";
import type { Evaluation } from "../../infra/offline/evaluate";
import { MOCK_ACCOUNT_ID } from "../../infra/offline/mocks";
import { asArray, one, REGIONS, stack, statements } from "../support/stack";

let ev: Evaluation;
beforeAll(async () => {
  ev = await stack();
});

const ACCT = MOCK_ACCOUNT_ID;
const REGION_LIST = [REGIONS.primary, REGIONS.secondary];
const other = (region: string) => (region === REGIONS.primary ? REGIONS.secondary : REGIONS.primary);
const machine = (region: string, name = "dr-orchestrator") =>
  one(ev, "aws:sfn/stateMachine:StateMachine", (m) => m.inputs.name === `${name}-${region}-dev`);
const fn = (name: string, region: string) => one(ev, "aws:lambda/function:Function", (f) => f.inputs.name === `${name}-${region}-dev`);

/** Every Lambda ARN a definition invokes, wherever it appears. */
function invokedFunctions(definition: string): string[] {
  return [...definition.matchAll(/arn:aws:lambda:[a-z0-9-]+:\d+:function:[A-Za-z0-9-]+/g)].map((m) => m[0]);
}

describe("DR state machine", () => {
  it.each(REGION_LIST)("runs in %s as a STANDARD machine, logged without execution data and traced", (region) => {
    const m = machine(region);
    expect(m.region).toBe(region);
    expect(m.inputs.type).toBe("STANDARD");
    expect(m.inputs.tracingConfiguration).toEqual({ enabled: true });
    expect(m.inputs.loggingConfiguration).toEqual({
      level: "ALL",
      includeExecutionData: false,
      logDestination: `arn:aws:logs:${region}:${ACCT}:log-group:/aws/vendedlogs/states/dr-orchestrator-${region}-dev:*`,
    });
    const group = one(
      ev,
      "aws:cloudwatch/logGroup:LogGroup",
      (g) => g.inputs.name === `/aws/vendedlogs/states/dr-orchestrator-${region}-dev`,
    );
    expect(group.inputs.kmsKeyId).toMatch(new RegExp(`^arn:aws:kms:${region}:`));
  });

  it.each(REGION_LIST)("deploys a valid definition in %s that invokes only that region's runbook functions", (region) => {
    const definition: string = machine(region).inputs.definition;
    const { isValid, errors } = aslValidator(JSON.parse(definition));
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
    const invoked = new Set(invokedFunctions(definition));
    expect([...invoked].sort()).toEqual(
      RUNBOOK_TASK_FUNCTIONS.map((f) => `arn:aws:lambda:${region}:${ACCT}:function:${f}-${region}-dev`).sort(),
    );
    expect(definition).not.toMatch(/route53:(changeResourceRecordSets|updateHealthCheck)/i);
  });

  it.each(REGION_LIST)("lets the %s machine's role invoke exactly its own functions, trusted only for that machine", (region) => {
    const role = one(ev, "aws:iam/role:Role", (r) => r.inputs.name === `dr-orchestrator-${region}-dev`);
    const [trust] = statements(role.inputs.assumeRolePolicy);
    expect(trust.Principal).toEqual({ Service: "states.amazonaws.com" });
    expect(trust.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCT },
      ArnLike: { "aws:SourceArn": `arn:aws:states:${region}:${ACCT}:stateMachine:dr-orchestrator-${region}-dev` },
    });
    const policy = one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === `dr-orchestrator-${region}-dev`);
    const invoke = statements(policy.inputs.policy).find((s) => asArray(s.Action).includes("lambda:InvokeFunction"));
    const resources = asArray<string>(invoke.Resource);
    expect(resources.filter((r) => !r.endsWith(":*")).sort()).toEqual(RUNBOOK_TASK_FUNCTIONS.map((f) => fn(f, region).state.arn).sort());
    expect(resources.every((r) => r.startsWith(`arn:aws:lambda:${region}:`))).toBe(true);
  });

  it("points every runbook function at its own region's machine and the peer's", () => {
    for (const region of REGION_LIST) {
      for (const spec of runbookFunctions) {
        const vars = fn(spec.name, region).inputs.environment.variables;
        if (vars.STATE_MACHINE_ARN) expect(vars.STATE_MACHINE_ARN).toBe(machine(region).state.arn);
        if (vars.PEER_STATE_MACHINE_ARN) expect(vars.PEER_STATE_MACHINE_ARN).toBe(machine(other(region)).state.arn);
        if (vars.EVIDENCE_BUCKET) expect(vars.EVIDENCE_BUCKET).toBe(`dr-evidence-${region}-dev-${ACCT}`);
        if (vars.LOCAL_WRITE_FUNCTION_NAME) expect(vars.LOCAL_WRITE_FUNCTION_NAME).toBe(fn("create-payment", region).inputs.name);
        if (vars.PEER_WRITE_FUNCTION_NAME) expect(vars.PEER_WRITE_FUNCTION_NAME).toBe(fn("create-payment", other(region)).inputs.name);
        // docs/architecture.md: outside the VPC, by design; the restore rehearsal's steps read payment data, so in it.
        if (spec.vpc) expect(fn(spec.name, region).inputs.vpcConfig).toEqual(fn("create-payment", region).inputs.vpcConfig);
        else expect(fn(spec.name, region).inputs.vpcConfig).toBeUndefined();
      }
    }
  });

  it("exports the machines and writes them into each region's parameters", () => {
    expect(ev.outputs.stateMachineArns).toEqual({
      primary: machine(REGIONS.primary).state.arn,
      secondary: machine(REGIONS.secondary).state.arn,
    });
    for (const region of REGION_LIST) {
      const param = (n: string) =>
        one(ev, "aws:ssm/parameter:Parameter", (p) => p.region === region && p.inputs.name === `/payments-dr/dev/${n}`).inputs.value;
      expect(param("dr/state-machine-arn")).toBe(machine(region).state.arn);
      expect(param("dr/canary-ticker-arn")).toBe(machine(region, "canary-ticker").state.arn);
      expect(param("dr/evidence-bucket")).toBe(`dr-evidence-${region}-dev-${ACCT}`);
      expect(param("dr/dashboard-url")).toBe(
        `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=payments-dr-${region}-dev`,
      );
      expect(JSON.parse(param("dr/alarm-names"))).toContain(`peer-health-${region}-dev`);
    }
  });
});

describe("evidence bucket", () => {
  it.each(REGION_LIST)("keeps %s's reports versioned under Object Lock in governance mode", (region) => {
    const bucket = one(ev, "aws:s3/bucket:Bucket", (b) => b.inputs.bucket === `dr-evidence-${region}-dev-${ACCT}`);
    expect(bucket.inputs.objectLockEnabled).toBe(true);
    const lock = one(ev, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", (l) => l.region === region);
    expect(lock.inputs.rule).toEqual({ defaultRetention: { mode: "GOVERNANCE", days: 365 } });
    const versioning = one(ev, "aws:s3/bucketVersioning:BucketVersioning", (v) => v.inputs.bucket === bucket.id);
    expect(versioning.inputs.versioningConfiguration.status).toBe("Enabled");
  });
});

describe("triggers", () => {
  it.each([
    [REGIONS.primary, ["payment-failures", "peer-health", "primary-endpoint-health"]],
    [REGIONS.secondary, ["payment-failures", "peer-health"]],
  ])("starts the %s runbook on exactly its DR alarms going to ALARM", (region, keys) => {
    const rule = one(ev, "aws:cloudwatch/eventRule:EventRule", (r) => r.region === region);
    const pattern = JSON.parse(rule.inputs.eventPattern);
    expect({ ...pattern, resources: [...pattern.resources].sort() }).toEqual({
      source: ["aws.cloudwatch"],
      "detail-type": ["CloudWatch Alarm State Change"],
      resources: keys.map((k) => `arn:aws:cloudwatch:${region}:${ACCT}:alarm:${k}-${region}-dev`).sort(),
      detail: { state: { value: ["ALARM"] } },
    });
  });

  // What the mocks cannot prove: that AWS accepts a 10-second period (it does for high-resolution
  // metrics; create-payment publishes PaymentFailed at 1-second resolution — test/sim/emf-alarms.test.ts
  // shows a standard-resolution PaymentFailed would never fill the periods).
  it.each(REGION_LIST)(
    "drains %s only after a minute of payment failures: 5 of 6 ten-second periods with at least 2, notifying dr-alerts",
    (region) => {
      const alarm = one(ev, "aws:cloudwatch/metricAlarm:MetricAlarm", (a) => a.inputs.name === `payment-failures-${region}-dev`);
      expect(alarm.region).toBe(region);
      expect(alarm.inputs).toMatchObject({
        namespace: "PaymentsDR",
        metricName: "PaymentFailed",
        dimensions: { service: "create-payment", Environment: "dev", Region: region },
        statistic: "Sum",
        period: 10,
        evaluationPeriods: 6,
        datapointsToAlarm: 5,
        threshold: 2,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [expect.stringContaining(`:dr-alerts-${region}-dev`)],
      });
      expect(alarm.inputs.alarmDescription).toContain("at least 2 in each of 5 of 6 consecutive 10-second periods");
    },
  );

  it.each(REGION_LIST)("delivers %s alarm events to the execution starter with a bounded retry and a dead-letter queue", (region) => {
    const target = one(ev, "aws:cloudwatch/eventTarget:EventTarget", (t) => t.region === region);
    const dlq = `arn:aws:sqs:${region}:${ACCT}:async-failures-${region}-dev`;
    expect(target.inputs).toMatchObject({
      arn: fn("start-execution", region).state.arn,
      retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 600 },
      deadLetterConfig: { arn: dlq },
    });
    const rule = one(ev, "aws:cloudwatch/eventRule:EventRule", (r) => r.region === region);
    const invoke = one(ev, "aws:lambda/permission:Permission", (p) => p.region === region && p.inputs.principal === "events.amazonaws.com");
    expect(invoke.inputs).toMatchObject({ sourceArn: rule.state.arn, sourceAccount: ACCT });
    const queuePolicy = one(
      ev,
      "aws:sqs/queuePolicy:QueuePolicy",
      (q) => q.region === region && q.inputs.queueUrl.endsWith(`async-failures-${region}-dev`),
    );
    const allow = statements(queuePolicy.inputs.policy).find((s) => s.Sid === "EventBridgeRuleDeadLetters");
    expect(allow.Condition).toEqual({ ArnEquals: { "aws:SourceArn": [rule.state.arn] } });
  });

  it.each(REGION_LIST)(
    "probes from %s several times a minute: Scheduler starts the EXPRESS ticker, which invokes the canary, then the reconciler",
    (region) => {
      const ticker = machine(region, "canary-ticker");
      expect(ticker.inputs.type).toBe("EXPRESS");
      expect(new Set(invokedFunctions(ticker.inputs.definition))).toEqual(
        new Set([fn("canary", region).state.arn, fn("reconcile", region).state.arn]),
      );
      const probe = JSON.parse(ticker.inputs.definition).States.ProbeAtOffsets.ItemProcessor.States;
      expect(probe.ProbePeer.Parameters.FunctionName).toBe(fn("canary", region).state.arn);
      expect(probe.ProbePeer.Next).toBe("Reconcile");
      expect(probe.Reconcile.Parameters.FunctionName).toBe(fn("reconcile", region).state.arn);
      // The ticker's role invokes exactly those two functions (and their versions), nothing else.
      const policy = one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === `canary-ticker-${region}-dev`);
      const invoke = statements(policy.inputs.policy).find((s) => asArray(s.Action).includes("lambda:InvokeFunction"));
      expect(asArray<string>(invoke.Resource).sort()).toEqual(
        ["canary", "reconcile"].flatMap((f) => [fn(f, region).state.arn, `${fn(f, region).state.arn}:*`]).sort(),
      );
      const offsets = JSON.parse(ticker.inputs.definition).States.PlanProbes.Result.offsets;
      expect(offsets).toEqual([0, 10, 20, 30, 40, 50]); // canaryProbesPerMinute = 6
      const schedule = one(ev, "aws:scheduler/schedule:Schedule", (s) => s.region === region && s.inputs.target.arn === ticker.state.arn);
      expect(schedule.inputs).toMatchObject({
        scheduleExpression: "rate(1 minute)",
        flexibleTimeWindow: { mode: "OFF" },
        target: {
          arn: ticker.state.arn,
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 },
          deadLetterConfig: { arn: `arn:aws:sqs:${region}:${ACCT}:async-failures-${region}-dev` },
        },
      });
    },
  );
});

describe("canary schedule", () => {
  // What the mocks cannot prove: that Scheduler sends the group ARN. AWS documents it: "The value of
  // aws:SourceArn must be your EventBridge Scheduler schedule group ARN ... Do not scope the
  // aws:SourceArn statement to a specific schedule" (Scheduler user guide, confused deputy prevention).
  it.each(REGION_LIST)("trusts Scheduler in %s for its own schedule group, the ARN Scheduler sends as aws:SourceArn", (region) => {
    const group = one(ev, "aws:scheduler/scheduleGroup:ScheduleGroup", (g) => g.region === region && g.inputs.name.startsWith("dr-"));
    expect(group.inputs.name).toBe(`dr-schedules-${region}-dev`);
    expect(group.state.arn).toBe(`arn:aws:scheduler:${region}:${ACCT}:schedule-group/dr-schedules-${region}-dev`);
    const schedule = one(ev, "aws:scheduler/schedule:Schedule", (s) => s.region === region && s.inputs.name.startsWith("canary-"));
    expect(schedule.inputs.groupName).toBe(group.inputs.name);
    const role = one(ev, "aws:iam/role:Role", (r) => r.inputs.name === `canary-schedule-${region}-dev`);
    expect(schedule.inputs.target.roleArn).toBe(role.state.arn);
    expect(statements(role.inputs.assumeRolePolicy)).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCT }, ArnLike: { "aws:SourceArn": group.state.arn } },
      },
    ]);
  });
});

describe("runbook functions", () => {
  it.each(runbookFunctions.map((s) => s.name))("deploys %s with the same reserved concurrency in both regions, as declared", (name) => {
    const declared = runbookFunctions.find((s) => s.name === name)!.reservedConcurrency;
    // 2 for every step, the trigger and the canary; 1 for the restore rehearsal's steps (one drill restores at a time).
    expect(declared).toBe(runbookFunctions.find((s) => s.name === name)!.vpc ? 1 : 2);
    expect(REGION_LIST.map((region) => fn(name, region).inputs.reservedConcurrentExecutions)).toEqual([declared, declared]);
  });

  it.each(runbookFunctions.map((s) => s.name))("deploys %s's own bundle, the same one in both regions", (name) => {
    const code = REGION_LIST.map((region) => fn(name, region).inputs.code);
    expect(code[0]).toEqual({ archive: "file", path: expect.stringMatching(new RegExp(`/dist/lambda/${name}$`)) });
    expect(code[1]).toEqual(code[0]);
  });
});

describe("DR operations role", () => {
  const role = () => one(ev, "aws:iam/role:Role", (r) => r.inputs.name === "dr-operations-global-dev");

  it("is assumable only by the named runbook roles of both regions that need it", () => {
    const [trust, ...more] = statements(role().inputs.assumeRolePolicy);
    expect(more).toEqual([]);
    const needing = runbookFunctions.filter((s) => s.permissions.includes("dr-operations:assume")).map((s) => s.name);
    expect(needing.length).toBeGreaterThan(3);
    expect([...trust.Principal.AWS].sort()).toEqual(
      REGION_LIST.flatMap((r) => needing.map((n) => `arn:aws:iam::${ACCT}:role/${n}-${r}-dev`)).sort(),
    );
    expect(trust.Action).toBe("sts:AssumeRole");
  });

  it("is what the runbook functions are told to assume", () => {
    for (const region of REGION_LIST) {
      expect(fn("set-peer-state", region).inputs.environment.variables.DR_OPERATIONS_ROLE_ARN).toBe(role().state.arn);
    }
  });

  it("allows exactly the cross-region steps, on named resources", () => {
    const policy = one(ev, "aws:iam/rolePolicy:RolePolicy", (p) => p.inputs.role === "dr-operations-global-dev");
    const bySid = Object.fromEntries(statements(policy.inputs.policy).map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual([
      "ControlRecordsInEitherReplica",
      "FenceMetricInTheSecondary",
      "FollowThePeersRunbook",
      "ReadTheFenceAlarmInTheSecondary",
      "StartThePeersRunbook",
      "StopAndRestoreTheWriteFunction",
    ]);
    expect(bySid.ControlRecordsInEitherReplica.Resource).toEqual(
      REGION_LIST.map((r) => `arn:aws:dynamodb:${r}:${ACCT}:table/dr-control-global-dev`),
    );
    expect(bySid.StopAndRestoreTheWriteFunction.Resource).toEqual(
      REGION_LIST.map((r) => `arn:aws:lambda:${r}:${ACCT}:function:create-payment-${r}-dev`),
    );
    expect(bySid.FenceMetricInTheSecondary.Condition).toEqual({
      StringEquals: { "cloudwatch:namespace": "PaymentsDR", "aws:RequestedRegion": REGIONS.secondary },
    });
    expect(bySid.StartThePeersRunbook.Resource).toEqual(REGION_LIST.map((r) => machine(r).state.arn));
    // Exactly the alarm the primary's Route 53 guard watches, in the secondary, and nothing else.
    const fenceAlarm = one(
      ev,
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      (a) => a.inputs.name === `primary-fenced-${REGIONS.secondary}-dev`,
    );
    expect(fenceAlarm.region).toBe(REGIONS.secondary);
    expect(bySid.ReadTheFenceAlarmInTheSecondary).toEqual({
      Sid: "ReadTheFenceAlarmInTheSecondary",
      Effect: "Allow",
      Action: ["cloudwatch:DescribeAlarms"],
      Resource: `arn:aws:cloudwatch:${REGIONS.secondary}:${ACCT}:alarm:primary-fenced-${REGIONS.secondary}-dev`,
    });
  });

  it.each(REGION_LIST)("tells %s's fence-alarm check the name of the alarm the primary's guard watches", (region) => {
    const guard = one(ev, "aws:route53/healthCheck:HealthCheck", (h) => h.inputs.type === "CLOUDWATCH_METRIC");
    expect(guard.inputs).toMatchObject({
      cloudwatchAlarmName: `primary-fenced-${REGIONS.secondary}-dev`,
      cloudwatchAlarmRegion: REGIONS.secondary,
    });
    expect(fn("check-fence-alarm", region).inputs.environment.variables).toMatchObject({
      FENCE_ALARM_NAME: guard.inputs.cloudwatchAlarmName,
      SECONDARY_REGION: guard.inputs.cloudwatchAlarmRegion,
      DR_OPERATIONS_ROLE_ARN: role().state.arn,
    });
  });

  it.each(REGION_LIST)("points %s's DNS confirmation and canary at the hosted zone's own name servers and its witness record", (region) => {
    const zone = one(ev, "aws:route53/zone:Zone", () => true);
    const nameServers = zone.state.nameServers as string[];
    expect(nameServers.length).toBeGreaterThanOrEqual(4);
    // The witness is a failover pair (PRIMARY and SECONDARY answers under one name).
    const witness = new Set(
      ev.resources
        .filter((r) => r.type === "aws:route53/record:Record" && r.inputs.type === "TXT" && String(r.inputs.name).startsWith("_region."))
        .map((r) => r.inputs.name),
    );
    expect(witness.size).toBe(1);
    // The canary asks the witness too (eventual mode: the payment path's partition guard reads its answer).
    for (const handler of ["confirm-dns", "canary"])
      expect(fn(handler, region).inputs.environment.variables).toMatchObject({
        ZONE_NAME_SERVERS: nameServers.join(","),
        DNS_WITNESS_NAME: [...witness][0],
      });
  });
});

describe("dashboard", () => {
  it.each(REGION_LIST)("shows %s's DR picture: health, fence, write latency, heartbeat, alarms, executions", (region) => {
    const dashboard = one(ev, "aws:cloudwatch/dashboard:Dashboard", (d) => d.region === region);
    expect(dashboard.inputs.dashboardName).toBe(`payments-dr-${region}-dev`);
    const { widgets } = JSON.parse(dashboard.inputs.dashboardBody);
    const text = JSON.stringify(widgets);
    for (const metric of ["HealthCheckStatus", "PeerHealthy", "PrimaryFenced", "PeerHeartbeatAgeSeconds", "ExecutionsStarted"])
      expect(text).toContain(metric);
    const alarmWidget = widgets.find((w: any) => w.type === "alarm");
    expect(alarmWidget.properties.alarms).toContain(`arn:aws:cloudwatch:${region}:${ACCT}:alarm:peer-health-${region}-dev`);
    expect(text).toContain(machine(region).state.arn);
    // Strong mode: MRSC tables publish no ReplicationLatency; the writes' latency carries the quorum
    // round trip instead (eventual mode's dashboard: data-layer-eventual.test.ts).
    expect(text).not.toContain("ReplicationLatency");
    const latency = widgets.find((w: any) => String(w.properties?.title).startsWith("DynamoDB write latency"));
    expect(latency.properties).toMatchObject({ region, stat: "p99" });
    expect(latency.properties.metrics).toEqual(
      ["payments-global-dev", "payments-idempotency-global-dev", "dr-control-global-dev"].flatMap((t) =>
        ["PutItem", "UpdateItem"].map((op) => ["AWS/DynamoDB", "SuccessfulRequestLatency", "TableName", t, "Operation", op]),
      ),
    );
  });
});
