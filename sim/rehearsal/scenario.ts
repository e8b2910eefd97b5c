/**
 * What a scenario is, and the helpers scenarios script the world with.
 */
import { isReplicationHeartbeatKey } from "../../lib/replication-heartbeat";
import type { ExecutionRecord } from "../stepfunctions/model";
import type { VirtualClock } from "../clock";
import { drMachine } from "../deployment/deployment";
import type { Deployment } from "../deployment/types";
import type { MisdirectedAnswer } from "./dns-after-failback";
import type { Observations } from "./observers";
import { OPERATOR_START_BUDGET_MS, type Operator } from "./operator";
import type { Traffic } from "./traffic";
import type { World } from "../world";
import { injectFault, type WorldFault } from "../experiments";

export interface Check {
  name: string;
  /** "n/a" when the measure does not apply to this scenario (said why in `detail`). */
  verdict: "pass" | "fail" | "n/a";
  detail: string;
  /** A failure the scenario declares known (its reason): shown, not counted against the result. */
  known?: string;
}

/** Moments the measurements are anchored on, set by the scenario as it happens. */
export interface Marks {
  /** When the primary stopped serving (outage, or the drill's drain). */
  outageStart?: number;
  /** Writes of the primary not yet replicated to the secondary at that moment. */
  unreplicatedAtOutage?: { count: number; oldestAt: number | null; paymentIds: string[] };
  recoveredAt?: number;
  /** When a witness region that had failed came back (witness-outage). */
  witnessBackAt?: number;
  /** The execution whose report carries the runbook's own RTO/RPO measurement. */
  measuredExecution?: string;
  /** Executions the scenario started by hand (operator). */
  manualExecutions: string[];
}

export interface ScenarioContext {
  world: World;
  clock: VirtualClock;
  deployment: Deployment;
  traffic: Traffic;
  observations: Observations;
  operator: Operator;
  primary: string;
  secondary: string;
  marks: Marks;
  /** A line in the timeline from the scenario itself. */
  note(text: string): void;
  /** The primary goes down (snapshotting what it had not replicated yet). */
  outage(region: string, why?: string): void;
  recover(region: string): void;
  /**
   * Does something that takes (virtual) time — an operator's AWS call — while the clock runs:
   * the scenario's own code is outside the simulation, so it must keep the clock moving while it
   * waits, or nothing would ever answer.
   */
  act<T>(work: () => Promise<T>, limitMs?: number): Promise<T>;
  /**
   * On-call starts a run with drctl (Operator.start), given every retry on-call makes
   * (OPERATOR_START_BUDGET_MS). Returns the execution name.
   */
  startRun(region: string, name: string, input: Record<string, unknown>, why: string): Promise<string>;
  /** Advances the clock until `done()` or `limitMs`; returns whether it held. */
  waitFor(done: () => boolean, limitMs: number, stepMs?: number): Promise<boolean>;
  /** DR executions (STANDARD machine) of a region, in start order. */
  executions(region: string): ExecutionRecord[];
  /** Starts a fault from the vocabulary (experiments.ts); returns what stops it. */
  inject(fault: WorldFault): () => void;
}

export interface Scenario {
  name: string;
  title: string;
  /** One paragraph: what happens and what it shows. */
  story: string;
  run(ctx: ScenarioContext): Promise<void>;
  /** The scenario's own expectations (objectives included where they apply), checked after the world settled. */
  expectations(ctx: ScenarioContext, figures: Figures): Check[];
  /**
   * Checks this scenario is known to fail today, with why: the rehearsal shows them red, marked
   * known, and does not count them against its result (the randomized sweep still explores them).
   */
  knownFailures?: (deployment: Deployment) => { checks: string[]; reason: string } | undefined;
}

