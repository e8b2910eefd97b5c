/**
 * The runbooks' decisions, as pure functions of what the handlers read. Each one is table-tested
 * in test/runbooks/decisions.test.ts; handlers only gather inputs and act on the result.
 */
import type { AutomaticRun, ProbeRecord, RegionRecord, RegionState } from "../../lib/control-schema";
import type { DryRunTarget, Trigger } from "./run";

// ---------------------------------------------------------------------------------------------
// What to do
// ---------------------------------------------------------------------------------------------

/**
 * - `failover` / `failback` / `drill`: run that runbook.
 * - `drain-self`: this region's own alarms fired while it is ACTIVE: mark it DRAINED (its /health
 *   then fails, which trips the peer's detection) — a region never promotes on its own alarm.
 * - `no-action`: nothing to change (already active, or the alarm is informational here); notify.
 * - `refuse`: the regions are in a state this runbook must not touch; fail with the reason.
 */
export type RunbookAction = "failover" | "failback" | "drill" | "drain-self" | "no-action" | "refuse";

export interface ActionInput {
  /** The runbook asked for (for a dry-run, the runbook being checked). */
  mode: DryRunTarget;
  trigger: Trigger;
  region: string;
  peerRegion: string;
  localRole: "primary" | "secondary";
  /** Both records as read from the LOCAL replica. */
  local: RegionRecord | undefined;
  peer: RegionRecord | undefined;
  /**
   * How long ago this region's canary last saw the peer answer healthy, when its latest probe did
   * (undefined: the latest probe failed, or there is none). An alarm about the peer is stale when
   * the peer answers now: it may have started long ago (a run that waited for a lease).
   */
  peerHealthyMsAgo?: number;
  /** How long ago this region's canary last got any HTTP answer from the peer (alive, even if unhealthy). */
  peerAnsweredMsAgo?: number;
}

/**
 * A region DRAINED by its own automatic run (drain-self on its own alarm): the authority's last
 * transition was made by an alarm- or reconcile- execution of that region's state machine.
 */
export function drainedItself(record: RegionRecord, region: string): boolean {
  return record.state === "DRAINED" && isAutomaticExecution(record.executionId) && record.executionId.split(":")[3] === region;
}

/** A canary probe this recent is "now": the canary probes several times a minute. */
export const RECENT_PROBE_MS = 15_000;

export interface ActionDecision {
  action: RunbookAction;
  reason: string;
}

const NOT_SERVING: readonly RegionState[] = ["FENCED", "DRAINED"];

/**
 * How far back a region's own DR alarm may look: the longest self-alarm evaluates 3 periods of
 * 60 s (infra/core/alarm-catalog.ts) and CloudWatch evaluates a little after the period ends. An alarm
 * that fires within this long of the region becoming ACTIVE may be judging the time before it did
 * (e.g. the 503s of a drill's drain), so it does not drain the region on its own.
 */
export const SELF_ALARM_WINDOW_SECONDS = 300;

export function decideAction(input: ActionInput): ActionDecision {
  const { local, peer, region, peerRegion } = input;
  if (!local) {
    return { action: "refuse", reason: `no region-state record for ${region} in the local replica; refusing to act on an unknown state` };
  }
  const peerState = peer?.state ?? "UNKNOWN";
  switch (input.mode) {
    case "failover":
      return decideFailover(input, local, peerState);
    case "failback":
      if (input.localRole !== "primary") return { action: "refuse", reason: `failback runs in the primary region, not ${region}` };
      if (local.state === "ACTIVE" && peer?.state === "ACTIVE") {
        return {
          action: "refuse",
          reason: `both ${region} and ${peerRegion} are ACTIVE in the local replica; resolve the split before failing back`,
        };
      }
      if (local.state === "ACTIVE")
        return { action: "no-action", reason: `${region} is already ACTIVE (epoch ${local.epoch}); nothing to fail back` };
      return { action: "failback", reason: `${region} is ${local.state} and ${peerRegion} is ${peerState}: fail back to ${region}` };
    case "drill":
      if (input.localRole !== "secondary") return { action: "refuse", reason: `a drill runs in the secondary region, not ${region}` };
      if (local.state !== "STANDBY") {
        return {
          action: "refuse",
          reason: `a drill needs ${region} on STANDBY, but it is ${local.state}; a drill never runs during a real failover`,
        };
      }
      if (peer?.state !== "ACTIVE") {
        return { action: "refuse", reason: `a drill needs ${peerRegion} ACTIVE, but it is ${peerState}` };
      }
      return { action: "drill", reason: `${peerRegion} is ACTIVE and ${region} is STANDBY: drill a failover to ${region} and back` };
  }
}

