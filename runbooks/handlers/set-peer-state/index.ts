/**
 * Sets the PEER region's record: FENCED (failover, and the secondary during failback), DRAINED
 * (a drill drains the primary) or STANDBY (the secondary at the end of a failback).
 *
 * - `via: "local"` writes the local replica — the only thing a failover may rely on; the fence
 *   reaches the peer whenever replication does. `via: "peer"` writes the peer's own replica through
 *   the DR operations role — failback uses it so the secondary stops taking writes *before* the
 *   sentinel is written there.
 * - A transition of the authority, conditional on the epoch AssessRegions read or on this run
 *   having made the last transition (EpochConflictError if another run moved it). In strong mode a
 *   failback's "fence" of the secondary is a handover: the primary ACTIVE and the secondary STANDBY,
 *   in one transition.
 * - Eventual mode, a planned move (a failback's fence of the secondary, a drill's drain of the
 *   primary): the transition records the handover to this region (`handoverSchema`), ended by the
 *   next transition (the promotion) or by its window.
 * - Fencing or draining the PRIMARY also publishes PrimaryFenced=1 in this (the secondary)
 *   region: the alarm behind the primary's Route 53 health check, which moves DNS.
 * - A failover whose peer is not ACTIVE (nobody writes: a run stopped halfway) leaves the peer as it
 *   is: there is no writer to stop, and a STANDBY peer stays able to take over later.
 * - An AUTOMATIC failover re-verifies the peer immediately before fencing it: if this region's
 *   canary saw the peer answer healthy within the last {@link RECENT_PROBE_MS} (the alarm's
 *   condition no longer holds: a blip that ended, an approval given long after the page), it
 *   changes nothing and fails with PeerRecoveredError. An operator's failover is never second-guessed.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { PLANNED_HANDOVER_WINDOW_SECONDS, type RegionRecord, regionView } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { localAndPeerControlTables } from "../../domain/dynamodb";
import { RECENT_PROBE_MS } from "../../domain/decisions";
import { PeerRecoveredError } from "../../domain/errors";
import { createLogger, stepHandler } from "../../domain/handler";
import { primaryFencedDatum } from "../../domain/metrics";
import { runSchema } from "../../domain/run";
import { assessmentSchema } from "../../domain/steps";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("set-peer-state");
const { local: localTable, peer: peerTable } = localAndPeerControlTables({
  localRegion: env.LOCAL_REGION,
  peerRegion: env.PEER_REGION,
  tableName: env.CONTROL_TABLE,
  drOperationsRoleArn: env.DR_OPERATIONS_ROLE_ARN,
  sessionName: "set-peer-state",
});
const cloudwatch = awsClient(CloudWatchClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const strong = env.DATA_CONSISTENCY === "strong";
const logger = createLogger("set-peer-state");

const inputSchema = z.object({
  run: runSchema,
  state: z.enum(["FENCED", "DRAINED", "STANDBY"]),
  via: z.enum(["local", "peer"]),
  /**
   * Eventual mode, a planned move: only announce it — record the handover (to this region) without
   * changing any region's state, so the peer's payment path re-reads the authority every second
   * before `state` is set by the next step. Strong mode: nothing is written (`announced: false`).
   */
  announce: z.optional(z.boolean()),
  assessment: assessmentSchema,
});

/** Throws PeerRecoveredError when the local canary's latest probe, taken within RECENT_PROBE_MS, found the peer healthy. */
async function verifyPeerStillDown(run: z.infer<typeof runSchema>): Promise<void> {
  const probe = await localTable.getProbe(run.region, run.peerRegion, { consistentRead: true }).catch(() => undefined);
  const now = Date.now();
  if (probe && probe.consecutiveFailures === 0 && probe.lastHealthyAt !== undefined && now - probe.lastHealthyAt <= RECENT_PROBE_MS) {
    throw new PeerRecoveredError(
      `${run.peerRegion} answered /health healthy ${Math.round((now - probe.lastHealthyAt) / 1000)} s ago (this region's canary): ` +
        "the condition that started this automatic failover no longer holds; nothing was fenced",
    );
  }
}

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(localTable, "set-peer-state");

