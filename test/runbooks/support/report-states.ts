/**
 * Execution states (`$` of the DR state machine) for the evidence page's tests: a drill that
 * drained, promoted, shifted DNS and failed back; an alarm-started failover that waited for
 * approval; a drill that failed before promoting. Times are seconds from T0.
 */
import type { Run } from "../../../runbooks/domain/run";
import type { RunState } from "../../../runbooks/domain/steps";

export const T0 = Date.parse("2030-03-04T09:00:00.000Z");
export const at = (s: number) => T0 + s * 1000;
const timing = (step: string, s: number) => ({ step, startedAt: at(s) - 100, finishedAt: at(s) });
const record = (region: string, state: "ACTIVE" | "STANDBY" | "FENCED" | "DRAINED", epoch: number) => ({
  pk: `region#${region}`,
  region,
  state,
  epoch,
  updatedAt: new Date(T0).toISOString(),
  reason: "r",
  executionId: "e",
});

export const EXECUTION_ARN = (name: string) => `arn:aws:states:us-east-2:123456789012:execution:dr-orchestrator-us-east-2-prod:${name}`;

function run(overrides: Partial<Run> = {}): Run {
  const name = overrides.executionName ?? "manual-drill-20300304T090000Z-alice";
  return {
    executionName: name,
    executionId: EXECUTION_ARN(name),
    startedAt: T0,
    mode: "drill",
    checkMode: "drill",
    region: "us-east-2",
    peerRegion: "us-east-1",
    primaryRegion: "us-east-1",
    secondaryRegion: "us-east-2",
    localRole: "secondary",
    trigger: { source: "manual", ticket: "CHG-2030-Q1" },
    automatic: false,
    requireApproval: false,
    holdSeconds: 60,
    leaseHolder: name,
    reason: "quarterly DR drill",
    requestedBy: "dr-lead@example.com",
    ...overrides,
  };
}

const replication = {
  ...timing("check-replication", 1),
  verdict: "ok" as const,
  replicasActive: true,
  exposureSeconds: 3,
  peerHeartbeatAgeSeconds: 4,
  lastReplicatedHeartbeatAt: at(-3),
  lastSeenHealthyAt: at(0),
  inDoubtWindow: { from: at(-3), to: at(1) },
  rpoSeconds: 60,
  problems: [],
  summary: "replicas ACTIVE",
  tables: [],
};

export function drillState(overrides: Partial<RunState["steps"]> = {}, error?: RunState["error"]): RunState {
  return {
    run: run(),
    steps: {
      lease: { Payload: { ...timing("acquire-lease", 0.2), acquired: true, suppressed: false, reason: "ok", holder: "drill" } },
      assess: {
        Payload: {
          ...timing("assess-regions", 0.5),
          action: "drill",
          reason: "us-east-1 is ACTIVE and us-east-2 is STANDBY",
          local: record("us-east-2", "STANDBY", 0),
          peer: record("us-east-1", "ACTIVE", 0),
          needsApproval: false,
          approvalReason: "n/a",
          autoFailover: true,
        },
      },
      replication: { Payload: replication },
      drain: {
        Payload: {
          ...timing("set-peer-state", 2),
          region: "us-east-1",
          state: "DRAINED",
          previousState: "ACTIVE",
          epoch: 0,
          changedAt: at(2),
          via: "local",
          fenceMetric: { region: "us-east-2", value: 1, publishedAt: at(2) },
        },
      },
      detection: {
        Payload: {
          ...timing("check-detection", 30),
          detected: true,
          detectedAt: at(17),
          detectionSeconds: 15,
          consecutiveFailures: 2,
          drainedAt: at(2),
        },
      },
      promote: {
        Payload: {
          ...timing("promote-local", 45),
          region: "us-east-2",
          previousState: "STANDBY",
          previousEpoch: 0,
          epoch: 1,
          promotedAt: at(45),
          proof: "drained",
        },
      },
      dns: {
        Payload: {
          ...timing("confirm-dns", 92),
          name: "_region.api.x",
          expectedRegion: "us-east-2",
          answers: ["us-east-2"],
          matches: true,
          checkedAt: at(92),
          nameServers: [],
        },
      },
      holdPayments: {
        Payload: {
          ...timing("check-hold-payments", 153),
          checked: true,
          passed: true,
          basis: "payments-accepted",
          region: "us-east-2",
          window: { holdStartedAt: at(92), from: at(92) - (at(92) % 60_000), to: at(152.5) },
          counts: { accepted: 118, failed: 1, refused: 0, redirected: 0 },
          unsuccessful: 1,
          failurePercent: 0.84,
          policy: { allowNoTraffic: false, maxFailurePercent: 1 },
          summary: "118 accepted, 1 failed (500), 0 refused (503), 0 redirected: 0.84 % could not be taken (at most 1 %)",
          error: null,
        },
      },
      peerFailback: {
        Payload: {
          ...timing("start-peer-failback", 160),
          executionArn: "arn:x",
          name: "manual-drill-20300304T090000Z-alice-failback",
          region: "us-east-1",
          alreadyStarted: false,
        },
      },
      peerExecution: {
        Payload: {
          ...timing("check-peer-execution", 300),
          executionArn: "arn:x",
          status: "SUCCEEDED",
          done: true,
          startDate: at(160),
          stopDate: at(290),
        },
      },
      ...overrides,
    },
    ...(error ? { error } : {}),
  };
}

