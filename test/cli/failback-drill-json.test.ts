/**
 * `drctl failback --json` and `drctl drill --json` for a run that succeeds: the whole run-result
 * document (docs/cli.md "Run result"), compared exactly. Measurements come from the run's evidence
 * report, built by the real report builder from the run's final state and read from the evidence
 * bucket of the region that ran it.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { acceptStartExecution, byRegion, drctl, resetMocks, s3, standardParameters } from "./support/harness";
import { serveHistory, type HistoryBuilder } from "./support/history";
import { at, evidenceBucket, executionArn, PRIMARY, SECONDARY } from "./support/fixtures";
import {
  DRILL_FAILBACK_NAME,
  DRILL_NAME,
  FAILBACK_NAME,
  FENCE_ALARM,
  succeededDrill,
  succeededFailback,
} from "./support/failback-drill-runs";
import { reportFor } from "./support/scenarios";

const iso = (seconds: number) => new Date(at(seconds)).toISOString();
/** One entry of `states`: a state entered once at `enter` seconds and left at `exit`. */
const state = (name: string, type: string, enter: number, exit: number, summary: string | null = null) => ({
  name,
  type,
  round: 1,
  enteredAt: iso(enter),
  elapsedSeconds: enter,
  exitedAt: iso(exit),
  summary,
});
const consoleUrl = (region: string, arn: string) =>
  `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${arn}`;

beforeEach(() => {
  resetMocks();
  standardParameters();
  acceptStartExecution();
});

/** Serves the run's history a few events per poll, and its report from the bucket of `region` only. */
function serveRun(history: HistoryBuilder, region: string, finishedSeconds: number): void {
  serveHistory(history.events, [5, 30, 1000]);
  const report = JSON.stringify(reportFor(history.current, finishedSeconds));
  s3.on(GetObjectCommand).callsFake(byRegion({ [region]: () => ({ Body: { transformToString: async () => report } }) }) as never);
}

describe("drctl failback --json", () => {
  it("prints the whole run result of a succeeded failback in the primary", async () => {
    serveRun(succeededFailback(), PRIMARY, 23);
    const arn = executionArn(PRIMARY, FAILBACK_NAME);

    const out = await drctl(["failback", "--confirm", "us-east-1", "--json"]);

    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      environment: "prod",
      execution: {
        name: FAILBACK_NAME,
        arn,
        region: PRIMARY,
        mode: "failback",
        input: { mode: "failback", targetRegion: PRIMARY, requestedBy: "alice" },
        consoleUrl: consoleUrl(PRIMARY, arn),
        status: "SUCCEEDED",
        startedAt: "2025-06-01T12:00:00.000Z",
        stoppedAt: "2025-06-01T12:00:23.000Z",
        error: null,
      },
      outcome: "failed-back",
      decisions: [
        { step: "AcquireLease", decision: "proceed", reason: "lease was free" },
        { step: "AssessRegions", decision: "failback", reason: "operator failback into us-east-1 (FENCED); us-east-2 is ACTIVE" },
        { step: "CheckPrimaryHealth", decision: "ok", reason: "3 tables ACTIVE in us-east-1; RPO exposure 0.9 s" },
      ],
      // Failback's outage starts at the fence of us-east-2 (3 s); DNS answers us-east-1 at 20 s.
      measurements: { rtoSeconds: 17, rpoExposureSeconds: 0.9, detectionSeconds: null, dnsShiftSeconds: 17 },
      objectives: { rpoSeconds: 60, rtoSeconds: 300 },
      evaluation: { rto: "pass", rpo: "pass", passed: true },
      report: {
        bucket: evidenceBucket(PRIMARY),
        jsonKey: `reports/${FAILBACK_NAME}/report.json`,
        markdownKey: `reports/${FAILBACK_NAME}/report.md`,
      },
      dryRun: null,
      states: [
        state("ValidateInput", "Task", 0.1, 0.3, "valid failback request for us-east-1: failback requested by an operator"),
        state("AcquireLease", "Task", 0.3, 0.5, `lease held by ${FAILBACK_NAME}`),
        state("NotifyRunStarted", "Task", 0.5, 0.7),
        state("AssessRegions", "Task", 0.7, 1, "decision: failback — operator failback into us-east-1 (FENCED); us-east-2 is ACTIVE"),
        state("NotifyDecision", "Task", 1, 1.2),
        state("CheckPrimaryHealth", "Task", 1.2, 2, "replication ok: 3 tables ACTIVE in us-east-1; RPO exposure 0.9 s"),
        state("FenceSecondary", "Task", 2, 3, "us-east-2 → FENCED (epoch 4, written via the peer replica)"),
        state("WaitForSecondaryWritesToSettle", "Wait", 3, 13),
        state("WriteSentinel", "Task", 13, 14, "sentinel sentinel-7f3a written through us-east-2"),
        state("CheckSentinelReplicated", "Task", 14, 15, "sentinel replicated (0.8 s)"),
        state("RestorePrimaryWriteFunction", "Task", 15, 16, "payments-dr-create-payment-us-east-1-prod: restored"),
        state("PromotePrimary", "Task", 16, 17, "us-east-1 ACTIVE at epoch 5 (sentinel sentinel-7f3a replicated; us-east-2 FENCED)"),
        state("ClearPrimaryFenceMetric", "Task", 17, 18, "PrimaryFenced=0 in us-east-2"),
        state("CheckFenceAlarm", "Task", 18, 19, `fence alarm ${FENCE_ALARM} in us-east-2 is OK`),
        state("ConfirmDnsAnswer", "Task", 19, 20, "DNS witness answers us-east-1"),
        state("MarkSecondaryStandby", "Task", 20, 21, "us-east-2 → STANDBY (epoch 5, written via the local replica)"),
        state(
          "WriteReport",
          "Task",
          21,
          22,
          `report written to s3://${evidenceBucket(PRIMARY)}/reports/${FAILBACK_NAME}/report.json (failed-back, passed)`,
        ),
        state("NotifyRunSucceeded", "Task", 22, 22.5),
        state("ReleaseLease", "Task", 22.5, 23),
        state("RunSucceeded", "Succeed", 23, 23),
      ],
    });
  });
});

