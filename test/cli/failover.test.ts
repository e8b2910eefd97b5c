import { GetObjectCommand } from "@aws-sdk/client-s3";
import { GetExecutionHistoryCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetParametersByPathCommand } from "@aws-sdk/client-ssm";
import { awsError, drctl, networkError, resetMocks, s3, sfn, ssm, standardParameters } from "./support/harness";
import { serveHistory } from "./support/history";
import { evidenceBucket, executionArn, NOW, SECONDARY } from "./support/fixtures";
import { FAILOVER_NAME, failoverUntilDns, reportFor, succeededFailover } from "./support/scenarios";

const ARN = executionArn(SECONDARY, FAILOVER_NAME);
const CONSOLE = `https://us-east-2.console.aws.amazon.com/states/home?region=us-east-2#/v2/executions/details/${ARN}`;

beforeEach(() => {
  resetMocks();
  standardParameters();
  sfn.on(StartExecutionCommand).resolves({ executionArn: ARN, startDate: new Date(NOW) });
});

function serveSucceededRun() {
  const history = succeededFailover();
  serveHistory(history.events, [4, 25, 1000]);
  s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify(reportFor(history.current, 58)) } } as never);
}

async function startedInput() {
  const calls = sfn.commandCalls(StartExecutionCommand);
  expect(calls).toHaveLength(1);
  const region = await (calls[0].thisValue as { config: { region: () => Promise<string> } }).config.region();
  const input = calls[0].args[0].input;
  return { region, stateMachineArn: input.stateMachineArn, name: input.name, input: JSON.parse(input.input as string) };
}