/** An alarm-started failover that waited for an operator (autoFailover=false) and was approved. */
export function approvedFailoverState(): RunState {
  const name = "alarm-peer-health-us-east-2-prod-4f1c2a9e7b3d5e80";
  return {
    run: run({
      executionName: name,
      executionId: EXECUTION_ARN(name),
      mode: "failover",
      checkMode: "failover",
      trigger: {
        source: "alarm",
        alarmName: "peer-health-us-east-2-prod",
        alarmArn: "arn:aws:cloudwatch:us-east-2:123456789012:alarm:peer-health-us-east-2-prod",
        state: "ALARM",
        changedAt: new Date(at(-20)).toISOString(),
        eventId: "e1",
        subjectRegion: "us-east-1",
      },
      automatic: true,
      leaseHolder: name,
      reason: "alarm peer-health-us-east-2-prod",
      requestedBy: undefined,
    }),
    steps: {
      lease: { Payload: { ...timing("acquire-lease", 0.2), acquired: true, suppressed: false, reason: "ok", holder: name } },
      assess: {
        Payload: {
          ...timing("assess-regions", 0.5),
          action: "failover",
          reason: "us-east-1 looks unhealthy",
          local: record("us-east-2", "STANDBY", 0),
          peer: record("us-east-1", "ACTIVE", 0),
          needsApproval: true,
          approvalReason: "automatic failover is disabled (autoFailover=false)",
          autoFailover: false,
        },
      },
      replication: { Payload: { ...replication, lastSeenHealthyAt: at(-30) } },
      approval: { approved: true, approvedBy: "alice@example.com", comment: "INC-2030: us-east-1 is down" },
      fence: {
        Payload: {
          ...timing("set-peer-state", 90),
          region: "us-east-1",
          state: "FENCED",
          previousState: "ACTIVE",
          epoch: 0,
          changedAt: at(90),
          via: "local",
          fenceMetric: { region: "us-east-2", value: 1, publishedAt: at(90) },
        },
      },
      promote: {
        Payload: {
          ...timing("promote-local", 91),
          region: "us-east-2",
          previousState: "STANDBY",
          previousEpoch: 0,
          epoch: 1,
          promotedAt: at(91),
          proof: "fenced",
        },
      },
      dns: {
        Payload: {
          ...timing("confirm-dns", 120),
          name: "_region.api.x",
          expectedRegion: "us-east-2",
          answers: ["us-east-2"],
          matches: true,
          checkedAt: at(120),
          nameServers: [],
        },
      },
    },
  };
}

/** A drill that failed after draining, before it promoted (the compensation put the primary back). */
export function failedDrillState(): RunState {
  const state = drillState({}, { Error: "DetectionTimedOutError", Cause: "the canary never reported the drain" });
  const { promote: _p, dns: _d, holdPayments: _h, peerFailback: _f, peerExecution: _e, ...steps } = state.steps;
  return { ...state, steps };
}