export function createContext(
  parts: Omit<
    ScenarioContext,
    "note" | "outage" | "recover" | "waitFor" | "act" | "startRun" | "executions" | "marks" | "primary" | "secondary" | "inject"
  >,
): ScenarioContext {
  const { world, clock, deployment } = parts;
  const marks: Marks = { manualExecutions: [] };
  const paymentsTable = deployment.tables.find((t) => t.hashKey === "paymentId")?.name;
  return {
    ...parts,
    marks,
    primary: deployment.primaryRegion,
    secondary: deployment.secondaryRegion,
    note: (text) => world.timeline.add("scenario", "scenario", text),
    outage(region, why) {
      const peer = region === deployment.primaryRegion ? deployment.secondaryRegion : deployment.primaryRegion;
      // Payments only: the canary's replication heartbeat (eventual mode) is not a payment.
      const pending = world.replicator
        .pending(region, peer)
        .filter((p) => p.table === paymentsTable && !isReplicationHeartbeatKey(p.key.replace(/"/g, "")));
      marks.outageStart ??= clock.now();
      marks.unreplicatedAtOutage ??= {
        count: pending.length,
        oldestAt: pending[0]?.writtenAt ?? null,
        paymentIds: [...new Set(pending.map((p) => p.key.replace(/"/g, "")))],
      };
      world.outage(region, why);
    },
    recover(region) {
      marks.recoveredAt ??= clock.now();
      world.recover(region);
    },
    startRun(region, name, input, why) {
      return this.act(() => this.operator.start(region, name, input, why), OPERATOR_START_BUDGET_MS);
    },
    waitFor: (done, limitMs, stepMs = 1000) => clock.advanceUntil(done, limitMs, stepMs),
    async act(work, limitMs = 120_000) {
      let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
      work().then(
        (value) => (outcome = { ok: true, value }),
        (error) => (outcome = { ok: false, error }),
      );
      await clock.advanceUntil(() => outcome !== undefined, limitMs, 100);
      if (!outcome) throw new Error(`an operator action did not finish within ${limitMs / 1000} s of simulated time`);
      if (!outcome.ok) throw outcome.error;
      return outcome.value as never;
    },
    executions(region) {
      const arn = drMachine(deployment, region).arn;
      return [...world.sfn.executions.values()].filter((e) => e.stateMachineArn === arn).sort((a, b) => a.startDate - b.startDate);
    },
    inject(fault) {
      if (fault.action === "region-outage") {
        this.outage(fault.region);
        return () => this.recover(fault.region);
      }
      return injectFault(world, fault);
    },
  };
}

/** Runs to the end of an execution (or the limit); returns it. */
export async function waitForExecutionEnd(
  ctx: ScenarioContext,
  region: string,
  name: string,
  limitMs: number,
): Promise<ExecutionRecord | undefined> {
  await ctx.waitFor(() => ctx.executions(region).some((e) => e.name === name && e.status !== "RUNNING"), limitMs);
  return ctx.executions(region).find((e) => e.name === name);
}

/** The first automatic (alarm-started) execution of a region at or after `from`. */
export function automaticExecutions(ctx: ScenarioContext, region: string, from = 0): ExecutionRecord[] {
  return ctx.executions(region).filter((e) => e.name.startsWith("alarm-") && e.startDate >= from);
}

export interface Figures {
  outageStartedAt: number | null;
  dnsMovedAt: number | null;
  firstSecondaryAckAt: number | null;
  rtoSeconds: number | null;
  runbook: RunbookMeasurement | null;
  rpoExposureSeconds: number | null;
  unreplicatedWindowSeconds: number | null;
  unreplicatedPaymentsAtOutage: number;
  acknowledged: number;
  acknowledgedPaymentsLost: number;
  lostPaymentIds: string[];
  duplicatePayments: number;
  conflictingCreations: number;
  writesAfterDemotion: number;
  /** Payments a demoted region accepted within the stated bound (demotedWriteBoundMs) after the promotion (allowed). */
  writesWithinDemotedBound: number;
  demotedWriteBoundSeconds: number;
  replicasConverged: boolean;
  activeRegions: string[];
  /** PENDING at the end, by origin region, where that region may serve (ACTIVE/STANDBY): a failure. */
  notSettled: Record<string, number>;
  /** PENDING at the end, by origin region, where that region is FENCED/DRAINED: they settle after failback. */
  awaitingFailback: Record<string, number>;
  /**
   * Acknowledged payments with an entry of their history (the state the table holds) missing from
   * their origin region's transaction-log bucket, by origin region, while that region is up.
   */
  unlogged: Record<string, number>;
  /** The same for payments whose origin region is down at the end: its log's backlog waits for it. */
  logAwaitingRegion: Record<string, number>;
  stillRetrying: number;
  clientErrors: number;
  notificationsSent: number;
  alarmNotifications: number;
  /** When the first failback execution succeeded; null when none did. */
  failbackCompletedAt: number | null;
  /** From then on: DNS answering a STANDBY/FENCED/DRAINED region while the other was ACTIVE and up. */
  misdirectedDnsAfterFailback: MisdirectedAnswer[];
  /** AWS calls the world served (DNS queries aside). */
  awsCalls: number;
  /** The replica acknowledged payments were looked for in (a live region, ACTIVE by its own record if one is). */
  judgedIn: string;
  longestZeroActiveSeconds: number;
  longestTwoActiveSeconds: number;
  activeAtEnd: string[];
  unfinishedRuns: string[];
  unnotifiedRuns: string[];
  automaticFailbacks: string[];
  /** Completed planned moves and the longest stretch without an acknowledgement while each ran (invariants.ts). */
  plannedMoves: { name: string; longestGapSeconds: number }[];
  /** The longest stretch (s) after T+0 between two consecutive acknowledgements (invariants.ts). */
  longestWithoutAcknowledgementSeconds: number;
  /** Requests IAM (or a KMS key policy) denied, calls and service deliveries alike, as AWS words them. */
  iamDenials: string[];
  /** Alarm notifications CloudWatch could not deliver. */
  failedAlarmActions: string[];
}

export interface RunbookMeasurement {
  execution: string;
  region: string;
  outcome: string;
  passed: boolean;
  rtoSeconds: number | null;
  rpoExposureSeconds: number | null;
  detectionSeconds: number | null;
  dnsShiftSeconds: number | null;
  report: Record<string, unknown>;
}
