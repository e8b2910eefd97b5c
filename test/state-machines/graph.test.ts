/**
 * Structural rules over the DEPLOYED DR definition of each region, as the evaluated program
 * renders it (docs: SECURITY-CHECKLIST.md "Runbook behaviours" B1–B11). These read the graph; the
 * executed scenarios prove behaviour.
 */
import aslValidator from "asl-validator";
import { DEFAULT_OFFLINE_CONFIG } from "../../infra/offline/evaluate";
import { parseConfig } from "../../infra/core/config";
import { PRIMARY_FENCED_PERIOD_SECONDS } from "../../infra/core/alarm-catalog";
import { REGION_STATE_CACHE_SECONDS } from "../../infra/core/stack-environment";
import { HANDOVER_SETTLE_SECONDS } from "../../lib/control-schema";
import { drMachine, fn as deployedFunction, type Deployment, deploymentFromEvaluation } from "../../sim/deployment/deployment";
import {
  type AslDefinition,
  type DrStateMachineValues,
  minimumExecutionTimeoutSeconds,
  RUNBOOK_TASK_FUNCTIONS,
  recommendedTimings,
  renderDrStateMachine,
} from "../../state-machines/render";
import { cycles, edges, functionOf, paths, reachable, tasks } from "../../state-machines/graph";
import { REGIONS, stack } from "../support/stack";

let deployment: Deployment;
let config: ReturnType<typeof parseConfig>;
beforeAll(async () => {
  const ev = await stack();
  deployment = deploymentFromEvaluation(ev);
  config = parseConfig(DEFAULT_OFFLINE_CONFIG, ev.stack);
});

/** The values the stack renders `region`'s machine with (infra/components/orchestration/dr-orchestration.ts). */
function stackValues(region: string): DrStateMachineValues {
  return {
    ...recommendedTimings({
      regionStateCacheSeconds: REGION_STATE_CACHE_SECONDS,
      healthCheckIntervalSeconds: config.healthCheckIntervalSeconds,
      healthCheckFailureThreshold: config.healthCheckFailureThreshold,
      probesPerMinute: config.canaryProbesPerMinute,
      fenceAlarmPeriodSeconds: PRIMARY_FENCED_PERIOD_SECONDS,
    }),
    region,
    peerRegion: region === config.primaryRegion ? config.secondaryRegion : config.primaryRegion,
    primaryRegion: config.primaryRegion,
    secondaryRegion: config.secondaryRegion,
    functionArns: Object.fromEntries(
      RUNBOOK_TASK_FUNCTIONS.map((f) => [f, deployedFunction(deployment, region, f).arn]),
    ) as DrStateMachineValues["functionArns"],
    alertTopicArn: alertTopic(region),
    environment: deployment.environment,
  };
}
/** The region's alert topic (the only topic the stack creates in each region). */
function alertTopic(region: string): string {
  const topics = deployment.topics.filter((t) => t.region === region);
  if (topics.length !== 1) throw new Error(`expected one topic in ${region}, found ${topics.length}`);
  return topics[0].arn;
}
/** The Tasks that publish to SNS themselves, standing in for a notify Task whose function could not run. */
const LAST_RESORT_NOTICES = ["NotifyFailureDirect", "NotifyNotStartedDirect"];
/** SNS's transient errors as Step Functions names a failed integration. */
const SNS_TRANSIENT = ["SNS.InternalErrorException", "SNS.ThrottledException", "SNS.KMSThrottlingException"];
/** The Catch target that fails back before it fails (CheckHoldPayments'), which B9's path walk cannot follow through the failback's loop. */
const FAILS_BACK_FIRST = "NoteHoldPaymentsUnchecked";
const TRANSIENT = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.ClientExecutionTimeoutException",
  "TransientAwsError",
];

