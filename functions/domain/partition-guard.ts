/**
 * Eventual mode's partition guard: the writer refuses payments when it cannot reach its peer and
 * Route 53 names the peer (DESIGN.md, "Coordination across regions"; docs/architecture.md,
 * "Eventual mode: the partition guard").
 *
 * Why it is needed: on MREC tables each region reads its own replica of the authority, so a
 * primary cut off from the secondary never sees the fence the secondary wrote, and goes on
 * accepting payments after the secondary's promotion (two writers; what it acknowledges cannot
 * leave it). Route 53 is the one party both sides can still ask: its name servers answer the same
 * from anywhere, its health checkers probe from many regions, and the secondary's fence reaches it
 * through the fence alarm's health check. When the DNS witness names the peer, Route 53 is already
 * sending new clients there; when the peer also does not answer us, we may be the cut-off side of a
 * promotion and must not write.
 *
 * The evidence is the canary's probe record of the peer in the local control-table replica (the
 * probe's outcome and the witness's answer, asked together: runbooks/handlers/canary), read at
 * most once per cache bound per container. The payment path makes no DNS query and no call to the
 * peer: per request it costs a comparison, and one local GetItem per cache bound.
 *
 * The truth table ({@link partitionDecision}; evidence older than {@link evidenceMaxAgeMs} counts as none):
 *
 * | peer (canary's probes)              | DNS witness (same probe)         | payments                          |
 * |-------------------------------------|----------------------------------|-----------------------------------|
 * | answered the latest probe (any HTTP status) | anything (unanswered too) | accepted: a reachable peer's authority replicates, and DNS alone must never stop payments |
 * | silent for one probe only           | anything                         | accepted: one lost probe is noise |
 * | silent for ≥ 2 probes               | names the peer only              | refused: 307 to the peer (`PEER_PROMOTED`) |
 * | silent for ≥ 2 probes               | names this region (or both)      | accepted: Route 53 still sends clients here; the peer is down, not promoted |
 * | silent for ≥ 2 probes               | answered, naming nobody          | accepted: the servers answered and name no writer; nothing says the peer was promoted |
 * | silent for ≥ 2 probes               | no answer from any name server   | refused: 503 (`PEER_AND_WITNESS_UNREACHABLE`), fail closed: nothing tells this region it is still the writer |
 * | silent for ≥ 2 probes               | not asked with that probe        | accepted: evidence missing, as below |
 * | no record, unreadable, or stale     | —                                | accepted: the canary not running must not stop payments (its own alarms say it stopped) |
 */
import type { ControlReader } from "../../lib/control-reader";
import type { ProbeRecord } from "../../lib/control-schema";
import { errorName } from "../../lib/observability";

/** Why the partition guard refused (API clients see it as `reason`). */
export type PartitionRefusal = "PEER_PROMOTED" | "PEER_AND_WITNESS_UNREACHABLE";

export type PartitionDecision =
  | { allowed: true; basis: string }
  | { allowed: false; reason: PartitionRefusal; detail: string; retryAfterSeconds: number; writer?: string };

/** A peer silent for this many consecutive probes is unreachable (one missed probe is not). */
export const SILENT_PROBES_FOR_UNREACHABLE = 2;
/** Evidence older than this many probe intervals is stale: the canary is not running. */
export const STALE_AFTER_PROBES = 3;

export interface PartitionContext {
  region: string;
  peer: string;
  now: number;
  /** 60 s / the canary's probes per minute. */
  probeIntervalMs: number;
}

export function evidenceMaxAgeMs(probeIntervalMs: number): number {
  return STALE_AFTER_PROBES * probeIntervalMs;
}

/**
 * How long the peer has gone without answering a probe, in probes (0 when the latest probe got an
 * answer). The record keeps the latest probe and a failure count: consecutive failures since the
 * last answer are the silent ones (a peer answering 503 is failing but not silent).
 */