describe("drctl failover", () => {
  it("starts the failover in the region being activated, with a validated input and a valid name", async () => {
    serveSucceededRun();

    const out = await drctl([
      "failover",
      "--to",
      "us-east-2",
      "--confirm",
      "us-east-2",
      "--reason",
      "INC-1 us-east-1 down",
      "--ticket",
      "INC-1",
    ]);

    expect(out.code).toBe(0);
    expect(await startedInput()).toEqual({
      region: SECONDARY,
      stateMachineArn: `arn:aws:states:us-east-2:123456789012:stateMachine:payments-dr-us-east-2-prod`,
      name: FAILOVER_NAME,
      input: {
        mode: "failover",
        targetRegion: SECONDARY,
        reason: "INC-1 us-east-1 down",
        requestedBy: "alice",
        trigger: { source: "manual", ticket: "INC-1" },
      },
    });
    // Only the activated region is asked: a failover must work with the primary down.
    const ssmRegions = await Promise.all(
      ssm
        .commandCalls(GetParametersByPathCommand)
        .map((c) => (c.thisValue as { config: { region: () => Promise<string> } }).config.region()),
    );
    expect(new Set(ssmRegions)).toEqual(new Set([SECONDARY]));
  });

  it("follows the run: progress per state with elapsed time on stderr, the result on stdout", async () => {
    serveSucceededRun();

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2"]);

    expect(out.code).toBe(0);
    expect(out.stderr).toBe(
      [
        `started ${FAILOVER_NAME} in us-east-2`,
        `  ${CONSOLE}`,
        "following (Ctrl-C stops following; the execution keeps running)",
        "    +0.1s  ValidateInput",
        "           valid failover request for us-east-2: failover requested by an operator",
        "    +0.3s  AcquireLease",
        `           lease held by ${FAILOVER_NAME}`,
        "    +0.5s  NotifyRunStarted",
        "    +0.7s  AssessRegions",
        "           decision: failover — operator failover into us-east-2 (STANDBY); us-east-1 is ACTIVE",
        "    +1.0s  NotifyDecision",
        "    +1.2s  CheckReplication",
        "           replication ok: 3 tables ACTIVE in us-east-2; RPO exposure 1.2 s",
        "    +2.0s  FenceOldPrimary",
        "           us-east-1 → FENCED (epoch 3, written via the local replica); PrimaryFenced=1 in us-east-2",
        "    +3.0s  StopOldPrimaryWrites",
        "           direct stop of payments-dr-create-payment-us-east-1-prod not done (tolerated): TimeoutError: connect timed out",
        "    +4.0s  WaitForFenceToSettle",
        "   +14.0s  PromoteLocalRegion",
        "           us-east-2 ACTIVE at epoch 4 (fence of us-east-1 by this run)",
        "   +15.0s  ConfirmDnsAnswer",
        "           DNS witness answers us-east-1; expecting us-east-2",
        "   +16.0s  WaitBeforeDnsCheck",
        "   +55.0s  ConfirmDnsAnswer #2",
        "           DNS witness answers us-east-2",
        "   +56.0s  WriteReport",
        `           report written to s3://payments-dr-evidence-us-east-2-prod/reports/${FAILOVER_NAME}/report.json (failed-over, passed)`,
        "   +57.0s  NotifyRunSucceeded",
        "   +57.5s  ReleaseLease",
        "   +58.0s  RunSucceeded",
        "   +58.0s  execution SUCCEEDED",
        "",
      ].join("\n"),
    );
    expect(out.stdout).toBe(
      [
        `failover ${FAILOVER_NAME} in us-east-2: SUCCEEDED in 58.0s`,
        "outcome       failed-over",
        "RTO           56 s (objective 300 s): PASS",
        "RPO exposure  1.2 s (objective 60 s): PASS",
        "DNS shift     53 s",
        "decisions",
        "  AcquireLease      proceed   lease was free",
        "  AssessRegions     failover  operator failover into us-east-2 (STANDBY); us-east-1 is ACTIVE",
        "  CheckReplication  ok        3 tables ACTIVE in us-east-2; RPO exposure 1.2 s",
        `report        s3://payments-dr-evidence-us-east-2-prod/reports/${FAILOVER_NAME}/report.md`,
        `              drctl report --env prod --region us-east-2 ${FAILOVER_NAME}`,
        `console       ${CONSOLE}`,
        "",
      ].join("\n"),
    );
  });

  it("prints the result as JSON with --json: status, decisions, RTO/RPO from the report, states", async () => {
    serveSucceededRun();

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2", "--json"]);

    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    expect({ ...result, states: "checked below" }).toEqual({
      environment: "prod",
      execution: {
        name: FAILOVER_NAME,
        arn: ARN,
        region: SECONDARY,
        mode: "failover",
        input: { mode: "failover", targetRegion: SECONDARY, requestedBy: "alice" },
        consoleUrl: CONSOLE,
        status: "SUCCEEDED",
        startedAt: "2025-06-01T12:00:00.000Z",
        stoppedAt: "2025-06-01T12:00:58.000Z",
        error: null,
      },
      outcome: "failed-over",
      decisions: [
        { step: "AcquireLease", decision: "proceed", reason: "lease was free" },
        { step: "AssessRegions", decision: "failover", reason: "operator failover into us-east-2 (STANDBY); us-east-1 is ACTIVE" },
        { step: "CheckReplication", decision: "ok", reason: "3 tables ACTIVE in us-east-2; RPO exposure 1.2 s" },
      ],
      measurements: { rtoSeconds: 56, rpoExposureSeconds: 1.2, detectionSeconds: null, dnsShiftSeconds: 53 },
      objectives: { rpoSeconds: 60, rtoSeconds: 300 },
      evaluation: { rto: "pass", rpo: "pass", passed: true },
      report: {
        bucket: evidenceBucket(SECONDARY),
        jsonKey: `reports/${FAILOVER_NAME}/report.json`,
        markdownKey: `reports/${FAILOVER_NAME}/report.md`,
      },
      dryRun: null,
      states: "checked below",
    });
    expect(
      result.states.map((s: { name: string; round: number; elapsedSeconds: number }) => `${s.name}#${s.round}@${s.elapsedSeconds}`),
    ).toEqual([
      "ValidateInput#1@0.1",
      "AcquireLease#1@0.3",
      "NotifyRunStarted#1@0.5",
      "AssessRegions#1@0.7",
      "NotifyDecision#1@1",
      "CheckReplication#1@1.2",
      "FenceOldPrimary#1@2",
      "StopOldPrimaryWrites#1@3",
      "WaitForFenceToSettle#1@4",
      "PromoteLocalRegion#1@14",
      "ConfirmDnsAnswer#1@15",
      "WaitBeforeDnsCheck#1@16",
      "ConfirmDnsAnswer#2@55",
      "WriteReport#1@56",
      "NotifyRunSucceeded#1@57",
      "ReleaseLease#1@57.5",
      "RunSucceeded#1@58",
    ]);
  });

  it("fails with exit code 4 when the execution fails, and still reports the decisions and the failure report", async () => {
    const history = failoverUntilDns()
      .state_("SetDnsNotShiftedError", "Pass", 300, 300, (s) => ({
        ...s,
        error: { Error: "DnsNotShiftedError", Cause: "witness still answers us-east-1 after 30 checks" },
      }))
      .task("NotifyFailure", 300, 301)
      .task("WriteFailureReport", 301, 302, "report", {
        step: "write-report",
        startedAt: 0,
        finishedAt: 0,
        bucket: evidenceBucket(SECONDARY),
        jsonKey: `reports/${FAILOVER_NAME}/report.json`,
        markdownKey: `reports/${FAILOVER_NAME}/report.md`,
        passed: false,
        outcome: "failed",
      })
      .task("ReleaseLeaseAfterFailure", 302, 303)
      .enterOnly("RunFailed", "Fail", 303)
      .fail(303, "DnsNotShiftedError", "witness still answers us-east-1 after 30 checks");
    serveHistory(history.events);
    s3.on(GetObjectCommand).rejects(awsError("NoSuchKey", "The specified key does not exist.", 404));

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2"]);

    expect(out.code).toBe(4);
    expect(out.stderr).toContain("   +5m03s  execution FAILED: DnsNotShiftedError — witness still answers us-east-1 after 30 checks\n");
    expect(out.stderr).toContain("warning: could not read the run's report");
    expect(out.stdout).toContain(
      `failover ${FAILOVER_NAME} in us-east-2: FAILED in 5m03s\nerror         DnsNotShiftedError: witness still answers us-east-1 after 30 checks\noutcome       failed\n`,
    );
    expect(out.stdout).toContain("RPO exposure  1.2 s (objective 60 s): PASS\n");
  });

  it("keeps following through a few failed history reads", async () => {
    const history = succeededFailover();
    serveHistory(history.events, undefined, [
      awsError("ThrottlingException", "Rate exceeded"),
      networkError("states.us-east-2.amazonaws.com"),
    ]);
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify(reportFor(history.current, 58)) } } as never);

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2"]);

    expect(out.code).toBe(0);
    expect(out.stderr).toContain(
      "warning: could not read the execution history (1/5): states:GetExecutionHistory in us-east-2: throttled by AWS after retries (ThrottlingException: Rate exceeded)\n" +
        "warning: could not read the execution history (2/5): us-east-2 is unreachable: states:GetExecutionHistory failed (Error: connect ECONNREFUSED states.us-east-2.amazonaws.com)\n",
    );
    expect(out.stderr).toContain("execution SUCCEEDED");
  });

  it("stops following at --follow-timeout with exit code 5; the run keeps going", async () => {
    const { polls } = serveHistory(failoverUntilDns().events);
    let now = NOW;

    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2", "--follow-timeout", "30"], {
      env: { DRCTL_POLL_SECONDS: "10" },
      now: () => now,
      sleep: async (ms) => void (now += ms),
    });

    expect(out.code).toBe(5);
    expect(polls()).toBe(4); // at 0, 10, 20 and 30 s
    expect(out.stdout).toContain(`failover ${FAILOVER_NAME} in us-east-2: RUNNING\n`);
    expect(out.stderr).toContain(
      `stopped following after 30 s; ${FAILOVER_NAME} is still running — follow it in the console: ${CONSOLE}\n`,
    );
  });

  it("only starts with --no-follow, printing where the run is", async () => {
    const out = await drctl(["failover", "--to", "us-east-2", "--confirm", "us-east-2", "--no-follow", "--json"]);

    expect(out.code).toBe(0);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
    expect(JSON.parse(out.stdout)).toEqual({
      environment: "prod",
      execution: {
        name: FAILOVER_NAME,
        arn: ARN,
        region: SECONDARY,
        mode: "failover",
        input: { mode: "failover", targetRegion: SECONDARY, requestedBy: "alice" },
        consoleUrl: CONSOLE,
        status: "RUNNING",
        startedAt: "2025-06-01T12:00:00.000Z",
        stoppedAt: null,
        error: null,
      },
      outcome: null,
      decisions: [],
      measurements: { rtoSeconds: null, rpoExposureSeconds: null, detectionSeconds: null, dnsShiftSeconds: null },
      objectives: { rpoSeconds: 60, rtoSeconds: 300 },
      evaluation: null,
      report: null,
      dryRun: null,
      states: [],
    });
  });
});
