/**
 * Succeeded failback and drill runs as their state machines record them (state names and
 * `$.steps` keys from state-machines/entry, failback, drill and common .asl.json), with payloads
 * shaped like the handlers' results (checked against runbooks/domain/steps.ts with `satisfies`).
 */
import type {
  Assessment,
  DetectionStep,
  DnsStep,
  FenceAlarmCheckStep,
  PeerExecutionStep,
  PeerFailbackStartStep,
  PeerStateStep,
  PromotionStep,
  ReportStep,
  SentinelCheckStep,
  SentinelWriteStep,
  HoldPaymentsStep,
} from "../../../runbooks/domain/steps";
import { at, evidenceBucket, executionArn, NOW, PRIMARY, regionRecord, SECONDARY } from "./fixtures";
import { HistoryBuilder } from "./history";
import { failoverRun, payloads } from "./scenarios";

export const FAILBACK_NAME = "manual-failback-20250601T120000Z-alice";
export const DRILL_NAME = "manual-drill-20250601T120000Z-alice";
export const DRILL_FAILBACK_NAME = `${DRILL_NAME}-failback`;
export const FENCE_ALARM = "payments-dr-primary-fenced-us-east-2-prod";
const timing = (step: string, s: number) => ({ step, startedAt: at(s) - 200, finishedAt: at(s) });
const lease = (holder: string) => ({ ...payloads.lease, holder });
const reportStep = (seconds: number, bucket: string, name: string, outcome: string): ReportStep => ({
  ...timing("write-report", seconds),
  bucket,
  jsonKey: `reports/${name}/report.json`,
  markdownKey: `reports/${name}/report.md`,
  passed: true,
  outcome,
});

