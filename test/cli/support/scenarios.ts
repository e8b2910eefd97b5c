/**
 * Whole runs as the state machine records them: a failover into the secondary that succeeds (with
 * one DNS poll that is not there yet), the same run failing at the DNS confirmation, and a dry-run.
 */
import { buildReport, type DrReport } from "../../../runbooks/domain/report";
import type { Run } from "../../../runbooks/domain/run";
import type { RunState } from "../../../runbooks/domain/steps";
import { at, evidenceBucket, executionArn, NOW, PRIMARY, regionRecord, SECONDARY } from "./fixtures";
import { HistoryBuilder } from "./history";

export const FAILOVER_NAME = "manual-failover-20250601T120000Z-alice";
const timing = (step: string, s: number) => ({ step, startedAt: at(s) - 200, finishedAt: at(s) });

export function failoverRun(overrides: Partial<Run> = {}): Run {
  return {
    executionName: FAILOVER_NAME,
    executionId: executionArn(SECONDARY, FAILOVER_NAME),
    startedAt: NOW,
    mode: "failover",
    checkMode: "failover",
    region: SECONDARY,
    peerRegion: PRIMARY,
    primaryRegion: PRIMARY,
    secondaryRegion: SECONDARY,
    localRole: "secondary",
    trigger: { source: "manual" },
    automatic: false,
    requireApproval: false,
    holdSeconds: 0,
    leaseHolder: FAILOVER_NAME,
    reason: "failover requested by an operator",
    requestedBy: "alice",
    ...overrides,
  };
}

export const payloads = {
  lease: { ...timing("acquire-lease", 0.5), acquired: true, suppressed: false, reason: "lease was free", holder: FAILOVER_NAME },
  assess: {
    ...timing("assess-regions", 1),
    action: "failover" as const,
    reason: "operator failover into us-east-2 (STANDBY); us-east-1 is ACTIVE",
    local: regionRecord(SECONDARY, "STANDBY", 3),
    peer: regionRecord(PRIMARY, "ACTIVE", 3),
    needsApproval: false,
    approvalReason: "manual run without requireApproval",
    autoFailover: true,
  },
  replication: {
    ...timing("check-replication", 2),
    verdict: "ok" as const,
    replicasActive: true,
    exposureSeconds: 1.2,
    peerHeartbeatAgeSeconds: 1.2,
    lastReplicatedHeartbeatAt: at(0.8),
    lastSeenHealthyAt: at(0),
    inDoubtWindow: { from: at(0.8), to: at(2) },
    rpoSeconds: 60,
    problems: [],
    summary: "3 tables ACTIVE in us-east-2; RPO exposure 1.2 s",
    tables: [],
  },
  fence: {
    ...timing("set-peer-state", 3),
    region: PRIMARY,
    state: "FENCED" as const,
    previousState: "ACTIVE" as const,
    epoch: 3,
    changedAt: at(3),
    via: "local" as const,
    fenceMetric: { region: SECONDARY, value: 1, publishedAt: at(3) },
  },
  stopWrites: {
    ...timing("stop-peer-writes", 4),
    functionName: "payments-dr-create-payment-us-east-1-prod",
    region: PRIMARY,
    stopped: false,
    previousReservedConcurrency: null,
    error: "TimeoutError: connect timed out",
  },
  promote: {
    ...timing("promote-local", 15),
    region: SECONDARY,
    previousState: "STANDBY" as const,
    previousEpoch: 3,
    epoch: 4,
    promotedAt: at(15),
    proof: "fence of us-east-1 by this run",
  },
  dnsNotYet: {
    ...timing("confirm-dns", 16),
    name: "_region.api.pay.example.com",
    expectedRegion: SECONDARY,
    answers: [PRIMARY],
    matches: false,
    checkedAt: at(16),
    nameServers: [],
  },
  dns: {
    ...timing("confirm-dns", 56),
    name: "_region.api.pay.example.com",
    expectedRegion: SECONDARY,
    answers: [SECONDARY],
    matches: true,
    checkedAt: at(56),
    nameServers: [],
  },
  report: {
    ...timing("write-report", 57),
    bucket: evidenceBucket(SECONDARY),
    jsonKey: `reports/${FAILOVER_NAME}/report.json`,
    markdownKey: `reports/${FAILOVER_NAME}/report.md`,
    passed: true,
    outcome: "failed-over",
  },
};

export function failoverInput() {
  return { mode: "failover", targetRegion: SECONDARY, requestedBy: "alice" };
}

/** Everything up to and including the promotion and the first (not yet shifted) DNS check. */
export function failoverUntilDns(): HistoryBuilder {
  return new HistoryBuilder(NOW, failoverInput())
    .state_("ValidateInput", "Task", 0.1, 0.3, () => ({ run: failoverRun(), steps: {}, loops: { dns: { count: 0 } } }))
    .task("AcquireLease", 0.3, 0.5, "lease", payloads.lease)
    .task("NotifyRunStarted", 0.5, 0.7)
    .task("AssessRegions", 0.7, 1, "assess", payloads.assess)
    .task("NotifyDecision", 1, 1.2)
    .state_("RouteByDecision", "Choice", 1.2, 1.2)
    .task("CheckReplication", 1.2, 2, "replication", payloads.replication)
    .state_("ChooseFailoverGate", "Choice", 2, 2)
    .task("FenceOldPrimary", 2, 3, "fence", payloads.fence)
    .task("StopOldPrimaryWrites", 3, 4, "stopWrites", payloads.stopWrites)
    .state_("WaitForFenceToSettle", "Wait", 4, 14)
    .task("PromoteLocalRegion", 14, 15, "promote", payloads.promote)
    .task("ConfirmDnsAnswer", 15, 16, "dns", payloads.dnsNotYet)
    .state_("CountDnsCheck", "Pass", 16, 16)
    .state_("IsDnsShifted", "Choice", 16, 16)
    .state_("WaitBeforeDnsCheck", "Wait", 16, 26);
}

export function succeededFailover(): HistoryBuilder {
  return failoverUntilDns()
    .task("ConfirmDnsAnswer", 55, 56, "dns", payloads.dns)
    .state_("CountDnsCheck", "Pass", 56, 56)
    .state_("IsDnsShifted", "Choice", 56, 56)
    .task("WriteReport", 56, 57, "report", payloads.report)
    .task("NotifyRunSucceeded", 57, 57.5)
    .task("ReleaseLease", 57.5, 58)
    .state_("RunSucceeded", "Succeed", 58, 58)
    .succeed(58);
}

/** The report WriteReport would have written for `state`, built by the real builder. */
export function reportFor(state: unknown, finishedSeconds: number): DrReport {
  return buildReport(state as RunState, { now: at(finishedSeconds), rpoSeconds: 60, rtoSeconds: 300, environment: "prod" });
}