function decideFailover(input: ActionInput, local: RegionRecord, peerState: string): ActionDecision {
  const { trigger, region, peerRegion } = input;
  if (trigger.source === "alarm" || trigger.source === "reconcile") {
    const signal = trigger.source === "alarm" ? `alarm ${trigger.alarmName}` : `the reconciler (${trigger.condition})`;
    if (trigger.source === "alarm" && trigger.subjectRegion === region) {
      if (local.state !== "ACTIVE") return { action: "no-action", reason: `${signal} is about ${region}, which is already ${local.state}` };
      const activeForSeconds = (Date.parse(trigger.changedAt) - Date.parse(local.updatedAt)) / 1000;
      if (activeForSeconds < SELF_ALARM_WINDOW_SECONDS) {
        return {
          action: "no-action",
          reason:
            `${signal} is about ${region}, but ${region} became ACTIVE only ${Math.max(0, Math.round(activeForSeconds))} s before it fired: ` +
            `its ${SELF_ALARM_WINDOW_SECONDS} s window may judge the time before. Not draining automatically; if the failure is real, move traffic with drctl failover.`,
        };
      }
      if (input.peerHealthyMsAgo === undefined || input.peerHealthyMsAgo > RECENT_PROBE_MS) {
        return {
          action: "no-action",
          reason:
            `${signal} is about ${region}, which is ACTIVE, but this region's canary has not seen ${peerRegion} answer healthy lately: ` +
            "draining would leave no region to take payments. Not draining; if the failure is real and the peer can serve, move traffic with drctl failover.",
        };
      }
      return {
        action: "drain-self",
        reason: `${signal} is about ${region}, which is ACTIVE: drain it so the peer's detection takes over`,
      };
    }
    const peerAnswers = input.peerHealthyMsAgo !== undefined && input.peerHealthyMsAgo <= RECENT_PROBE_MS;
    // Nobody writes: a run stopped between fencing one region and promoting the other (its region
    // failed halfway through a failback or a drill). That is an outage nobody chose: restore a
    // writer — the primary if it can, the secondary only while the primary does not answer.
    if (local.state !== "ACTIVE" && peerState !== "ACTIVE") {
      // Answering healthy is answering: either recent answer counts as alive.
      const peerAlive = peerAnswers || (input.peerAnsweredMsAgo !== undefined && input.peerAnsweredMsAgo <= RECENT_PROBE_MS);
      // A primary that drained itself on its own alarm said it cannot serve (a gray failure: it
      // answers, but its payments fail): it must not restore itself; the secondary takes over.
      if (input.localRole === "primary" && drainedItself(local, region) && peerAlive) {
        return {
          action: "no-action",
          reason: `${signal}: no region is ACTIVE, but ${region} drained itself on its own alarm (it could not serve) and ${peerRegion} is alive: ${peerRegion} takes over`,
        };
      }
      if (input.localRole === "secondary" && input.peer && drainedItself(input.peer, peerRegion)) {
        return {
          action: "failover",
          reason: `${signal}: no region is ACTIVE; the primary ${peerRegion} drained itself on its own alarm (it could not serve): ${region} takes writes`,
        };
      }
      if (input.localRole === "primary" || !peerAlive) {
        return {
          action: "failover",
          reason: `${signal}: no region is ACTIVE (${region} ${local.state}, ${peerRegion} ${peerState}) — a run stopped halfway; ${region} takes writes again`,
        };
      }
      return {
        action: "no-action",
        reason: `${signal}: no region is ACTIVE, but the primary ${peerRegion} is alive (it answers this region's canary): it restores itself (its own run)`,
      };
    }
    if (peerAnswers && input.peerHealthyMsAgo !== undefined) {
      return {
        action: "no-action",
        reason: `${signal} is about ${peerRegion}, but this region's canary saw ${peerRegion} answer healthy ${Math.round(input.peerHealthyMsAgo / 1000)} s ago: the condition no longer holds`,
      };
    }
    switch (local.state) {
      case "STANDBY":
        return {
          action: "failover",
          reason: `${signal}: ${peerRegion} (${peerState}) looks unhealthy and ${region} is STANDBY: fail over to ${region}`,
        };
      case "ACTIVE":
        return {
          action: "no-action",
          reason: `${signal}: ${peerRegion} looks unhealthy, but ${region} is already ACTIVE (the standby is degraded)`,
        };
      default:
        // The reconciler saw the writer write nothing and answer nothing (strong mode: it cannot
        // commit a payment): restoring a writer here moves no traffic off a serving region. Looked
        // at again now: the writer answering means it is alive, and a region that drained itself
        // said it cannot serve.
        if (
          trigger.source === "reconcile" &&
          trigger.condition === "writer-silent" &&
          peerState === "ACTIVE" &&
          !drainedItself(local, region) &&
          (input.peerAnsweredMsAgo === undefined || input.peerAnsweredMsAgo > RECENT_PROBE_MS)
        ) {
          return {
            action: "failover",
            reason: `${signal}: ${peerRegion} has written nothing and answered nothing, so it cannot take payments; ${region} (${local.state}) takes writes again`,
          };
        }
        if (trigger.source === "reconcile" && trigger.condition === "writer-silent" && input.peerAnsweredMsAgo !== undefined)
          return {
            action: "no-action",
            reason: `${signal}: ${peerRegion} answered ${Math.round(input.peerAnsweredMsAgo / 1000)} s ago, so the writer is back: nothing to restore`,
          };
        return {
          action: "no-action",
          reason: `${signal}: ${peerRegion} looks unhealthy, but ${region} is ${local.state} and ${peerRegion} is still ACTIVE; an automatic run never activates a fenced or drained region over a writer — an operator must decide`,
        };
    }
  }
  // Manual (operator) failover: activate this region from any non-ACTIVE state.
  if (local.state === "ACTIVE") return { action: "no-action", reason: `${region} is already ACTIVE (epoch ${local.epoch})` };
  if (NOT_SERVING.includes(local.state)) {
    return { action: "failover", reason: `operator failover to ${region}, which is ${local.state} (${peerRegion} is ${peerState})` };
  }
  return { action: "failover", reason: `operator failover to ${region} (${peerRegion} is ${peerState})` };
}

