/**
 * One line per runbook step result, and the decisions among them, from the execution state the
 * machine keeps (`$.steps.<key>`, shapes in runbooks/domain/steps.ts). Pure. A key drctl does not
 * know yields nothing rather than an error: the CLI must keep following a newer machine.
 */
import type {
  ApprovalResult,
  Assessment,
  DetectionStep,
  DnsStep,
  DryRunSummary,
  FenceAlarmCheckStep,
  HoldPaymentsStep,
  LeaseCheckStep,
  LeaseStep,
  PeerExecutionStep,
  PeerFailbackStartStep,
  PeerStateStep,
  PromotionStep,
  ReplicationStep,
  ReportStep,
  RestoreStartStep,
  RestoreStatusStep,
  RestoreVerifyStep,
  ScratchCleanupStep,
  SentinelCheckStep,
  SentinelWriteStep,
  StopWritesStep,
} from "../runbooks/domain/steps";

export interface Decision {
  step: string;
  decision: string;
  reason: string;
}

export interface StepSummary {
  text: string;
  decisions: Decision[];
}

type Loose<T> = Partial<T> & Record<string, unknown>;

function fenceText(p: Loose<PeerStateStep>): string {
  const metric = p.fenceMetric ? `; PrimaryFenced=${p.fenceMetric.value} in ${p.fenceMetric.region}` : "";
  return `${p.region} → ${p.state} (epoch ${p.epoch}, written via the ${p.via} replica)${metric}`;
}

/**
 * What step `key` produced, from the value the machine stored at `$.steps.<key>` (the Lambda
 * result as `{ Payload }`, except `approval`, which is the task-token answer itself).
 */
