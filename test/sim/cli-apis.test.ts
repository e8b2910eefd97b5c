/**
 * The AWS APIs drctl reads, as the rehearsal's world answers them through ordinary SDK clients:
 * SSM GetParametersByPath (exactly the evaluated stack's parameters, 10 per page), Step
 * Functions ListExecutions and GetExecutionHistory of a real DR machine run, S3 GetObject,
 * CloudWatch DescribeAlarms by state and in pages, Route 53 GetHealthCheckStatus (served from
 * us-east-1 only), and the failover name's A records from the zone's name servers. Shapes are
 * the API references'. The world runs in a child process (support/cli-apis-probe.ts says why).
 * What this cannot prove: that AWS words every status string as the simulation does (see
 * sim/route53/status.ts for what is assumed).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
type Json = any;
let probe: Json;

beforeAll(async () => {
  probe = await new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "test/sim/support/cli-apis-probe.ts"],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`the probe failed: ${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}, 60_000);

const errorNamed = (name: string) => expect.objectContaining({ error: name });

describe("SSM GetParametersByPath", () => {
  it("answers exactly the evaluated stack's parameters of the region, at most 10 per page", () => {
    const pages = probe.ssmPages as { Parameters: Json[]; NextToken?: string }[];
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((p) => p.Parameters.length <= 10)).toBe(true);
    const expected = (probe.evaluatedParameters as Json[]).filter((p) => p.region === "us-east-2");
    expect(expected.every((p) => typeof p.value === "string")).toBe(true);
    const got = pages.flatMap((p) => p.Parameters).map((p) => ({ name: p.Name, value: p.Value, region: "us-east-2" }));
    expect(got).toHaveLength(expected.length);
    expect(got).toEqual(expect.arrayContaining(expected));
    const first = pages[0].Parameters[0];
    expect(first).toMatchObject({
      Type: "String",
      Version: 1,
      DataType: "text",
      ARN: `arn:aws:ssm:us-east-2:123456789012:parameter${first.Name}`,
    });
  });

  it("without Recursive, answers only the parameters directly under the path", () => {
    const dr = (probe.ssmDr.Parameters as Json[]).map((p) => p.Name as string);
    expect(dr).toEqual(expect.arrayContaining(["/payments-dr/dev/dr/state-machine-arn", "/payments-dr/dev/dr/evidence-bucket"]));
    const top = (probe.ssmTop.Parameters as Json[]).map((p) => p.Name as string);
    expect(top).toEqual(expect.arrayContaining(["/payments-dr/dev/region", "/payments-dr/dev/role"]));
    expect(top).not.toContain("/payments-dr/dev/dr/state-machine-arn");
  });
});

describe("Step Functions ListExecutions and GetExecutionHistory", () => {
  it("lists the DR machine's executions newest first, by status; not the EXPRESS ticker's", () => {
    expect(probe.described).toBe("SUCCEEDED");
    expect(probe.list.executions[0]).toMatchObject({
      name: "probe",
      executionArn: probe.executionArn,
      status: "SUCCEEDED",
      startDate: expect.any(String),
      stopDate: expect.any(String),
    });
    expect(probe.listExpress).toEqual(errorNamed("StateMachineTypeNotSupported"));
  });

  it("reports the run's events as Step Functions does", () => {
    const events = probe.history.events as Json[];
    expect(events[0]).toMatchObject({
      id: 1,
      previousEventId: 0,
      type: "ExecutionStarted",
      executionStartedEventDetails: { input: expect.stringContaining("dry-run"), roleArn: expect.stringMatching(/^arn:aws:iam::/) },
    });
    expect(events.at(-1)).toMatchObject({ type: "ExecutionSucceeded", executionSucceededEventDetails: { output: expect.any(String) } });
    const validate = events.findIndex((e) => e.type === "TaskStateEntered" && e.stateEnteredEventDetails?.name === "ValidateInput");
    expect(events.slice(validate, validate + 5).map((e) => e.type)).toEqual([
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSucceeded",
      "TaskStateExited",
    ]);
    expect(events[validate + 1].taskScheduledEventDetails).toMatchObject({
      resourceType: "lambda",
      resource: "invoke",
      region: "us-east-2",
      parameters: expect.stringContaining("FunctionName"),
    });
    expect(JSON.parse(events[validate + 4].stateExitedEventDetails.output)).toHaveProperty("run");
    expect(events.some((e) => e.type === "ChoiceStateEntered")).toBe(true);
    expect(events.map((e) => e.id)).toEqual(events.map((_: Json, i: number) => i + 1));
  });

  it("pages newest first, without execution data when asked", () => {
    const pages = probe.historyReversed as { events: Json[] }[];
    expect(pages.every((p) => p.events.length <= 7)).toBe(true);
    const ids = pages.flatMap((p) => p.events.map((e) => e.id));
    expect(ids).toEqual((probe.history.events as Json[]).map((e) => e.id).reverse());
    const exited = pages.flatMap((p) => p.events).find((e) => e.type === "TaskStateExited");
    expect(exited.stateExitedEventDetails).toEqual({ name: expect.any(String) });
  });
});

describe("a .waitForTaskToken step in the history", () => {
  it("is submitted while it waits, and fails with the error the callback sent", () => {
    const waiting = probe.approvalWaiting.events as Json[];
    expect(waiting.map((e) => e.type)).toEqual(["TaskSubmitted", "TaskStarted", "TaskScheduled"]);
    expect(waiting[0].taskSubmittedEventDetails).toMatchObject({
      resourceType: "lambda",
      resource: "invoke.waitForTaskToken",
      output: expect.stringContaining("Payload"),
    });
    expect(waiting[2].taskScheduledEventDetails).toMatchObject({
      heartbeatInSeconds: expect.any(Number),
      timeoutInSeconds: expect.any(Number),
    });
    const events = probe.approvalAnswered.events as Json[];
    const failed = events.find((e) => e.type === "TaskFailed");
    expect(failed.taskFailedEventDetails).toMatchObject({
      resource: "invoke.waitForTaskToken",
      error: "ApprovalRejectedError",
      cause: "not now",
    });
    expect(events.at(-1).type).toBe("ExecutionFailed");
  });
});

describe("S3 GetObject", () => {
  it("returns what was put, as the SDK's stream, with its ETag; NoSuchKey otherwise", () => {
    expect(probe.s3Get).toMatchObject({
      Body: '{"a":1}',
      ETag: probe.s3Put.ETag,
      ContentType: "application/json",
      ContentLength: 7,
      LastModified: expect.any(String),
    });
    expect(probe.s3Put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(probe.s3Missing).toEqual({ error: "NoSuchKey", instanceOfNoSuchKey: true });
  });
});

describe("DNS from the zone's name servers", () => {
  it("answers the failover name's A records (its alias target's addresses) and the witness", () => {
    expect(probe.dnsA).toHaveLength(2);
    expect((probe.dnsA as string[]).every((ip) => /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/.test(ip))).toBe(true);
    expect(probe.dnsTxt).toEqual([["us-east-1"]]);
  });
});

describe("Route 53 GetHealthCheckStatus and CloudWatch DescribeAlarms", () => {
  it("reports each checker's last observation of an endpoint, worded as Route 53 words it", () => {
    const observations = probe.r53Healthy.HealthCheckObservations as Json[];
    expect(observations).toHaveLength(8);
    expect(observations[0]).toEqual({
      Region: "us-east-1",
      IPAddress: expect.any(String),
      StatusReport: { Status: "Success: HTTP Status Code 200, OK", CheckedTime: expect.any(String) },
    });
    expect(new Set(observations.map((o) => o.Region)).size).toBe(8);
    expect((probe.r53Fence.HealthCheckObservations as Json[]).every((o) => o.StatusReport.Status.startsWith("Success: "))).toBe(true);
  });

  it("refuses a calculated check and an unknown one, as AWS does", () => {
    expect(probe.r53Calculated).toEqual(errorNamed("InvalidInput"));
    expect(probe.r53Unknown).toEqual(errorNamed("NoSuchHealthCheck"));
  });

  it("sees an endpoint whose region went dark fail", () => {
    const statuses = (probe.r53Down.HealthCheckObservations as Json[]).map((o) => o.StatusReport.Status as string);
    expect(statuses).toHaveLength(8);
    expect(statuses.every((s) => s.startsWith("Failure: Connection timed out."))).toBe(true);
  });

  it("describes alarms by state, alphabetically, MaxRecords per page", () => {
    const inAlarm = probe.alarmsInAlarm.MetricAlarms as Json[];
    expect(inAlarm.map((a) => a.AlarmName)).toContain("peer-health-us-east-1-dev");
    expect(inAlarm.every((a) => a.StateValue === "ALARM" && typeof a.StateUpdatedTimestamp === "string")).toBe(true);
    const [first, second] = probe.alarmsPages as { MetricAlarms: Json[]; NextToken?: string }[];
    expect(first.MetricAlarms).toHaveLength(5);
    expect(first.NextToken).toEqual(expect.any(String));
    const names = [...first.MetricAlarms, ...second.MetricAlarms].map((a) => a.AlarmName as string);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
  });

  it("loses Route 53's API with us-east-1, whatever region the client names", () => {
    expect(probe.r53PrimaryDown).toEqual([errorNamed("TimeoutError"), errorNamed("TimeoutError")]);
  });
});