/** Whether the run must wait for an operator before changing anything. */
export function approvalRequired(input: { requireApproval: boolean; automatic: boolean; autoFailover: boolean }): {
  required: boolean;
  reason: string;
} {
  if (input.requireApproval) return { required: true, reason: "the request asked for approval (requireApproval: true)" };
  if (input.automatic && !input.autoFailover) {
    return { required: true, reason: "automatic failover is disabled (autoFailover=false): an operator approves every alarm-started run" };
  }
  return { required: false, reason: input.automatic ? "automatic failover is enabled" : "operator-started run without requireApproval" };
}

// ---------------------------------------------------------------------------------------------
// Anti-flap
// ---------------------------------------------------------------------------------------------

export interface AntiFlapDecision {
  suppressed: boolean;
  reason: string;
  lastAutomaticRunAt?: number;
  nextAllowedAt?: number;
}

/** Execution names automation gives its runs (runbooks/domain/trigger.ts, reconcile.ts); operators' are drctl's. */
export function isAutomaticExecution(executionIdOrName: string): boolean {
  const name = executionIdOrName.split(":").pop() ?? executionIdOrName;
  return name.startsWith("alarm-") || name.startsWith("reconcile-");
}

/** Automatic runs in a region are at least `minIntervalSeconds` apart; operator runs are never suppressed. */
export function antiFlap(input: {
  automatic: boolean;
  lastRun: AutomaticRun | undefined;
  now: number;
  minIntervalSeconds: number;
  /** This run's name: a retried step finds its own record and must not suppress itself. */
  executionName?: string;
  /**
   * When an operator's run last changed the regions (the authority's last transition, if it was
   * not an automatic run's). Anti-flap stops automatic ping-pong; automation never fails back, so a
   * ping-pong needs an operator in between — whose change starts the interval over. Without this,
   * an outage minutes after a failback would wait out the interval.
   */
  operatorChangedAt?: number;
  /**
   * When the regions last changed (the authority's last transition), if known. A last automatic
   * run that started after it changed nothing — it found the peer back, or nothing to do — so it
   * cannot be half of a ping-pong and does not hold the next run back. (The sweep found a 30 s
   * primary outage whose run decided no-action suppress, for the whole interval, the failover a
   * second outage ten seconds later needed: nobody ACTIVE for 130 s.)
   */
  regionsChangedAt?: number;
}): AntiFlapDecision {
  if (!input.automatic) return { suppressed: false, reason: "operator-started runs are not rate-limited" };
  if (!input.lastRun) return { suppressed: false, reason: "no earlier automatic run in this region" };
  if (input.lastRun.executionName === input.executionName)
    return { suppressed: false, reason: "this run is the last automatic run (step retried)" };
  if (input.regionsChangedAt !== undefined && input.regionsChangedAt < input.lastRun.startedAt) {
    return {
      suppressed: false,
      reason: `the last automatic run ${input.lastRun.executionName} changed nothing (the regions last changed before it started): nothing to flap`,
      lastAutomaticRunAt: input.lastRun.startedAt,
    };
  }
  if (input.operatorChangedAt !== undefined && input.operatorChangedAt > input.lastRun.startedAt) {
    return {
      suppressed: false,
      reason: `an operator changed the regions ${Math.round((input.now - input.operatorChangedAt) / 1000)} s ago, after the last automatic run: the interval starts over`,
      lastAutomaticRunAt: input.lastRun.startedAt,
    };
  }
  const nextAllowedAt = input.lastRun.startedAt + input.minIntervalSeconds * 1000;
  if (input.now < nextAllowedAt) {
    return {
      suppressed: true,
      reason: `automatic run ${input.lastRun.executionName} started ${Math.round((input.now - input.lastRun.startedAt) / 1000)} s ago; automatic runs are at least ${input.minIntervalSeconds} s apart`,
      lastAutomaticRunAt: input.lastRun.startedAt,
      nextAllowedAt,
    };
  }
  return {
    suppressed: false,
    reason: "the minimum interval since the last automatic run has passed",
    lastAutomaticRunAt: input.lastRun.startedAt,
  };
}