/** Failback in the primary: us-east-2 was ACTIVE after a failover, us-east-1 FENCED. */
export function succeededFailback(): HistoryBuilder {
  const run = failoverRun({
    executionName: FAILBACK_NAME,
    executionId: executionArn(PRIMARY, FAILBACK_NAME),
    mode: "failback",
    checkMode: "failback",
    region: PRIMARY,
    peerRegion: SECONDARY,
    localRole: "primary",
    leaseHolder: FAILBACK_NAME,
    reason: "failback requested by an operator",
  });
  const assess = {
    ...timing("assess-regions", 1),
    action: "failback",
    reason: "operator failback into us-east-1 (FENCED); us-east-2 is ACTIVE",
    local: regionRecord(PRIMARY, "FENCED", 4),
    peer: regionRecord(SECONDARY, "ACTIVE", 4),
    needsApproval: false,
    approvalReason: "manual run without requireApproval",
    autoFailover: true,
  } satisfies Assessment;
  const health = {
    ...payloads.replication,
    ...timing("check-replication", 2),
    exposureSeconds: 0.9,
    peerHeartbeatAgeSeconds: 0.9,
    summary: "3 tables ACTIVE in us-east-1; RPO exposure 0.9 s",
  };
  const fence = {
    ...timing("set-peer-state", 3),
    region: SECONDARY,
    state: "FENCED",
    previousState: "ACTIVE",
    epoch: 4,
    changedAt: at(3),
    via: "peer",
    fenceMetric: null,
  } satisfies PeerStateStep;
  const sentinelWrite = {
    ...timing("write-sentinel", 14),
    id: "sentinel-7f3a",
    writtenAt: at(14),
    writtenIn: SECONDARY,
  } satisfies SentinelWriteStep;
  const sentinel = {
    ...timing("check-sentinel", 15),
    id: "sentinel-7f3a",
    seen: true,
    writtenAt: at(14),
    seenAt: at(14.8),
    replicationSeconds: 0.8,
  } satisfies SentinelCheckStep;
  const restore = {
    ...timing("restore-write-function", 16),
    functionName: "payments-dr-create-payment-us-east-1-prod",
    action: "restored",
    reservedConcurrency: null,
  };
  const promote = {
    ...timing("promote-local", 17),
    region: PRIMARY,
    previousState: "FENCED",
    previousEpoch: 4,
    epoch: 5,
    promotedAt: at(17),
    proof: "sentinel sentinel-7f3a replicated; us-east-2 FENCED",
  } satisfies PromotionStep;
  const clearFence = { ...timing("publish-fence-metric", 18), region: SECONDARY, value: 0, publishedAt: at(18) };
  const fenceAlarm = {
    ...timing("check-fence-alarm", 19),
    alarmName: FENCE_ALARM,
    region: SECONDARY,
    state: "OK",
    cleared: true,
    stateUpdatedAt: at(18.5),
    checkedAt: at(19),
    detail: "OK",
  } satisfies FenceAlarmCheckStep;
  const dns = {
    ...timing("confirm-dns", 20),
    name: "_region.api.pay.example.com",
    expectedRegion: PRIMARY,
    answers: [PRIMARY],
    matches: true,
    checkedAt: at(20),
    nameServers: [],
  } satisfies DnsStep;
  const standby = {
    ...timing("set-peer-state", 21),
    region: SECONDARY,
    state: "STANDBY",
    previousState: "FENCED",
    epoch: 5,
    changedAt: at(21),
    via: "local",
    fenceMetric: null,
  } satisfies PeerStateStep;
  return new HistoryBuilder(NOW, { mode: "failback", targetRegion: PRIMARY, requestedBy: "alice" })
    .state_("ValidateInput", "Task", 0.1, 0.3, () => ({ run, steps: {}, loops: {} }))
    .state_("ChooseRunbook", "Choice", 0.3, 0.3)
    .task("AcquireLease", 0.3, 0.5, "lease", lease(FAILBACK_NAME))
    .task("NotifyRunStarted", 0.5, 0.7)
    .task("AssessRegions", 0.7, 1, "assess", assess)
    .task("NotifyDecision", 1, 1.2)
    .state_("RouteByDecision", "Choice", 1.2, 1.2)
    .task("CheckPrimaryHealth", 1.2, 2, "replication", health)
    .state_("ChooseFailbackGate", "Choice", 2, 2)
    .task("FenceSecondary", 2, 3, "fence", fence)
    .state_("WaitForSecondaryWritesToSettle", "Wait", 3, 13)
    .task("WriteSentinel", 13, 14, "sentinelWrite", sentinelWrite)
    .task("CheckSentinelReplicated", 14, 15, "sentinel", sentinel)
    .state_("CountSentinelCheck", "Pass", 15, 15)
    .state_("IsSentinelReplicated", "Choice", 15, 15)
    .task("RestorePrimaryWriteFunction", 15, 16, "restoreWriteFunction", restore)
    .task("PromotePrimary", 16, 17, "promote", promote)
    .task("ClearPrimaryFenceMetric", 17, 18, "clearFenceMetric", clearFence)
    .task("CheckFenceAlarm", 18, 19, "fenceAlarm", fenceAlarm)
    .state_("CountFenceAlarmCheck", "Pass", 19, 19)
    .state_("IsFenceAlarmCleared", "Choice", 19, 19)
    .task("ConfirmDnsAnswer", 19, 20, "dns", dns)
    .state_("CountDnsCheck", "Pass", 20, 20)
    .state_("IsDnsShifted", "Choice", 20, 20)
    .state_("RouteAfterDns", "Choice", 20, 20)
    .task("MarkSecondaryStandby", 20, 21, "markStandby", standby)
    .task("WriteReport", 21, 22, "report", reportStep(22, evidenceBucket(PRIMARY), FAILBACK_NAME, "failed-back"))
    .task("NotifyRunSucceeded", 22, 22.5)
    .task("ReleaseLease", 22.5, 23)
    .state_("RunSucceeded", "Succeed", 23, 23)
    .succeed(23);
}

