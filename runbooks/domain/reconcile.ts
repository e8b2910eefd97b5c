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
 * - `writer-silent` (strong mode): the authority names the peer as writer, this region is FENCED
 *   (or DRAINED, not by itself), and for {@link WRITER_SILENT_GRACE_MS} the peer has neither answered
 *   a probe nor written its heartbeat, read strongly. On MRSC tables every write needs a quorum, and
 *   the peer's canary writes its heartbeat with every probe: a writer that wrote none for that long
 *   cannot commit a payment either (down, or cut off from the quorum), so restoring a writer here
 *   takes no traffic from a region that serves — provided Route 53 agrees: the DNS witness, asked
 *   of the zone's name servers, must no longer name the writer (its health checkers, outside both
 *   regions, find its /health failing; with both regions unhealthy the failover record fails open
 *   to the primary, https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html). (Found by the sweep: the secondary died after a failover,
 *   the fenced primary was back, and nobody was ACTIVE until the secondary returned; and seed 7:
 *   silence alone fired while the writer served, cut off from this region, its control-table
 *   writes refused.)
 *   Not in eventual mode: there a stale heartbeat in this replica may be replication's, not the
 *   writer's, and the writer may be serving.
 * Never while a DR run is running in this region. The execution name is deterministic per
 * condition, authority epoch and {@link RETRY_BUCKET_MS} window, so the same standing condition
 * starts one run per window (a run that failed is retried in the next window, not every minute).
 * The run itself decides (runbooks/domain/decisions.ts): the reconciler only says "look again".
 */
import { createHash } from "node:crypto";
import { type Authority, type ProbeRecord, regionView, writerOf } from "../../lib/control-schema";
import { drainedItself } from "./decisions";
import type { ExecutionInput } from "./run";

/** How long nobody may be ACTIVE before the reconciler acts: a failover's fence-to-promote step takes ~15 s. */
export const NO_WRITER_GRACE_MS = 60_000;
/** How long the peer must have failed every probe: the peer-health alarm's detection (3 × 10 s), which acts first when it can. */
export const UNREACHABLE_GRACE_MS = 30_000;
/**
 * How long a writer must have answered nothing and written nothing before a fenced region restores
 * a writer (strong mode): as long as nobody-ACTIVE is given, and twice the STANDBY region's grace —
 * a fenced region takes the writes back from a region the automation chose, so it waits out a
 * short outage (the sweep found a 30 s one ending just as the restoring run promoted).
 */
export const WRITER_SILENT_GRACE_MS = NO_WRITER_GRACE_MS;
/**
 * A standing condition starts at most one run per window. A minute: a run that failed on a fault
 * that has since cleared is tried again within about a minute, well inside the 5-minute RTO (it
 * was 5 minutes, and the sweep — seed 33, `--scenario full` — found nobody ACTIVE for 150 s after a
 * failover and a reconciler run both failed on a 30 s fault). A condition that keeps failing costs
 * one run, and one FAILED notification, a minute.
 */
export const RETRY_BUCKET_MS = 60_000;

export type ReconcileCondition = "no-writer" | "writer-unreachable" | "writer-silent";

export type ReconcilePlan =
  | { start: true; condition: ReconcileCondition; name: string; input: ExecutionInput; detail: string }
  /** `askWitness`: `writer-silent` holds but for the DNS witness, which was not given: ask it and plan again. */
  | { start: false; reason: string; askWitness?: true };

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
  /** The tables are MRSC (strong mode): a heartbeat read strongly is the writer's latest. */
  strongConsistency?: boolean;
  /** When the peer's canary last wrote its heartbeat, read strongly (undefined: none, or unreadable). */
  peerHeartbeatAt?: number;
  /**
   * The DNS witness (`_region.api.<zone>` TXT) as the zone's authoritative name servers answered it
   * just now: which region Route 53's own health checks route to. Asked only when `writer-silent`
   * otherwise holds (the plan says `askWitness`).
   */
  witness?: { answers: string[] } | { unanswered: true };
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
  } else if (writer === peerRegion && local && (local.state === "FENCED" || (local.state === "DRAINED" && !drainedItself(local, region)))) {
    if (!input.strongConsistency)
      return { start: false, reason: `${region} is ${local.state} and ${peerRegion} the writer: an operator fails back (eventual mode)` };
    if (input.peerHeartbeatAt === undefined)
      return { start: false, reason: `no heartbeat of the writer ${peerRegion} could be read: nothing says it stopped writing` };
    const writerSince = Date.parse(authority.changedAt[peerRegion] ?? authority.updatedAt);
    const answered = probe?.lastAnsweredAt ?? 0;
    const silentSince = Math.max(writerSince, answered, input.peerHeartbeatAt);
    const silentFor = probe && probe.consecutiveFailures > 0 ? now - silentSince : 0;
    if (silentFor < WRITER_SILENT_GRACE_MS)
      return { start: false, reason: `the writer ${peerRegion} answered or wrote within ${Math.round(silentFor / 1000)} s` };
    // Silence seen from here is not proof: a partition between the regions and a fault that refuses
    // only the control table's writes in the writer's region look the same from here, while the
    // writer still commits payments through the witness (the sweep found that: seed 7). Route 53's
    // health checkers are an observer of their own, from outside both regions: while its answer
    // still names the writer, the writer's /health (a strong read) passes and it serves.
    if (!input.witness)
      return { start: false, askWitness: true, reason: `the writer ${peerRegion} is silent here; the DNS witness decides` };
    if ("unanswered" in input.witness)
      return {
        start: false,
        reason: `the writer ${peerRegion} is silent here, but the DNS witness gave no answer: nothing says Route 53 stopped routing to it`,
      };
    if (input.witness.answers.includes(peerRegion))
      return {
        start: false,
        reason: `the writer ${peerRegion} is silent here, but Route 53 still routes to it (the DNS witness names it): it serves`,
      };
    condition = "writer-silent";
    detail = `the writer ${peerRegion} has answered no probe from ${region} and written no heartbeat for ${Math.round(silentFor / 1000)} s, and Route 53 no longer routes to it (the DNS witness answers ${input.witness.answers.join(", ") || "nothing"}); ${region} is ${local.state}`;
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