// ---------------------------------------------------------------------------------------------
// Replication and RPO exposure
// ---------------------------------------------------------------------------------------------

export interface TableReplicaStatus {
  /** Logical name: payments | idempotency | control. */
  table: string;
  tableName: string;
  /** TableStatus in the local region (the local replica). */
  tableStatus: string;
  /** ReplicaStatus of the local region's entry in `Replicas`, when DescribeTable lists it. */
  localReplicaStatus?: string;
  /** ReplicaStatus of the peer's replica as the local region sees it (informational). */
  peerReplicaStatus?: string;
  /** DescribeTable failed; the message. */
  error?: string;
}

export type ReplicationVerdict = "ok" | "replica-not-ready" | "lag-exceeded";

export interface ReplicationAssessment {
  verdict: ReplicationVerdict;
  replicasActive: boolean;
  /**
   * Writes of the peer that may be missing here: max(0, peer writable until − last replicated
   * heartbeat), for the table whose heartbeat is oldest (eventual mode); null when some table's
   * cannot be bounded.
   */
  exposureSeconds: number | null;
  /** now − the oldest of the peer's heartbeats, as replicated here: how stale the local copy may be. */
  peerHeartbeatAgeSeconds: number | null;
  /** The oldest of the peer's heartbeats replicated here (the table that lags most). */
  lastReplicatedHeartbeatAt: number | null;
  lastSeenHealthyAt: number | null;
  /** Writes of the peer in this window may not have replicated: [oldest replicated heartbeat, now]. */
  inDoubtWindow: { from: number | null; to: number };
  rpoSeconds: number;
  /** Eventual mode: the figures of each table (DynamoDB replicates each table on its own). */
  exposureByTable?: TableExposure[];
  problems: string[];
  summary: string;
}

/** What CheckReplication read of the peer's heartbeat in one table's LOCAL replica. */
export interface PeerHeartbeatReading {
  /** Logical name: payments | idempotency | control. */
  table: string;
  /** The heartbeat's write time (the peer's clock), as replicated here; absent when there is none. */
  writtenAt?: number;
  /** The read failed; the message. */
  error?: string;
}