/** Drill in the secondary with --hold 300: drain the primary, promote, hold, the primary fails back. */
export function succeededDrill(): HistoryBuilder {
  const run = failoverRun({
    executionName: DRILL_NAME,
    executionId: executionArn(SECONDARY, DRILL_NAME),
    mode: "drill",
    checkMode: "drill",
    holdSeconds: 300,
    leaseHolder: DRILL_NAME,
    reason: "drill requested by an operator",
  });
  const assess = {
    ...payloads.assess,
    action: "drill",
    reason: "operator drill: us-east-1 ACTIVE, us-east-2 STANDBY",
  } satisfies Assessment;
  const drain = {
    ...timing("set-peer-state", 3),
    region: PRIMARY,
    state: "DRAINED",
    previousState: "ACTIVE",
    epoch: 3,
    changedAt: at(3),
    via: "local",
    fenceMetric: { region: SECONDARY, value: 1, publishedAt: at(3) },
  } satisfies PeerStateStep;
  const detection = {
    ...timing("check-detection", 44),
    detected: true,
    detectedAt: at(41),
    detectionSeconds: 38,
    consecutiveFailures: 3,
    drainedAt: at(3),
  } satisfies DetectionStep;
  const promote = {
    ...payloads.promote,
    ...timing("promote-local", 45),
    promotedAt: at(45),
    proof: "drain of us-east-1 by this drill",
  } satisfies PromotionStep;
  const dns = { ...payloads.dns, ...timing("confirm-dns", 46), checkedAt: at(46) } satisfies DnsStep;
  const holdPayments = {
    ...timing("check-hold-payments", 346.5),
    checked: true,
    passed: true,
    basis: "payments-accepted",
    region: SECONDARY,
    window: { holdStartedAt: at(46), from: at(46) - (at(46) % 60_000), to: at(346.2) },
    counts: { accepted: 812, failed: 0, refused: 0, redirected: 0 },
    unsuccessful: 0,
    failurePercent: 0,
    policy: { allowNoTraffic: false, maxFailurePercent: 1 },
    summary: "812 accepted, 0 failed (500), 0 refused (503), 0 redirected: 0 % could not be taken (at most 1 %)",
    error: null,
  } satisfies HoldPaymentsStep;
  const failbackArn = executionArn(PRIMARY, DRILL_FAILBACK_NAME);
  const peerFailback = {
    ...timing("start-peer-failback", 347),
    executionArn: failbackArn,
    name: DRILL_FAILBACK_NAME,
    region: PRIMARY,
    alreadyStarted: false,
  } satisfies PeerFailbackStartStep;
  const peerExecution = {
    ...timing("check-peer-execution", 378),
    executionArn: failbackArn,
    status: "SUCCEEDED",
    done: true,
    startDate: at(347),
    stopDate: at(370),
  } satisfies PeerExecutionStep;
  return new HistoryBuilder(NOW, { mode: "drill", targetRegion: SECONDARY, holdSeconds: 300, requestedBy: "alice" })
    .state_("ValidateInput", "Task", 0.1, 0.3, () => ({ run, steps: {}, loops: {} }))
    .state_("ChooseRunbook", "Choice", 0.3, 0.3)
    .task("AcquireLease", 0.3, 0.5, "lease", lease(DRILL_NAME))
    .task("NotifyRunStarted", 0.5, 0.7)
    .task("AssessRegions", 0.7, 1, "assess", assess)
    .task("NotifyDecision", 1, 1.2)
    .state_("RouteByDecision", "Choice", 1.2, 1.2)
    .task("CheckReplicationBeforeDrill", 1.2, 2, "replication", payloads.replication)
    .state_("ChooseDrillGate", "Choice", 2, 2)
    .task("DrainPrimary", 2, 3, "drain", drain)
    .state_("WaitForDrainToSettle", "Wait", 3, 43)
    .task("CheckDetection", 43, 44, "detection", detection)
    .state_("CountDetectionCheck", "Pass", 44, 44)
    .state_("IsDrainDetected", "Choice", 44, 44)
    .task("PromoteSecondary", 44, 45, "promote", promote)
    .task("ConfirmDnsAnswer", 45, 46, "dns", dns)
    .state_("CountDnsCheck", "Pass", 46, 46)
    .state_("IsDnsShifted", "Choice", 46, 46)
    .state_("RouteAfterDns", "Choice", 46, 46)
    .state_("HoldTraffic", "Wait", 46, 346)
    .task("CheckHoldPayments", 346, 346.5, "holdPayments", holdPayments)
    .task("StartPrimaryFailback", 346.5, 347, "peerFailback", peerFailback)
    .state_("WaitBeforePeerExecutionCheck", "Wait", 347, 377)
    .task("CheckPrimaryFailback", 377, 378, "peerExecution", peerExecution)
    .state_("CountPeerExecutionCheck", "Pass", 378, 378)
    .state_("IsPrimaryFailbackDone", "Choice", 378, 378)
    .state_("IsHoldPaymentCheckPassed", "Choice", 378, 378)
    .state_("ChooseRestoreRehearsal", "Choice", 378, 378)
    .task("WriteReport", 378, 379, "report", reportStep(379, evidenceBucket(SECONDARY), DRILL_NAME, "drill-completed"))
    .task("NotifyRunSucceeded", 379, 379.5)
    .task("ReleaseLease", 379.5, 380)
    .state_("RunSucceeded", "Succeed", 380, 380)
    .succeed(380);
}