export function silentProbes(probe: ProbeRecord, probeIntervalMs: number): number {
  if (probe.lastStatus > 0) return 0;
  if (probe.lastAnsweredAt === undefined) return probe.consecutiveFailures;
  // Probes since the last answer, estimated from the interval (half an interval of slack for the ticker's timing).
  const sinceAnswer = Math.floor((probe.lastCheckedAt - probe.lastAnsweredAt + probeIntervalMs / 2) / probeIntervalMs);
  return Math.min(probe.consecutiveFailures, Math.max(1, sinceAnswer));
}

/** The decision, from the canary's record (undefined: none, or unreadable). Pure; table-tested. */
export function partitionDecision(probe: ProbeRecord | undefined, ctx: PartitionContext): PartitionDecision {
  if (!probe) return { allowed: true, basis: "no probe record of the peer" };
  const age = ctx.now - probe.lastCheckedAt;
  if (age > evidenceMaxAgeMs(ctx.probeIntervalMs)) {
    return { allowed: true, basis: `the canary's last probe is ${Math.round(age / 1000)} s old (stale)` };
  }
  const silent = silentProbes(probe, ctx.probeIntervalMs);
  if (silent === 0) return { allowed: true, basis: `${ctx.peer} answered the latest probe (HTTP ${probe.lastStatus})` };
  if (silent < SILENT_PROBES_FOR_UNREACHABLE) return { allowed: true, basis: `${ctx.peer} missed one probe` };
  // The canary asks the witness with every probe and stores both in one write; a record whose
  // witness is older than its probe was written by a canary that did not ask (evidence missing).
  if (probe.witnessCheckedAt === undefined || probe.witnessCheckedAt < probe.lastCheckedAt) {
    return { allowed: true, basis: `${ctx.peer} unreachable, but the canary did not ask the DNS witness with that probe` };
  }
  const answers = probe.witnessAnswers;
  if (answers === undefined) {
    return {
      allowed: false,
      reason: "PEER_AND_WITNESS_UNREACHABLE",
      detail: `${ctx.peer} has not answered ${silent} probes and no Route 53 name server answered the DNS witness: ${ctx.region} cannot tell whether ${ctx.peer} was promoted`,
      retryAfterSeconds: 5,
    };
  }
  if (answers.length > 0 && answers.every((a) => a === ctx.peer)) {
    return {
      allowed: false,
      reason: "PEER_PROMOTED",
      detail: `${ctx.peer} has not answered ${silent} probes and Route 53's DNS witness names ${ctx.peer}: ${ctx.region} may be the cut-off side of a failover`,
      retryAfterSeconds: 0,
      writer: ctx.peer,
    };
  }
  return {
    allowed: true,
    basis: `${ctx.peer} unreachable, but the DNS witness names ${answers.length > 0 ? answers.join(",") : "nobody"}`,
  };
}

/**
 * The canary's probe record of the peer, read from the local replica at most once per `ttlMs`
 * (counted from when the read was sent, like the authority's cache). A failed read is not cached
 * and counts as no record: the authority's own guard already refuses when the control table
 * cannot be read.
 */
export class PartitionGuard {
  private cached: { probe: ProbeRecord | undefined; readAt: number } | undefined;

  constructor(
    private readonly table: ControlReader,
    private readonly context: Omit<PartitionContext, "now">,
    private readonly ttlMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async check(): Promise<PartitionDecision & { readError?: string }> {
    const sentAt = this.now();
    let readError: string | undefined;
    if (!this.cached || sentAt - this.cached.readAt >= this.ttlMs) {
      try {
        const probe = await this.table.getProbe(this.context.region, this.context.peer, { consistentRead: true });
        this.cached = { probe, readAt: sentAt };
      } catch (error) {
        this.cached = undefined;
        readError = errorName(error);
      }
    }
    const decision = partitionDecision(this.cached?.probe, { ...this.context, now: this.now() });
    return readError ? { ...decision, readError } : decision;
  }
}