/** One table's replication figures, as CheckReplication reports them. */
export interface TableExposure {
  table: string;
  lastReplicatedHeartbeatAt: number | null;
  /** now − lastReplicatedHeartbeatAt. */
  heartbeatAgeSeconds: number | null;
  /** max(0, peer writable until − lastReplicatedHeartbeatAt); null when there is no heartbeat to bound it. */
  exposureSeconds: number | null;
}

/** True when the local replica of a table may take the region's traffic. */
export function replicaIsActive(t: TableReplicaStatus): boolean {
  return t.error === undefined && t.tableStatus === "ACTIVE" && (t.localReplicaStatus === undefined || t.localReplicaStatus === "ACTIVE");
}

/**
 * Until when the peer may have accepted writes, as far as this region can tell: while the local
 * canary still sees it answer, until now; once it fails, until the first failing probe (it may
 * have taken writes right up to it — ending at the last healthy probe would under-report).
 * Without a probe record: until now, the worst case.
 */
export function peerWritableUntil(probe: ProbeRecord | undefined, now: number): number {
  if (!probe || probe.consecutiveFailures === 0) return now;
  return probe.firstFailedAt ?? probe.lastCheckedAt;
}

/**
 * Eventual mode (MREC): how much of the peer's acknowledged writes may be missing here. DynamoDB
 * replicates each global table on its own: a write is replicated "to all other replicas in the
 * global table" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html),
 * AWS states no order across tables, and one table's replication can lag or be paused alone (AWS
 * FIS aws:dynamodb:global-table-pause-replication targets one table). So a heartbeat bounds only
 * its own table (issue 15: payments 90 s behind, control current). The canary writes one into
 * every table (control: `heartbeat#<region>`; payments and idempotency: lib/replication-heartbeat.ts)
 * and the exposure is the WORST table's: the one whose latest replicated heartbeat is oldest. A table with no heartbeat here (or whose read failed) cannot be
 * bounded: the exposure is unknown and the run asks before promoting (the harsher reading).
 */
export function assessReplication(input: {
  tables: TableReplicaStatus[];
  peerHeartbeats: PeerHeartbeatReading[];
  probe: ProbeRecord | undefined;
  now: number;
  rpoSeconds: number;
  peerRegion: string;
}): ReplicationAssessment {
  const problems: string[] = [];
  for (const t of input.tables) {
    if (t.error !== undefined) problems.push(`${t.table} table ${t.tableName}: DescribeTable failed: ${t.error}`);
    else if (!replicaIsActive(t)) {
      problems.push(
        `${t.table} table ${t.tableName} is ${t.tableStatus}${t.localReplicaStatus ? ` (local replica ${t.localReplicaStatus})` : ""}, not ACTIVE`,
      );
    }
  }
  const replicasActive = input.tables.length > 0 && input.tables.every(replicaIsActive);
  const lastSeenHealthyAt = input.probe?.lastHealthyAt ?? null;
  const seenUntil = peerWritableUntil(input.probe, input.now);
  const exposureByTable: TableExposure[] = input.peerHeartbeats.map((h) => {
    const at = h.error === undefined ? (h.writtenAt ?? null) : null;
    return {
      table: h.table,
      lastReplicatedHeartbeatAt: at,
      heartbeatAgeSeconds: at === null ? null : round1(Math.max(0, input.now - at) / 1000),
      exposureSeconds: at === null ? null : round1(Math.max(0, seenUntil - at) / 1000),
    };
  });
  for (const h of input.peerHeartbeats) {
    if (h.error !== undefined) {
      problems.push(
        `the ${h.table} table's heartbeat from ${input.peerRegion} could not be read (${h.error}): the RPO exposure cannot be bounded`,
      );
    } else if (h.writtenAt === undefined) {
      problems.push(`no heartbeat from ${input.peerRegion} in the local ${h.table} replica: the RPO exposure cannot be bounded`);
    }
  }
  if (exposureByTable.length === 0) problems.push(`no heartbeat from ${input.peerRegion} was read: the RPO exposure cannot be bounded`);
  const bounded = exposureByTable.length > 0 && exposureByTable.every((t) => t.lastReplicatedHeartbeatAt !== null);
  // The table that lags most: its heartbeat is the oldest (ties: the first listed).
  const worst = bounded
    ? exposureByTable.reduce((a, b) => ((b.lastReplicatedHeartbeatAt as number) < (a.lastReplicatedHeartbeatAt as number) ? b : a))
    : undefined;
  const exposureSeconds = worst?.exposureSeconds ?? null;
  const peerHeartbeatAgeSeconds = worst?.heartbeatAgeSeconds ?? null;
  const lastReplicatedHeartbeatAt = worst?.lastReplicatedHeartbeatAt ?? null;
  if (worst && exposureSeconds !== null && exposureSeconds > input.rpoSeconds) {
    problems.push(
      `RPO exposure ${exposureSeconds} s exceeds the objective of ${input.rpoSeconds} s (${worst.table} table: ${input.peerRegion}'s heartbeat here is ${peerHeartbeatAgeSeconds} s old)`,
    );
  }
  const verdict: ReplicationVerdict = !replicasActive
    ? "replica-not-ready"
    : exposureSeconds === null || exposureSeconds > input.rpoSeconds
      ? "lag-exceeded"
      : "ok";
  const perTable = `per table (exposure / ${input.peerRegion} heartbeat age): ${exposureByTable
    .map((t) => `${t.table} ${t.exposureSeconds === null ? "unknown" : `${t.exposureSeconds} s / ${t.heartbeatAgeSeconds} s`}`)
    .join(", ")}`;
  const summary =
    verdict === "ok"
      ? `replicas ACTIVE; RPO exposure ${exposureSeconds} s (objective ${input.rpoSeconds} s), the ${worst?.table} table's; ${perTable}`
      : `${problems.join("; ")}${exposureByTable.length > 0 ? `; ${perTable}` : ""}`;
  return {
    verdict,
    replicasActive,
    exposureSeconds,
    peerHeartbeatAgeSeconds,
    lastReplicatedHeartbeatAt,
    lastSeenHealthyAt,
    // Unknown start when some table cannot be bounded: everything up to now is in doubt.
    inDoubtWindow: { from: lastReplicatedHeartbeatAt, to: input.now },
    rpoSeconds: input.rpoSeconds,
    exposureByTable,
    problems,
    summary,
  };
}

