/**
 * Compensation on the failure path of a failback or a drill, so a failed run never leaves both
 * regions unable to take writes:
 *
 * - `reactivate-peer` (failback, after fencing the secondary, before the primary became ACTIVE):
 *   the secondary goes back to ACTIVE (the authority's next epoch), written through the secondary,
 *   falling back to the local replica if the secondary cannot be reached (not if another run
 *   changed the authority meanwhile: that run's decision stands).
 * - `undrain-peer` (drill, after draining the primary, before the secondary became ACTIVE): the
 *   primary goes back to ACTIVE (new epoch) and PrimaryFenced=0 is published here.
 *
 * Both first re-read the authority: if this region did become ACTIVE (say the promotion's response
 * was lost), or the last transition was not this run's, nothing is changed.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { EpochConflictError, type RegionRecord } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { describeError } from "../../domain/errors";
import { localAndPeerControlTables } from "../../domain/dynamodb";
import { createLogger, stepHandler } from "../../domain/handler";
import { primaryFencedDatum } from "../../domain/metrics";
import { runSchema, type Run } from "../../domain/run";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("compensate");
const { local: localTable, peer: peerTable } = localAndPeerControlTables({
  localRegion: env.LOCAL_REGION,
  peerRegion: env.PEER_REGION,
  tableName: env.CONTROL_TABLE,
  drOperationsRoleArn: env.DR_OPERATIONS_ROLE_ARN,
  sessionName: "compensate",
});
const cloudwatch = awsClient(CloudWatchClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("compensate");

const inputSchema = z.object({ run: runSchema, action: z.enum(["reactivate-peer", "undrain-peer"]) });

type Outcome = { changed: boolean; detail: string };

async function reactivatePeer(run: Run, peer: RegionRecord | undefined): Promise<Outcome> {
  if (peer?.state !== "FENCED" || peer.executionId !== run.executionId) {
    return {
      changed: false,
      detail: `${run.peerRegion} is ${peer?.state ?? "unknown"}${peer ? ` (set by ${peer.executionId})` : ""}; this run did not fence it, left as is`,
    };
  }
  const request = {
    region: run.peerRegion,
    state: "ACTIVE" as const,
    reason: `${run.executionName}: failback failed; ${run.peerRegion} reactivated`,
    executionId: run.executionId,
    expectedEpoch: peer.epoch,
  };
  try {
    const record = await peerTable.transitionRegion(request);
    return { changed: true, detail: `${run.peerRegion} back to ACTIVE at epoch ${record.epoch} (written through ${run.peerRegion})` };
  } catch (error) {
    if (error instanceof EpochConflictError) throw error;
    logger.warn("could not reactivate the peer through its own replica; writing the local replica", { error: describeError(error) });
    const record = await localTable.transitionRegion(request);
    return {
      changed: true,
      detail: `${run.peerRegion} back to ACTIVE at epoch ${record.epoch} (written locally; ${describeError(error)})`,
    };
  }
}

async function undrainPeer(run: Run, peer: RegionRecord | undefined): Promise<Outcome> {
  if (peer?.state !== "DRAINED" || peer.executionId !== run.executionId) {
    return { changed: false, detail: `${run.peerRegion} is ${peer?.state ?? "unknown"}; this run did not drain it, left as is` };
  }
  const { epoch } = await localTable.transitionRegion({
    region: run.peerRegion,
    state: "ACTIVE",
    reason: `${run.executionName}: drill failed before promotion; ${run.peerRegion} undrained`,
    executionId: run.executionId,
    expectedEpoch: peer.epoch,
  });
  let metric = "";
  if (run.peerRegion === env.PRIMARY_REGION) {
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: env.METRIC_NAMESPACE,
        MetricData: [primaryFencedDatum({ environment: env.ENVIRONMENT, fenced: false, at: Date.now() })],
      }),
    );
    metric = `; PrimaryFenced=0 in ${env.LOCAL_REGION}`;
  }
  return { changed: true, detail: `${run.peerRegion} back to ACTIVE at epoch ${epoch}${metric}` };
}

export const handler = stepHandler("compensate", inputSchema, logger, async ({ run, action }) => {
  const [local, peer] = await Promise.all([
    localTable.getRegion(run.region, { consistentRead: true }),
    action === "reactivate-peer"
      ? peerTable
          .getRegion(run.peerRegion, { consistentRead: true })
          .catch(() => localTable.getRegion(run.peerRegion, { consistentRead: true }))
      : localTable.getRegion(run.peerRegion, { consistentRead: true }),
  ]);
  if (local?.state === "ACTIVE" && local.executionId === run.executionId) {
    return {
      action,
      region: run.peerRegion,
      changed: false,
      detail: `${run.region} was already promoted by this run; ${run.peerRegion} left as is`,
    };
  }
  const outcome = action === "reactivate-peer" ? await reactivatePeer(run, peer) : await undrainPeer(run, peer);
  return { action, region: run.peerRegion, ...outcome };
});
