/**
 * The reconciler's decision: level-triggered recovery of conditions no alarm transition reports.
 *
 * CloudWatch alarms start runs on a transition into ALARM (EventBridge, runbooks/domain/trigger.ts).
 * A condition that outlives the run it started — or arises while the alarm is already in ALARM —
 * never fires again: a failback whose region died after fencing the secondary leaves nobody ACTIVE
 * with the secondary's peer-health alarm still in ALARM from the first outage; a writer that dies
 * moments after a handover may do so before its peer's alarm ever went back to OK. After every
 * canary probe (the canary ticker) the reconciler looks at what it can read itself and starts an
 * automatic run when the situation is actionable:
 * - `no-writer`: the authority has named no ACTIVE region for {@link NO_WRITER_GRACE_MS};
 * - `writer-unreachable`: the authority names the peer as writer, this region is STANDBY, and the
 *   local canary has failed to reach the peer continuously for {@link UNREACHABLE_GRACE_MS}.
 * Never while a DR run is running in this region. The execution name is deterministic per
 * condition, authority epoch and {@link RETRY_BUCKET_MS} window, so the same standing condition
 * starts one run per window (a run that failed is retried in the next window, not every minute).
 * The run itself decides (runbooks/domain/decisions.ts): the reconciler only says "look again".
 */
import { createHash } from "node:crypto";
import { type Authority, type ProbeRecord, regionView, writerOf } from "../../lib/control-schema";
import type { ExecutionInput } from "./run";

/** How long nobody may be ACTIVE before the reconciler acts: a failover's fence-to-promote step takes ~15 s. */
export const NO_WRITER_GRACE_MS = 60_000;
/** How long the peer must have failed every probe: the peer-health alarm's detection (3 × 10 s), which acts first when it can. */
export const UNREACHABLE_GRACE_MS = 30_000;
/** A standing condition starts at most one run per window. */
export const RETRY_BUCKET_MS = 5 * 60_000;

export type ReconcileCondition = "no-writer" | "writer-unreachable";

export type ReconcilePlan =
  | { start: true; condition: ReconcileCondition; name: string; input: ExecutionInput; detail: string }
  | { start: false; reason: string };

export interface ReconcileInput {
  region: string;
  peerRegion: string;
  now: number;
  /** The authority read strongly; undefined when it could not be read (then nothing is started). */
  authority: Authority | undefined;
  /** This region's canary's record of its probes of the peer. */
  probe: ProbeRecord | undefined;
  /** A DR execution is RUNNING in this region. */
  running: boolean;
}

export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const { authority, probe, region, peerRegion, now } = input;
  if (!authority) return { start: false, reason: "the authority could not be read strongly: nothing to judge from" };
  if (input.running) return { start: false, reason: `a DR run is already running in ${region}` };
  const writer = writerOf(authority);
  const local = regionView(authority, region);
  let condition: ReconcileCondition;
  let detail: string;
  if (writer === undefined) {
    const since = now - Date.parse(authority.updatedAt);
    if (since < NO_WRITER_GRACE_MS)
      return { start: false, reason: `no region ACTIVE for ${Math.round(since / 1000)} s (a transition may be under way)` };
    condition = "no-writer";
    detail = `no region has been ACTIVE for ${Math.round(since / 1000)} s (last transition by ${authority.executionId}: ${authority.reason})`;
  } else if (writer === peerRegion && local?.state === "STANDBY") {
    // Failing since it became the writer, not before (a fenced region answers 503 until handed back).
    const writerSince = Date.parse(authority.changedAt[peerRegion] ?? authority.updatedAt);
    const failingFor =
      probe && probe.consecutiveFailures > 0 && probe.firstFailedAt !== undefined ? now - Math.max(probe.firstFailedAt, writerSince) : 0;
    if (failingFor < UNREACHABLE_GRACE_MS)
      return { start: false, reason: `the writer ${peerRegion} answers (or has failed only ${Math.round(failingFor / 1000)} s)` };
    condition = "writer-unreachable";
    detail = `the writer ${peerRegion} has failed every probe from ${region} for ${Math.round(failingFor / 1000)} s`;
  } else {
    return { start: false, reason: `nothing to reconcile: ${writer} is ACTIVE, ${region} is ${local?.state ?? "unknown"}` };
  }
  const bucket = Math.floor(now / RETRY_BUCKET_MS);
  const digest = createHash("sha256").update(`${region}|${condition}|${authority.epoch}|${bucket}`).digest("hex").slice(0, 16);
  const name = `reconcile-${condition}-${region}-${digest}`;
  return {
    start: true,
    condition,
    name,
    detail,
    input: {
      mode: "failover",
      targetRegion: region,
      reason: `reconciler: ${detail}`,
      trigger: {
        source: "reconcile",
        condition,
        detail: detail.slice(0, 500),
        observedAt: new Date(now).toISOString(),
        subjectRegion: peerRegion,
        epoch: authority.epoch,
      },
    },
  };
}