describe("drctl drill --json", () => {
  it("prints the whole run result of a succeeded drill in the secondary, including the primary's failback", async () => {
    serveRun(succeededDrill(), SECONDARY, 380);
    const arn = executionArn(SECONDARY, DRILL_NAME);

    const out = await drctl(["drill", "--hold", "300", "--confirm", "us-east-2", "--json"]);

    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      environment: "prod",
      execution: {
        name: DRILL_NAME,
        arn,
        region: SECONDARY,
        mode: "drill",
        input: { mode: "drill", targetRegion: SECONDARY, holdSeconds: 300, requestedBy: "alice" },
        consoleUrl: consoleUrl(SECONDARY, arn),
        status: "SUCCEEDED",
        startedAt: "2025-06-01T12:00:00.000Z",
        stoppedAt: "2025-06-01T12:06:20.000Z",
        error: null,
      },
      outcome: "drill-completed",
      decisions: [
        { step: "AcquireLease", decision: "proceed", reason: "lease was free" },
        { step: "AssessRegions", decision: "drill", reason: "operator drill: us-east-1 ACTIVE, us-east-2 STANDBY" },
        { step: "CheckReplicationBeforeDrill", decision: "ok", reason: "3 tables ACTIVE in us-east-2; RPO exposure 1.2 s" },
      ],
      // A drill's outage starts at the drain (3 s); DNS answers us-east-2 at 46 s.
      measurements: { rtoSeconds: 43, rpoExposureSeconds: 1.2, detectionSeconds: 38, dnsShiftSeconds: 43 },
      objectives: { rpoSeconds: 60, rtoSeconds: 300 },
      evaluation: { rto: "pass", rpo: "pass", passed: true },
      report: {
        bucket: evidenceBucket(SECONDARY),
        jsonKey: `reports/${DRILL_NAME}/report.json`,
        markdownKey: `reports/${DRILL_NAME}/report.md`,
      },
      dryRun: null,
      states: [
        state("ValidateInput", "Task", 0.1, 0.3, "valid drill request for us-east-2: drill requested by an operator"),
        state("AcquireLease", "Task", 0.3, 0.5, `lease held by ${DRILL_NAME}`),
        state("NotifyRunStarted", "Task", 0.5, 0.7),
        state("AssessRegions", "Task", 0.7, 1, "decision: drill — operator drill: us-east-1 ACTIVE, us-east-2 STANDBY"),
        state("NotifyDecision", "Task", 1, 1.2),
        state("CheckReplicationBeforeDrill", "Task", 1.2, 2, "replication ok: 3 tables ACTIVE in us-east-2; RPO exposure 1.2 s"),
        state("DrainPrimary", "Task", 2, 3, "us-east-1 → DRAINED (epoch 3, written via the local replica); PrimaryFenced=1 in us-east-2"),
        state("WaitForDrainToSettle", "Wait", 3, 43),
        state("CheckDetection", "Task", 43, 44, "canary detected the drained primary after 38 s"),
        state("PromoteSecondary", "Task", 44, 45, "us-east-2 ACTIVE at epoch 4 (drain of us-east-1 by this drill)"),
        state("ConfirmDnsAnswer", "Task", 45, 46, "DNS witness answers us-east-2"),
        state("HoldTraffic", "Wait", 46, 346),
        state(
          "CheckHoldPayments",
          "Task",
          346,
          346.5,
          "payments during the hold: 812 accepted, 0 failed (500), 0 refused (503), 0 redirected: 0 % could not be taken (at most 1 %)",
        ),
        state("StartPrimaryFailback", "Task", 346.5, 347, `failback ${DRILL_FAILBACK_NAME} started in us-east-1`),
        state("WaitBeforePeerExecutionCheck", "Wait", 347, 377),
        state("CheckPrimaryFailback", "Task", 377, 378, "failback execution SUCCEEDED"),
        state(
          "WriteReport",
          "Task",
          378,
          379,
          `report written to s3://${evidenceBucket(SECONDARY)}/reports/${DRILL_NAME}/report.json (drill-completed, passed)`,
        ),
        state("NotifyRunSucceeded", "Task", 379, 379.5),
        state("ReleaseLease", "Task", 379.5, 380),
        state("RunSucceeded", "Succeed", 380, 380),
      ],
    });
  });
});