export const handler = stepHandler(
  "set-peer-state",
  inputSchema,
  logger,
  async ({ run, state, via, announce, assessment }) => {
    const peer = assessment.peer;
    if (announce) return announceHandover(run, state, via, peer);
    // A failover fences the WRITER. A peer that is not ACTIVE (no region writes: a run stopped
    // halfway) has nothing to stop: it keeps its state — a STANDBY peer stays able to take over later.
    const peerIsWriter = peer?.state === "ACTIVE";
    if (state === "FENCED" && run.mode === "failover" && !peerIsWriter && peer) return unchanged(peer, via);
    if (state === "FENCED" && run.mode === "failover" && run.automatic) await verifyPeerStillDown(run);
    // Strong mode writes every transition through the local replica: on MRSC tables a conditional
    // write is checked against the latest version in any region and committed with a quorum, so the
    // peer's endpoint adds nothing but a dependency on the peer being up — which a failback cannot
    // assume (the sweep found the secondary, the writer, dead for 160 s: each failback retried its
    // handover against it for a minute and failed, nobody ACTIVE). Eventual mode must stop the peer
    // in the peer's own replica (its containers read that one), so it keeps `via`.
    const writtenVia = via === "local" || strong ? "local" : "peer";
    const table = writtenVia === "local" ? localTable : peerTable;
    // Strong mode, failback: a handover — the primary ACTIVE and the secondary STANDBY in ONE
    // transition. Nothing acknowledged can be missing here (MRSC: every acknowledged write is durable
    // in two regions and strong reads see it), so there is no replication to wait for, and no moment
    // when neither region may write. The secondary redirects payments to the writer (307) from its
    // next authority read, and as STANDBY it can take over again should this region fail right after.
    // A drill's drain is a handover too (the primary DRAINED, this region ACTIVE): a planned move
    // costs clients that follow the redirect no gap; PromoteSecondary then finds it made.
    const handoverTo =
      strong && run.mode === "failback" && state === "FENCED"
        ? "STANDBY"
        : strong && run.mode === "drill" && state === "DRAINED"
          ? "DRAINED"
          : undefined;
    // Eventual mode cannot hand over in one transition (MREC: no condition holds across regions), so
    // a planned move stops the peer first and promotes this region once replication is proven. The
    // stopping transition records the move, so both regions tell refused clients to retry in a
    // second, not thirty, until the promotion reaches them or the window closes (write-guard.ts).
    const handover =
      !strong && ((run.mode === "failback" && state === "FENCED") || (run.mode === "drill" && state === "DRAINED"))
        ? { from: env.PEER_REGION, to: run.region, until: new Date(Date.now() + PLANNED_HANDOVER_WINDOW_SECONDS * 1000).toISOString() }
        : undefined;
    const authority = await table.transition({
      states: handoverTo ? { [env.PEER_REGION]: handoverTo, [run.region]: "ACTIVE" } : { [env.PEER_REGION]: state },
      ...(handover ? { handover } : {}),
      reason: handoverTo
        ? `${run.mode} ${run.executionName}: handover — ${run.region} ACTIVE, ${env.PEER_REGION} ${handoverTo}, in one transition`
        : `${run.mode} ${run.executionName}: ${env.PEER_REGION} ${state} by ${run.region}`,
      executionId: run.executionId,
      expectedEpoch: peer ? peer.epoch : null,
    });
    const record = regionView(authority, env.PEER_REGION) as RegionRecord;
    return {
      region: env.PEER_REGION,
      state: record.state,
      ...(peer ? { previousState: peer.state } : {}),
      epoch: record.epoch,
      changedAt: Date.parse(record.updatedAt),
      via: writtenVia,
      fenceMetric: await publishFence(record.state),
      // The failback's machine branches on this: a handover is its own proof (MRSC), no sentinel.
      handover: handoverTo !== undefined,
    };
  },
  { lease },
);

/**
 * The first transition of eventual mode's planned move (a failback's, a drill's): the handover to
 * this region recorded, every state as it is. Written where the stop will be (`via`), so the
 * containers that must stop read it there first. Nothing to announce in strong mode (the move is
 * one transition), when this is not a planned move, or when the peer is not the writer.
 */
async function announceHandover(
  run: z.infer<typeof runSchema>,
  state: "FENCED" | "DRAINED" | "STANDBY",
  via: "local" | "peer",
  peer: RegionRecord | undefined,
) {
  const planned = (run.mode === "failback" && state === "FENCED") || (run.mode === "drill" && state === "DRAINED");
  // Where the stop that follows is written: through the peer's own replica after an announcement
  // (the settle is counted from the stop's commit there), else where it always was (local).
  if (strong || !planned || peer?.state !== "ACTIVE") return { announced: false, region: env.PEER_REGION, via, stopVia: "local" as const };
  const table = via === "local" ? localTable : peerTable;
  const authority = await table.transition({
    states: {},
    handover: { from: env.PEER_REGION, to: run.region, until: new Date(Date.now() + PLANNED_HANDOVER_WINDOW_SECONDS * 1000).toISOString() },
    reason: `${run.mode} ${run.executionName}: handover from ${env.PEER_REGION} to ${run.region} announced; ${env.PEER_REGION} ${state} next`,
    executionId: run.executionId,
    expectedEpoch: peer.epoch,
  });
  return {
    announced: true,
    region: env.PEER_REGION,
    via,
    stopVia: via,
    epoch: authority.epoch,
    changedAt: Date.parse(authority.updatedAt),
  };
}

/** The peer left as it is (it was not the writer); the fence metric still follows its state. */
async function unchanged(peer: RegionRecord, via: "local" | "peer") {
  return {
    region: env.PEER_REGION,
    state: peer.state,
    previousState: peer.state,
    epoch: peer.epoch,
    changedAt: Date.parse(peer.updatedAt),
    via,
    fenceMetric: await publishFence(peer.state),
    handover: false,
  };
}

/** Fencing or draining the PRIMARY publishes PrimaryFenced=1 here: the alarm behind its Route 53 guard. */
async function publishFence(peerState: RegionRecord["state"]): Promise<{ region: string; value: number; publishedAt: number } | null> {
  if (env.PEER_REGION !== env.PRIMARY_REGION || (peerState !== "FENCED" && peerState !== "DRAINED")) return null;
  const publishedAt = Date.now();
  await cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: env.METRIC_NAMESPACE,
      MetricData: [primaryFencedDatum({ environment: env.ENVIRONMENT, fenced: true, at: publishedAt })],
    }),
  );
  return { region: env.LOCAL_REGION, value: 1, publishedAt };
}