describe.each([REGIONS.primary, REGIONS.secondary])("deployed DR definition of %s", (region) => {
  let def: AslDefinition;
  let values: DrStateMachineValues;
  beforeAll(() => {
    def = drMachine(deployment, region).definition;
    values = stackValues(region);
  });
  const fn = (name: string) => values.functionArns[name as keyof typeof values.functionArns];

  it("is what the renderer makes of the stack's values (so the values below are the deployed ones)", () => {
    expect(def).toEqual(renderDrStateMachine(values).definition);
  });
  const tasksOf = (name: string) =>
    tasks(def)
      .filter(([, s]) => functionOf(s) === fn(name))
      .map(([n]) => n);
  const states = (type: string) => Object.entries(def.States).filter(([, s]) => s.Type === type);

  it("passes asl-validator", () => {
    const { isValid, errorsText } = aslValidator(structuredClone(def) as never);
    expect(errorsText("\n")).toBe("");
    expect(isValid).toBe(true);
  });

  it("starts by validating the input, and a bad input goes straight to a Fail state", () => {
    expect(def.StartAt).toBe("ValidateInput");
    const catches = def.States.ValidateInput.Catch as { ErrorEquals: string[]; Next: string }[];
    expect(catches[0]).toEqual({ ErrorEquals: ["InvalidInputError", "InvalidStepInputError", "ConfigurationError"], Next: "RejectInput" });
    expect(def.States[catches[0].Next].Type).toBe("Fail");
  });

  it("says so when ValidateInput's function cannot run, on a path that takes no lease and ends in a Fail state", () => {
    const catches = def.States.ValidateInput.Catch as { ErrorEquals: string[]; Next: string }[];
    expect(catches.slice(1)).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "NotifyNotStarted" }]);
    // NotifyNotStartedDirect: the same notice straight to SNS, when the notify function cannot run either.
    expect(paths(def, "NotifyNotStarted").sort()).toEqual([
      ["NotifyNotStarted", "NotStarted"],
      ["NotifyNotStarted", "NotifyNotStartedDirect", "NotStarted"],
    ]);
    expect(def.States.NotStarted.Type).toBe("Fail");
  });

  it("has an overall TimeoutSeconds covering the longest mode", () => {
    expect(def.TimeoutSeconds).toBeGreaterThanOrEqual(minimumExecutionTimeoutSeconds(values));
  });

  it("gives every Task a TimeoutSeconds, the transient Retry (Lambda errors and TransientAwsError; SNS's for a publish) and a States.ALL Catch", () => {
    for (const [name, s] of tasks(def)) {
      expect([name, typeof s.TimeoutSeconds]).toEqual([name, "number"]);
      const retry = (s.Retry as { ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number }[]) ?? [];
      const expected = s.Resource === "arn:aws:states:::sns:publish" ? SNS_TRANSIENT : TRANSIENT;
      const transient = retry.find((r) => expected.every((e) => r.ErrorEquals.includes(e)));
      expect([name, transient && { i: transient.IntervalSeconds, b: transient.BackoffRate, ok: transient.MaxAttempts <= 6 }]).toEqual([
        name,
        { i: 2, b: 2, ok: true },
      ]);
      // Side-effecting steps never retry on arbitrary errors (checklist B8).
      expect([name, retry.some((r) => r.ErrorEquals.includes("States.ALL") || r.ErrorEquals.includes("States.TaskFailed"))]).toEqual([
        name,
        false,
      ]);
      const catches = (s.Catch as { ErrorEquals: string[] }[]) ?? [];
      expect([name, catches.at(-1)?.ErrorEquals]).toEqual([name, ["States.ALL"]]);
    }
  });

  it("uses one invocation style: lambda:invoke (the approval's .waitForTaskToken variant included), except the last-resort notices", () => {
    for (const [name, s] of tasks(def)) {
      if (LAST_RESORT_NOTICES.includes(name)) continue;
      expect([name, s.Resource]).toEqual([name, expect.stringMatching(/^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/)]);
    }
  });

  it("publishes the last-resort notices straight to this region's alert topic, only when the notify Task they stand in for failed", () => {
    const publishers = tasks(def).filter(([, s]) => s.Resource === "arn:aws:states:::sns:publish");
    expect(publishers.map(([n]) => n).sort()).toEqual([...LAST_RESORT_NOTICES].sort());
    const topic = alertTopic(region);
    for (const [name, s] of publishers) {
      expect([name, (s.Parameters as { TopicArn: string }).TopicArn]).toEqual([name, topic]);
      const attributes = (s.Parameters as { MessageAttributes: Record<string, Record<string, string>> }).MessageAttributes;
      expect([name, attributes.event.StringValue, attributes.execution["StringValue.$"]]).toEqual([name, "failed", "$$.Execution.Name"]);
    }
    // NotifyFailure's Catch keeps its error and goes on with the cleanup; the short form goes out after
    // it (so it adds nothing to the lease's longest gap), then the run fails, whatever SNS answered.
    expect(def.States.NotifyFailure.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.notifications.failureError", Next: def.States.NotifyFailure.Next },
    ]);
    for (const path of paths(def, "ChooseFailureCleanup"))
      expect(path.at(-2) === "NotifyFailureDirect" || path.at(-2) === "WasFailureNotified").toBe(true);
    expect(def.States.WasFailureNotified).toMatchObject({
      Type: "Choice",
      Choices: [{ Variable: "$.notifications.failureError", IsPresent: true, Next: "NotifyFailureDirect" }],
      Default: "RunFailed",
    });
    expect(def.States.NotifyFailureDirect.Next).toBe("RunFailed");
    expect((def.States.NotifyFailureDirect.Catch as { Next: string }[]).map((c) => c.Next)).toEqual(["RunFailed"]);
    expect((def.States.NotifyNotStarted.Catch as { Next: string }[]).map((c) => c.Next)).toEqual(["NotifyNotStartedDirect"]);
  });

  it("gives .waitForTaskToken Tasks a HeartbeatSeconds below their TimeoutSeconds", () => {
    const callbacks = tasks(def).filter(([, s]) => String(s.Resource).endsWith(".waitForTaskToken"));
    expect(callbacks.map(([n]) => n)).toEqual(["RequestApproval"]);
    for (const [, s] of callbacks) {
      expect(s.TimeoutSeconds).toBe(values.approvalTimeoutSeconds);
      expect(s.HeartbeatSeconds).toBe(values.approvalHeartbeatSeconds);
      expect(s.HeartbeatSeconds as number).toBeLessThan(s.TimeoutSeconds as number);
    }
  });

  it("gives every Choice a Default (no States.NoChoiceMatched escapes the failure path)", () => {
    for (const [name, s] of states("Choice")) expect([name, typeof s.Default]).toEqual([name, "string"]);
  });

  it("reaches every state from StartAt", () => {
    const seen = reachable(def, def.StartAt);
    expect(Object.keys(def.States).filter((s) => !seen.has(s))).toEqual([]);
  });

  it("bounds every cycle with a counter Choice (checklist B11)", () => {
    const loops = cycles(def);
    expect(loops.length).toBe(9); // DNS, failback sentinel, drill sentinel, fence alarm, detection, peer execution, lease re-check, restore wait, restore check passes
    for (const scc of loops) {
      const members = new Set(scc);
      const counter = scc
        .map((n) => def.States[n])
        .find(
          (s) =>
            s.Type === "Pass" &&
            /^States\.MathAdd\(\$\.loops\.(\w+)\.count, 1\)$/.test(String((s.Parameters as Record<string, string>)?.["count.$"])),
        );
      expect(counter).toBeDefined();
      const loop = /\$\.loops\.(\w+)\.count/.exec(String((counter!.Parameters as Record<string, string>)["count.$"]))![1];
      const bound = scc
        .map((n) => def.States[n])
        .flatMap((s) => (s.Type === "Choice" ? (s.Choices as Record<string, unknown>[]) : []))
        .find(
          (c) => c.Variable === `$.loops.${loop}.count` && typeof c.NumericGreaterThanEquals === "number" && !members.has(String(c.Next)),
        );
      expect([scc.sort().join(","), bound !== undefined]).toEqual([scc.sort().join(","), true]);
    }
  });

  it("sends every Catch of a run that may hold the lease through notify → (report, release) → Fail, never to Succeed (checklist B9)", () => {
    // The failure path's own steps catch forward along it (a failed notification still releases).
    // ValidateInput's and NotifyNotStarted's come before the lease (test above).
    const failurePath = new Set([
      "NotifyFailure",
      "NotifyFailureDirect",
      "WriteFailureReport",
      "ReleaseLeaseAfterFailure",
      "ValidateInput",
      "NotifyNotStarted",
      "NotifyNotStartedDirect",
    ]);
    const catchTargets = edges(def)
      .filter((e) => e.kind === "catch" && !failurePath.has(e.from))
      .map((e) => e.to);
    expect(catchTargets.length).toBeGreaterThan(30);
    for (const target of new Set(catchTargets)) {
      // The one Catch that fails back before it fails: checked on its own (next test).
      if (target === FAILS_BACK_FIRST) continue;
      for (const path of paths(def, target)) {
        const end = def.States[path[path.length - 1]];
        expect([path.join(" > "), end.Type]).toEqual([path.join(" > "), "Fail"]);
        expect(path).toContain("NotifyFailure");
        expect(path).toContain("ChooseFailureCleanup");
      }
    }
    // The cleanup junction releases whenever the run holds the lease.
    const cleanup = def.States.ChooseFailureCleanup;
    const held = (cleanup.Choices as { Next: string }[])[0].Next;
    expect(paths(def, held).every((p) => p.includes("ReleaseLeaseAfterFailure"))).toBe(true);
    expect(paths(def, held).every((p) => p.includes("WriteFailureReport"))).toBe(true);
  });

  it("sends the drill's failed payment check through the failback, then down the failure path, never to Succeed (checklist B9)", () => {
    // CheckHoldPayments' Catch (the figures could not be read) records the check as failed...
    const noted = def.States[FAILS_BACK_FIRST];
    expect((def.States.CheckHoldPayments.Catch as { Next: string }[]).map((c) => c.Next)).toEqual([FAILS_BACK_FIRST]);
    expect(noted).toMatchObject({ Type: "Pass", ResultPath: "$.steps.holdPayments", Parameters: { Payload: { passed: false } } });
    // ...then fails back (the failback's own loop) up to the Choice that reads that verdict, and
    // nothing on the way writes the verdict again, so the Choice takes its `passed: false` branch.
    const gate = "IsHoldPaymentCheckPassed";
    const before = reachable(def, FAILS_BACK_FIRST, new Set([gate]));
    expect([...before]).toEqual(expect.arrayContaining(["StartPrimaryFailback", "CheckPrimaryFailback", "IsPrimaryFailbackDone"]));
    expect([...before].filter((s) => s !== FAILS_BACK_FIRST && def.States[s].ResultPath === "$.steps.holdPayments")).toEqual([]);
    expect([...before].filter((s) => def.States[s].Type === "Succeed")).toEqual([]);
    const failed = (def.States[gate].Choices as { Variable: string; BooleanEquals: boolean; Next: string }[]).find(
      (c) => c.Variable === "$.steps.holdPayments.Payload.passed" && c.BooleanEquals === false,
    );
    expect(failed).toBeDefined();
    for (const path of paths(def, failed?.Next as string)) {
      expect([path.join(" > "), def.States[path[path.length - 1]].Type]).toEqual([path.join(" > "), "Fail"]);
      expect(path).toContain("NotifyFailure");
    }
    // The same Choice is where a passed check goes on: the check runs after the hold, before the failback.
    expect(def.States.HoldTraffic.Next).toBe("CheckHoldPayments");
    expect(def.States.CheckHoldPayments.Next).toBe("StartPrimaryFailback");
  });

  it("notifies on every failure path that starts after validation", () => {
    const notify = fn("notify");
    expect(functionOf(def.States.NotifyFailure)).toBe(notify);
    expect((def.States.NotifyFailure.Parameters as { Payload: { event: string } }).Payload.event).toBe("failed");
  });

  it("makes promotion unreachable without fencing or draining the old writer first, and without the settle wait (checklist B3)", () => {
    const promotions = tasksOf("promote-local");
    expect(promotions.sort()).toEqual(["PromoteLocalRegion", "PromotePrimary", "PromoteSecondary"]);
    const fencing = tasks(def)
      .filter(
        ([, s]) =>
          functionOf(s) === fn("set-peer-state") &&
          ["FENCED", "DRAINED"].includes((s.Parameters as { Payload: { state: string } }).Payload.state) &&
          // An announcement (eventual mode's planned move) stops nobody: it precedes the stop.
          (s.Parameters as { Payload: { announce?: boolean } }).Payload.announce !== true,
      )
      .map(([n]) => n);
    const settles = states("Wait")
      .map(([n]) => n)
      .filter((n) => /Settle/.test(n));
    expect(fencing.sort()).toEqual(["DrainPrimary", "FenceOldPrimary", "FenceSecondary"]);
    // A strong-mode failback's handover is the one promotion with no settle: it makes the primary
    // ACTIVE and the secondary STANDBY in the same transition, so there is no gap to settle. The
    // branch is taken only on the fence step's own word that it was a handover.
    const handoverBranch = "IsHandoverMade";
    for (const promote of promotions) {
      expect([promote, reachable(def, def.StartAt, new Set(fencing)).has(promote)]).toEqual([promote, false]);
      expect([promote, reachable(def, def.StartAt, new Set([...settles, handoverBranch])).has(promote)]).toEqual([promote, false]);
    }
    expect(def.States.FenceSecondary.Next).toBe(handoverBranch);
    expect(def.States[handoverBranch]).toEqual({
      Type: "Choice",
      Comment: expect.any(String),
      Choices: [
        {
          And: [
            { Variable: "$.steps.fence.Payload.handover", IsPresent: true },
            { Variable: "$.steps.fence.Payload.handover", BooleanEquals: true },
          ],
          Next: "UseHandoverAsProof",
        },
      ],
      Default: "WaitForSecondaryWritesToSettle",
    });
    // Failback promotes only with a proof: the sentinel seen here, or the handover. Each proof is
    // handed to PromotePrimary by its own Pass state, and nothing else leads there.
    expect(reachable(def, def.StartAt, new Set(["IsSentinelReplicated", handoverBranch])).has("PromotePrimary")).toBe(false);
    expect(
      edges(def)
        .filter((e) => e.to === "PromotePrimary")
        .map((e) => e.from)
        .sort(),
    ).toEqual(["UseHandoverAsProof", "UseSentinelAsProof"]);
    expect(reachable(def, def.StartAt, new Set(["IsSentinelReplicated"])).has("UseSentinelAsProof")).toBe(false);
    expect(def.States.PromotePrimary.Parameters).toMatchObject({ "Payload.$": "$.promotion" });
    expect(def.States.UseSentinelAsProof.Parameters).toMatchObject({ "sentinel.$": "$.steps.sentinel.Payload" });
    expect(def.States.UseHandoverAsProof.Parameters).toMatchObject({ "fence.$": "$.steps.fence.Payload" });
    // ... and fences the secondary only after announcing the handover (eventual mode waits there).
    expect(reachable(def, def.StartAt, new Set(["AnnounceHandover"])).has("FenceSecondary")).toBe(false);
  });

  it("lets the drill promote only after announcing the handover, draining the primary and waiting the handover settle, then after its sentinel is seen here; detection is measured after the promotion", () => {
    const t = values;
    // (Until issue 16's ≤ 5 s handover the settle overlapped the detection loop and the promotion
    // waited for detection; the settle now follows the drain directly, and detection is measured
    // once clients already have a writer.)
    expect(def.States.AnnounceDrillHandover.Next).toBe("IsDrillHandoverAnnounced");
    expect(reachable(def, def.StartAt, new Set(["AnnounceDrillHandover"])).has("DrainPrimary")).toBe(false);
    expect(def.States.WaitForDrillHandoverToBeSeen).toMatchObject({
      Type: "Wait",
      Seconds: t.handoverAnnounceSeconds,
      Next: "DrainPrimary",
    });
    // Every way from the drain to the promotion passes the settle.
    expect(def.States.DrainPrimary.Next).toBe("WaitForDrainToSettle");
    expect(def.States.WaitForDrainToSettle).toMatchObject({ Type: "Wait", Seconds: t.handoverSettleSeconds, Next: "WriteDrillSentinel" });
    expect(t.handoverSettleSeconds).toBe(HANDOVER_SETTLE_SECONDS);
    expect(reachable(def, "DrainPrimary", new Set(["WaitForDrainToSettle"])).has("PromoteSecondary")).toBe(false);
    // The promoted secondary's write function restored if an earlier failover stopped it; then
    // detection: after the promotion, a bounded loop that ends at the DNS confirmation either way.
    expect(def.States.PromoteSecondary.Next).toBe("RestoreSecondaryWriteFunction");
    expect(def.States.RestoreSecondaryWriteFunction.Next).toBe("WaitBeforeDetectionCheck");
    expect(def.States.WaitBeforeDetectionCheck).toMatchObject({
      Type: "Wait",
      Seconds: t.detectionPollIntervalSeconds,
      Next: "CheckDetection",
    });
    expect(def.States.CheckDetection.Next).toBe("CountDetectionCheck");
    expect(def.States.CountDetectionCheck.Next).toBe("IsDrainDetected");
    expect(reachable(def, "DrainPrimary", new Set(["PromoteSecondary"])).has("CheckDetection")).toBe(false);
    // Then the sentinel written through the drained primary must be seen here: the only way on to
    // the promotion is its loop's "seen" branch; running out of checks compensates (undrains).
    expect(reachable(def, "DrainPrimary", new Set(["IsDrillSentinelReplicated"])).has("PromoteSecondary")).toBe(false);
    expect((def.States.IsDrillSentinelReplicated.Choices as Record<string, unknown>[])[0]).toEqual({
      Variable: "$.steps.sentinel.Payload.seen",
      BooleanEquals: true,
      Next: "PromoteSecondary",
    });
    expect(def.States.SetDrillSentinelNotReplicatedError).toMatchObject({
      Parameters: { Error: "SentinelNotReplicatedError" },
      Next: "CompensateDrill",
    });
  });

  it("lets the failback trust DNS and mark the secondary STANDBY only once the fence alarm is OK, or after a strong-mode handover once the alarm cannot be read", () => {
    // The only way from clearing the fence metric to DNS and STANDBY is the fence-alarm loop's cleared branch.
    expect(def.States.ClearPrimaryFenceMetric.Next).toBe("CheckFenceAlarm");
    expect(functionOf(def.States.CheckFenceAlarm)).toBe(fn("check-fence-alarm"));
    // (ConfirmDnsAnswer is shared with failover and drill, so "from the start" would not hold; the
    // executed failback tests prove the mode routing.)
    for (const next of ["ConfirmDnsAnswer", "MarkSecondaryStandby"]) {
      expect([next, reachable(def, "ClearPrimaryFenceMetric", new Set(["IsFenceAlarmCleared"])).has(next)]).toEqual([next, false]);
    }
    const choices = def.States.IsFenceAlarmCleared.Choices as { Variable: string; BooleanEquals?: boolean; Next: string }[];
    expect(choices[0]).toEqual({ Variable: "$.steps.fenceAlarm.Payload.cleared", BooleanEquals: true, Next: "ConfirmDnsAnswer" });
    // Running out of checks (or failing to check) notifies without touching a region: the primary is ACTIVE by then.
    expect(def.States.SetFenceAlarmNotClearedError).toMatchObject({
      Parameters: { Error: "FenceAlarmNotClearedError" },
      Next: "NotifyFailure",
    });
    expect((def.States.CheckFenceAlarm.Catch as { Next: string }[]).map((c) => c.Next)).toEqual(["NotifyFailure"]);
    // One exception, out of checks: a strong-mode handover (the secondary already STANDBY, so
    // nothing left to change) whose last check could not read the alarm at all (the secondary's
    // CloudWatch does not answer) confirms DNS instead of failing. An alarm read as not OK, or an
    // eventual-mode failback (secondary FENCED until the alarm is OK), fails as before.
    const outOfChecks = (choices[1] as { Next: string }).Next;
    expect(outOfChecks).toBe("IsSecondaryUnreachableAfterHandover");
    expect(def.States[outOfChecks]).toEqual({
      Type: "Choice",
      Comment: expect.any(String),
      Choices: [
        {
          And: [
            { Variable: "$.steps.fence.Payload.handover", IsPresent: true },
            { Variable: "$.steps.fence.Payload.handover", BooleanEquals: true },
            { Variable: "$.steps.fenceAlarm.Payload.error", IsPresent: true },
          ],
          Next: "ConfirmDnsAnswer",
        },
      ],
      Default: "SetFenceAlarmNotClearedError",
    });
    expect(reachable(def, "ClearPrimaryFenceMetric", new Set(["IsFenceAlarmCleared"])).has(outOfChecks)).toBe(false);
    for (const start of ["SetFenceAlarmNotClearedError", "CheckFenceAlarm"]) {
      const after = [...reachable(def, start, new Set(["WaitBeforeFenceAlarmCheck", "IsFenceAlarmCleared"]))];
      expect([start, after.filter((s) => ["CompensateFailback", "MarkSecondaryStandby", "PromotePrimary"].includes(s))]).toEqual([
        start,
        [],
      ]);
    }
  });

  it("changes nothing before the lease is held", () => {
    const changing = [
      "set-peer-state",
      "promote-local",
      "drain-local",
      "write-sentinel",
      "restore-write-function",
      "publish-fence-metric",
      "compensate",
      "stop-peer-writes",
      "start-peer-failback",
      "request-approval",
      "start-restore",
      "delete-scratch-table",
    ].flatMap(tasksOf);
    const withoutLease = reachable(def, def.StartAt, new Set(["AcquireLease"]));
    expect(changing.filter((s) => withoutLease.has(s))).toEqual([]);
  });

  it("deletes the restore rehearsal's scratch table on every path once a restore may have started, and releases the lease before it", () => {
    const deletes = new Set(tasksOf("delete-scratch-table"));
    expect([...deletes].sort()).toEqual(["DeleteScratchTable", "DeleteScratchTableAfterFailure"]);
    const terminal = (s: string) => def.States[s].Type === "Succeed" || def.States[s].Type === "Fail";
    for (const from of [...tasksOf("start-restore"), ...tasksOf("check-restore"), ...tasksOf("verify-restore")]) {
      expect([from, [...reachable(def, from, deletes)].filter(terminal)]).toEqual([from, []]);
    }
    // A restore takes minutes to hours and moves no traffic: the drill holds no lease during it.
    expect(tasksOf("start-restore")).toEqual(["StartRestoreRehearsal"]);
    expect(reachable(def, def.StartAt, new Set(["ReleaseLeaseBeforeRestore"])).has("StartRestoreRehearsal")).toBe(false);
    expect(functionOf(def.States.ReleaseLeaseBeforeRestore)).toBe(fn("release-lease"));
  });

  it("keeps the dry-run read-only: from its first step only reads and one notification are reachable", () => {
    // Sound because only AcquireLease (and NoteLeaseMayBeHeld, its catch) write what sends
    // ChooseFailureCleanup to the report and the release, and neither is reachable from the
    // dry-run, so ChooseFailureCleanup always takes its default (no report, no release) there.
    const leaseWriters = Object.entries(def.States)
      .filter(([, s]) => s.ResultPath === "$.steps.lease" || s.ResultPath === "$.leaseMayBeHeld")
      .map(([n]) => n);
    expect(leaseWriters).toEqual(["AcquireLease", "NoteLeaseMayBeHeld"]);
    const dry = reachable(def, "InspectLease", new Set(["WriteFailureReport", "ReleaseLeaseAfterFailure"]));
    const invoked = [...dry]
      .filter((s) => def.States[s].Type === "Task" && !LAST_RESORT_NOTICES.includes(s))
      .map((s) => functionOf(def.States[s]));
    const allowed = ["inspect-lease", "assess-regions", "check-replication", "confirm-dns", "summarize-dry-run", "notify"].map(fn);
    expect(invoked.filter((f) => !allowed.includes(f))).toEqual([]);
    expect(dry.has("AcquireLease")).toBe(false);
    expect(dry.has("NoteLeaseMayBeHeld")).toBe(false);
  });

  it("uses no Route 53 control-plane call and invokes only this region's functions (checklist B1, B2)", () => {
    const text = JSON.stringify(def);
    expect(text).not.toMatch(/route53|ChangeResourceRecordSets|UpdateHealthCheck|GetHostedZone|aws-sdk:/i);
    const arns = text.match(/arn:aws:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[^"]+/g) ?? [];
    expect(arns.length).toBeGreaterThan(0);
    expect(arns.filter((a) => a.split(":")[3] !== region)).toEqual([]);
  });
});