export function summarizeStep(key: string, stored: unknown, stateName: string): StepSummary | undefined {
  if (typeof stored !== "object" || stored === null) return undefined;
  const value = (key === "approval" ? stored : (stored as { Payload?: unknown }).Payload) as Record<string, unknown> | undefined;
  if (typeof value !== "object" || value === null) return undefined;
  const d = (decision: string, reason: string): Decision => ({ step: stateName, decision, reason });
  switch (key) {
    case "lease": {
      const p = value as Loose<LeaseStep>;
      if (p.suppressed) return { text: `suppressed (anti-flap): ${p.reason}`, decisions: [d("suppress", String(p.reason))] };
      if (p.acquired === false) return { text: `stands down: ${p.reason}`, decisions: [d("stand down", String(p.reason))] };
      return { text: `lease held by ${p.holder}`, decisions: [d("proceed", String(p.reason))] };
    }
    case "leaseCheck": {
      const p = value as Loose<LeaseCheckStep>;
      return {
        text: p.leaseFree ? "lease is free" : `lease held by ${p.heldBy?.holder} (${p.heldBy?.mode} in ${p.heldBy?.region})`,
        decisions: [],
      };
    }
    case "assess": {
      const p = value as Loose<Assessment>;
      const decisions = [d(String(p.action), String(p.reason))];
      if (p.needsApproval) decisions.push(d("approval required", String(p.approvalReason)));
      return {
        text: `decision: ${p.action} — ${p.reason}${p.needsApproval ? ` (approval required: ${p.approvalReason})` : ""}`,
        decisions,
      };
    }
    case "replication": {
      const p = value as Loose<ReplicationStep>;
      return { text: `replication ${p.verdict}: ${p.summary}`, decisions: [d(String(p.verdict), String(p.summary))] };
    }
    case "approval": {
      const p = value as Loose<ApprovalResult>;
      const by = p.approvedBy ?? "an operator";
      return p.approved === true
        ? { text: `approved by ${by}${p.comment ? `: ${p.comment}` : ""}`, decisions: [d("approved", p.comment ?? `by ${by}`)] }
        : { text: "not approved", decisions: [d("rejected", p.comment ?? `by ${by}`)] };
    }
    case "announce": {
      // Eventual mode's planned move records the handover before it stops the old writer; strong
      // mode's is one transition, so nothing is announced (runbooks/handlers/set-peer-state).
      const p = value as { announced?: boolean; region?: string; epoch?: number; via?: string };
      return {
        text: p.announced
          ? `handover from ${p.region} announced (epoch ${p.epoch}, written via the ${p.via} replica); ${p.region} still ACTIVE`
          : "nothing to announce: the handover is one transition",
        decisions: [],
      };
    }
    case "fence":
    case "drain":
    case "markStandby":
      return { text: fenceText(value as Loose<PeerStateStep>), decisions: [] };
    case "drainSelf":
      return { text: `${value.region} → DRAINED (epoch ${value.epoch})`, decisions: [] };
    case "stopWrites": {
      const p = value as Loose<StopWritesStep>;
      return {
        text: p.stopped
          ? `${p.functionName} in ${p.region} stopped (reserved concurrency 0)`
          : `direct stop of ${p.functionName} not done (tolerated): ${p.error ?? "unknown"}`,
        decisions: [],
      };
    }
    case "detection": {
      const p = value as Loose<DetectionStep>;
      return {
        text: p.detected
          ? `canary detected the drained primary after ${p.detectionSeconds} s`
          : `not detected yet (${p.consecutiveFailures} failing probes)`,
        decisions: [],
      };
    }
    case "holdPayments": {
      const p = value as Loose<HoldPaymentsStep>;
      if (p.passed === true) return { text: `payments during the hold: ${p.summary}`, decisions: [] };
      const why = p.error ? `${p.error.name}: ${p.error.message}` : String(p.summary);
      return {
        text: `payments during the hold: FAILED (${why}); failing back first`,
        decisions: [d("fail back, then fail the drill", why)],
      };
    }
    case "promote": {
      const p = value as Loose<PromotionStep>;
      return { text: `${p.region} ACTIVE at epoch ${p.epoch} (${p.proof})`, decisions: [] };
    }
    case "dns": {
      const p = value as Loose<DnsStep>;
      if (p.matches) return { text: `DNS witness answers ${p.expectedRegion}`, decisions: [] };
      const answers = Array.isArray(p.answers) && p.answers.length > 0 ? p.answers.join(", ") : "nothing";
      return { text: `DNS witness answers ${answers}${p.error ? ` (${p.error})` : ""}; expecting ${p.expectedRegion}`, decisions: [] };
    }
    case "sentinelWrite": {
      const p = value as Loose<SentinelWriteStep>;
      return { text: `sentinel ${p.id} written through ${p.writtenIn}`, decisions: [] };
    }
    case "sentinel": {
      const p = value as Loose<SentinelCheckStep>;
      return { text: p.seen ? `sentinel replicated (${p.replicationSeconds} s)` : "sentinel not replicated yet", decisions: [] };
    }
    case "restoreWriteFunction":
    case "restoreWriteFunctionAfterPromotion":
    case "restoreLocalWriteFunction":
      return { text: `${value.functionName}: ${value.action}`, decisions: [] };
    case "clearFenceMetric":
      return {
        text:
          value.publishedAt === null
            ? `PrimaryFenced=${value.value} not published in ${value.region} (${value.error}); its canary publishes it`
            : `PrimaryFenced=${value.value} in ${value.region}`,
        decisions: [],
      };
    case "fenceAlarm": {
      const p = value as Loose<FenceAlarmCheckStep>;
      return {
        text: p.cleared
          ? `fence alarm ${p.alarmName} in ${p.region} is OK`
          : `fence alarm ${p.alarmName} in ${p.region} not cleared yet: ${p.detail}`,
        decisions: [],
      };
    }
    case "compensation":
      return { text: `compensation ${value.action}: ${value.detail}`, decisions: [] };
    case "peerFailback": {
      const p = value as Loose<PeerFailbackStartStep>;
      return { text: `failback ${p.name} ${p.alreadyStarted ? "already running" : "started"} in ${p.region}`, decisions: [] };
    }
    case "peerExecution": {
      const p = value as Loose<PeerExecutionStep>;
      return { text: `failback execution ${p.status}`, decisions: [] };
    }
    case "report": {
      const p = value as Loose<ReportStep>;
      return {
        text: `report written to s3://${p.bucket}/${p.jsonKey} (${p.outcome}, ${p.passed ? "passed" : "not passed"})`,
        decisions: [],
      };
    }
    case "dryRun": {
      const p = value as Loose<DryRunSummary>;
      return {
        text: p.ready ? `${p.checkMode}: ready` : String(p.cause),
        decisions: [d(p.ready ? "ready" : "not ready", String(p.cause))],
      };
    }
    case "release":
      return { text: "lease released", decisions: [] };
    case "releaseBeforeRestore":
      return { text: "lease released before the restore rehearsal (it moves no traffic)", decisions: [] };
    case "restoreStart": {
      const p = value as Loose<RestoreStartStep>;
      const at = typeof p.restorePoint === "number" ? new Date(p.restorePoint).toISOString() : "?";
      return {
        text: `restoring ${p.sourceTable} to ${at} into ${p.scratchTable}${p.alreadyStarted ? " (already started)" : ""}`,
        decisions: [],
      };
    }
    case "restoreStatus": {
      const p = value as Loose<RestoreStatusStep>;
      return { text: `scratch table ${p.tableName} is ${p.status}`, decisions: [] };
    }
    case "restoreVerify": {
      const p = value as Loose<RestoreVerifyStep>;
      if (!p.done) return { text: "checking the restored copy (continues)", decisions: [] };
      return {
        text: `restored copy ${p.passed ? "checked: passed" : "check FAILED"} — ${p.summary}`,
        decisions: [d(p.passed ? "restore passed" : "restore failed", String(p.summary))],
      };
    }
    case "restoreCleanup": {
      const p = value as Loose<ScratchCleanupStep>;
      return { text: String(p.detail), decisions: [] };
    }
    default:
      return undefined;
  }
}

/** The `$.steps` keys whose value differs between a state's input and its output. */
export function changedStepKeys(before: unknown, after: unknown): string[] {
  const stepsOf = (state: unknown) => ((state as { steps?: Record<string, unknown> } | null)?.steps ?? {}) as Record<string, unknown>;
  const a = stepsOf(before);
  const b = stepsOf(after);
  return Object.keys(b).filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
}
