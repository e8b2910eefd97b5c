/**
 * Sets the PEER region's record: FENCED (failover, and the secondary during failback), DRAINED
 * (a drill drains the primary) or STANDBY (the secondary at the end of a failback).
 *
 * - `via: "local"` writes the local replica — the only thing a failover may rely on; the fence
 *   reaches the peer whenever replication does. `via: "peer"` writes the peer's own replica through
 *   the DR operations role — failback uses it so the secondary stops taking writes *before* the
 *   sentinel is written there.
 * - Conditional on the peer's epoch as read by AssessRegions (EpochConflictError if it moved);
 *   the epoch itself is kept: only a region becoming ACTIVE takes a new epoch.
 * - Fencing or draining the PRIMARY also publishes PrimaryFenced=1 in this (the secondary)
 *   region: the alarm behind the primary's Route 53 health check, which moves DNS.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { localAndPeerControlTables } from "../../domain/dynamodb";
import { createLogger, stepHandler } from "../../domain/handler";
import { primaryFencedDatum } from "../../domain/metrics";
import { runSchema } from "../../domain/run";
import { assessmentSchema } from "../../domain/steps";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("set-peer-state");
const { local: localTable, peer: peerTable } = localAndPeerControlTables({
  localRegion: env.LOCAL_REGION,
  peerRegion: env.PEER_REGION,
  tableName: env.CONTROL_TABLE,
  drOperationsRoleArn: env.DR_OPERATIONS_ROLE_ARN,
  sessionName: "set-peer-state",
});
const cloudwatch = awsClient(CloudWatchClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("set-peer-state");

const inputSchema = z.object({
  run: runSchema,
  state: z.enum(["FENCED", "DRAINED", "STANDBY"]),
  via: z.enum(["local", "peer"]),
  assessment: assessmentSchema,
});

export const handler = stepHandler("set-peer-state", inputSchema, logger, async ({ run, state, via, assessment }) => {
  const peer = assessment.peer;
  const table = via === "local" ? localTable : peerTable;
  const record = await table.transitionRegion({
    region: env.PEER_REGION,
    state,
    reason: `${run.mode} ${run.executionName}: ${state} by ${run.region}`,
    executionId: run.executionId,
    expectedEpoch: peer ? peer.epoch : null,
    epoch: peer ? peer.epoch : 0,
  });
  const changedAt = Date.parse(record.updatedAt);
  let fenceMetric: { region: string; value: number; publishedAt: number } | null = null;
  if (env.PEER_REGION === env.PRIMARY_REGION && (state === "FENCED" || state === "DRAINED")) {
    const publishedAt = Date.now();
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: env.METRIC_NAMESPACE,
        MetricData: [primaryFencedDatum({ environment: env.ENVIRONMENT, fenced: true, at: publishedAt })],
      }),
    );
    fenceMetric = { region: env.LOCAL_REGION, value: 1, publishedAt };
  }
  return {
    region: env.PEER_REGION,
    state,
    ...(peer ? { previousState: peer.state } : {}),
    epoch: record.epoch,
    changedAt,
    via,
    fenceMetric,
  };
});