/** What a strong-mode region found when it tried to read and write the control table strongly. */
export interface QuorumProbe {
  /** A strongly consistent read of the authority succeeded (the latest version, from any region). */
  read: boolean;
  /** A write to this region's quorum item was acknowledged (durable in a second region); "not-tested" in a dry-run, which writes nothing. */
  write: boolean | "not-tested";
  /** The first error, when either failed. */
  error?: string;
}

/**
 * Strong mode (MRSC): every acknowledged write is durable in a second region before it is
 * acknowledged, and a strong read here returns it, so nothing acknowledged can be missing: the
 * exposure is 0 by construction. What remains is whether THIS region can take writes — it can only
 * if it reaches its peer or the witness — and the in-doubt window: requests the old writer received
 * but never answered (timed out) from when the local canary last saw it healthy until now, which
 * clients replay with their idempotency keys.
 */
export function assessStrongReplication(input: {
  tables: TableReplicaStatus[];
  quorum: QuorumProbe;
  probe: ProbeRecord | undefined;
  now: number;
  rpoSeconds: number;
  peerRegion: string;
}): ReplicationAssessment {
  const problems: string[] = [];
  for (const t of input.tables) {
    if (t.error !== undefined) problems.push(`${t.table} table ${t.tableName}: DescribeTable failed: ${t.error}`);
    else if (!replicaIsActive(t)) problems.push(`${t.table} table ${t.tableName} is ${t.tableStatus}, not ACTIVE`);
  }
  if (!input.quorum.read || input.quorum.write === false) {
    problems.push(
      `this region cannot ${input.quorum.read ? "write" : "read"} strongly (${input.quorum.error ?? "no answer"}): it reaches neither ${input.peerRegion} nor the witness, so it cannot take writes`,
    );
  }
  const replicasActive =
    input.tables.length > 0 && input.tables.every(replicaIsActive) && input.quorum.read && input.quorum.write !== false;
  // From the last probe that found the peer healthy (as stated above), not the first failing one:
  // a request sent in between may be one it never answered. The first failure only without a healthy probe.
  const from = input.probe?.lastHealthyAt ?? input.probe?.firstFailedAt ?? null;
  return {
    verdict: replicasActive ? "ok" : "replica-not-ready",
    replicasActive,
    exposureSeconds: 0,
    peerHeartbeatAgeSeconds: null,
    lastReplicatedHeartbeatAt: null,
    lastSeenHealthyAt: input.probe?.lastHealthyAt ?? null,
    inDoubtWindow: { from, to: input.now },
    rpoSeconds: input.rpoSeconds,
    problems,
    summary: replicasActive
      ? `strongly consistent tables: this region ${input.quorum.write === "not-tested" ? "reads with a quorum (the write is not tried: a dry-run changes nothing)" : "reads and writes with a quorum"}; RPO exposure 0 s for acknowledged payments (objective ${input.rpoSeconds} s); requests ${input.peerRegion} left unanswered${from === null ? "" : ` since ${new Date(from).toISOString()}`} are in doubt until clients retry them with their idempotency keys`
      : problems.join("; "),
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

// ---------------------------------------------------------------------------------------------
// Epochs
// ---------------------------------------------------------------------------------------------

/** A region becoming ACTIVE takes a new generation: one past every epoch it knows of. */
export function nextActiveEpoch(local: RegionRecord | undefined, peer: RegionRecord | undefined): number {
  return Math.max(local?.epoch ?? 0, peer?.epoch ?? 0) + 1;
}

// ---------------------------------------------------------------------------------------------
// DNS witness
// ---------------------------------------------------------------------------------------------

/** TXT answers arrive as chunks per record; each record's chunks are joined, then trimmed. */
export function witnessRegions(records: string[][]): string[] {
  return records.map((chunks) => chunks.join("").trim()).filter((s) => s.length > 0);
}

/** The witness confirms a region only when every answer names it (a mixed answer is not a shift). */
export function witnessConfirms(answers: string[], expectedRegion: string): boolean {
  return answers.length > 0 && answers.every((a) => a === expectedRegion);
}

export interface NameServerEntry {
  /** Exactly what setServers() accepts, or undefined when the entry is a host name to resolve. */
  address?: string;
  host?: string;
  port?: number;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Parses one `ZONE_NAME_SERVERS` entry: `ip`, `ip:port`, `[ipv6]:port`, `ipv6`, or a host name
 * (optionally `host:port`) that must be resolved to an address first.
 */
export function parseNameServer(entry: string): NameServerEntry {
  const s = entry.trim().replace(/\.$/, "");
  if (IPV4.test(s)) return { address: s };
  const v4Port = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(s);
  if (v4Port) return { address: s };
  if (/^\[[0-9a-fA-F:]+\](:\d+)?$/.test(s)) return { address: s };
  if (/^[0-9a-fA-F:]+$/.test(s) && s.includes(":")) return { address: s };
  const hostPort = /^([A-Za-z0-9.-]+):(\d+)$/.exec(s);
  if (hostPort) return { host: hostPort[1], port: Number(hostPort[2]) };
  return { host: s };
}

// ---------------------------------------------------------------------------------------------
// Drill detection
// ---------------------------------------------------------------------------------------------

export interface DetectionResult {
  detected: boolean;
  /** Estimated time of the first failing probe after the drain. */
  detectedAt: number | null;
  detectionSeconds: number | null;
  consecutiveFailures: number;
}

/**
 * The local canary has detected the drained peer when a probe after the drain failed. The probe
 * record keeps only the latest probe and a failure count, so the first failure is estimated as
 * `lastCheckedAt − (failures − 1) × probe interval`, never earlier than the drain itself.
 */
export function detectionFromProbe(probe: ProbeRecord | undefined, drainedAt: number, probeIntervalMs: number): DetectionResult {
  if (!probe || probe.lastCheckedAt <= drainedAt || probe.consecutiveFailures < 1) {
    return { detected: false, detectedAt: null, detectionSeconds: null, consecutiveFailures: probe?.consecutiveFailures ?? 0 };
  }
  const firstFailure = Math.max(drainedAt, probe.lastCheckedAt - (probe.consecutiveFailures - 1) * probeIntervalMs);
  return {
    detected: true,
    detectedAt: firstFailure,
    detectionSeconds: Math.round((firstFailure - drainedAt) / 100) / 10,
    consecutiveFailures: probe.consecutiveFailures,
  };
}
