/**
 * CheckReplication — may the local region take over without losing more than the RPO?
 *
 * DescribeTable in the LOCAL region for the three global tables (table and local replica ACTIVE), then:
 * - strong mode (DATA_CONSISTENCY=strong, MRSC tables): can this region read and write strongly —
 *   a strongly consistent read of the authority and a write of its own quorum item, each of which
 *   fails in a region that reaches neither its peer nor the witness. Exposure is 0 by construction
 *   (`assessStrongReplication`);
 * - eventual mode: the peer's heartbeats as replicated into the local replica of EACH table — the
 *   control table's `heartbeat#<peer>` and the payments and idempotency tables' `dr-heartbeat#<peer>`
 *   (lib/replication-heartbeat.ts), every one written by the peer's canary on each probe — and the
 *   last time the local canary saw the peer healthy (`assessReplication`). The exposure is the
 *   worst table's: DynamoDB replicates each table on its own, so the control table's heartbeat says
 *   nothing of the payments table (issue 15). A table whose heartbeat is missing or unreadable
 *   leaves the exposure unknown, which is "lag-exceeded" (failover asks on-call). The output and
 *   the evidence report carry every table's figures (`exposureByTable`).
 *
 * Why heartbeats and not CloudWatch's ReplicationLatency (AWS/DynamoDB, dimensions TableName and
 * ReceivingRegion, "emitted for every source- and destination-Region pair",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_monitoring.html):
 * it measures writes that HAVE arrived, so writes stuck in flight (the very ones at risk) give no
 * datapoint until they land; its source region is not a dimension, so we read it — the harsher
 * reading — as published where the writes originate, i.e. in the region that has just failed;
 * and it is aggregated over five minutes (it is not among the one-minute metrics,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html), coarser
 * than the 60 s RPO objective. A heartbeat read from the LOCAL replica needs nothing of the failed
 * region and bounds what is missing: docs/protocol.md, "RPO exposure per table".
 *
 * `enforce: false` (failover, dry-run) returns the verdict and lets the state machine decide
 * (failover escalates to an approval); `enforce: true` (failback, drill) fails the step with
 * ReplicaNotReadyError / ReplicationLagExceededError.
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ControlTable } from "../../../lib/control-record";
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import { HEARTBEAT_DATA_TABLES } from "../../../lib/replication-heartbeat";
import * as z from "../../../lib/zod";
import { describeError, isTransientAwsError } from "../../domain/errors";
import { documentClient } from "../../domain/dynamodb";
import {
  assessReplication,
  assessStrongReplication,
  type PeerHeartbeatReading,
  type QuorumProbe,
  type TableReplicaStatus,
} from "../../domain/decisions";
import { ReplicationHeartbeats } from "../../domain/replication-heartbeats";
import { ReplicaNotReadyError, ReplicationLagExceededError } from "../../domain/errors";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("check-replication");
const rpoSeconds = intEnv("RPO_SECONDS", 0);
const strong = env.DATA_CONSISTENCY === "strong";
const dynamodb = awsClient(DynamoDBClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const doc = documentClient(env.LOCAL_REGION);
const table = new ControlTable(doc, env.CONTROL_TABLE);
const dataHeartbeats = new ReplicationHeartbeats(doc, { payments: env.PAYMENTS_TABLE, idempotency: env.IDEMPOTENCY_TABLE });
const logger = createLogger("check-replication");

const TABLES = [
  { table: "payments", tableName: env.PAYMENTS_TABLE },
  { table: "idempotency", tableName: env.IDEMPOTENCY_TABLE },
  { table: "control", tableName: env.CONTROL_TABLE },
];

async function describe(t: { table: string; tableName: string }): Promise<TableReplicaStatus> {
  try {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: t.tableName }));
    const replicas = out.Table?.Replicas ?? [];
    const local = replicas.find((r) => r.RegionName === env.LOCAL_REGION);
    const peer = replicas.find((r) => r.RegionName === env.PEER_REGION);
    return {
      ...t,
      tableStatus: out.Table?.TableStatus ?? "UNKNOWN",
      ...(local?.ReplicaStatus ? { localReplicaStatus: local.ReplicaStatus } : {}),
      ...(peer?.ReplicaStatus ? { peerReplicaStatus: peer.ReplicaStatus } : {}),
    };
  } catch (error) {
    // A throttle or a 5xx says nothing about the replica: the step fails as TransientAwsError and
    // the Task's Retry asks again. Only an answer (AccessDenied, ResourceNotFound...) is reported as
    // the table's state, which asks on-call. (The sweep, seed 29: one InternalServerError sent a
    // failover to the approval gate, and nobody was ACTIVE for 170 s.)
    if (isTransientAwsError(error)) throw error;
    return { ...t, tableStatus: "UNKNOWN", error: describeError(error) };
  }
}

/**
 * Eventual mode: the peer's heartbeat in this region's replica of every table, read strongly
 * consistent (the latest this replica holds; never crosses regions). A failed read is reported,
 * never taken for "no lag".
 */
async function peerHeartbeats(peerRegion: string): Promise<PeerHeartbeatReading[]> {
  const reading = async (t: string, read: () => Promise<{ writtenAt: number } | undefined>): Promise<PeerHeartbeatReading> => {
    try {
      const beat = await read();
      return beat ? { table: t, writtenAt: beat.writtenAt } : { table: t };
    } catch (error) {
      return { table: t, error: describeError(error) };
    }
  };
  return Promise.all([
    ...HEARTBEAT_DATA_TABLES.map((t) => reading(t, () => dataHeartbeats.get(t, peerRegion, { consistentRead: true }))),
    reading("control", () => table.getHeartbeat(peerRegion, { consistentRead: true })),
  ]);
}

/** Strong mode: one strongly consistent read and one acknowledged write, as the payment path needs them (a dry-run only reads). */
async function probeQuorum(region: string, readOnly: boolean): Promise<QuorumProbe> {
  try {
    await table.getAuthority({ consistentRead: true });
  } catch (error) {
    return { read: false, write: false, error: describeError(error) };
  }
  if (readOnly) return { read: true, write: "not-tested" };
  try {
    await table.writeQuorumProbe(region);
    return { read: true, write: true };
  } catch (error) {
    return { read: true, write: false, error: describeError(error) };
  }
}

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(table, "check-replication");

export const handler = stepHandler(
  "check-replication",
  z.object({ run: runSchema, enforce: z.boolean() }),
  logger,
  async ({ run, enforce }) => {
    const [tables, probe] = await Promise.all([
      Promise.all(TABLES.map(describe)),
      table.getProbe(run.region, run.peerRegion, { consistentRead: true }).catch(() => undefined),
    ]);
    const assessment = strong
      ? assessStrongReplication({
          tables,
          quorum: await probeQuorum(run.region, run.mode === "dry-run"),
          probe,
          now: Date.now(),
          rpoSeconds,
          peerRegion: run.peerRegion,
        })
      : assessReplication({
          tables,
          peerHeartbeats: await peerHeartbeats(run.peerRegion),
          probe,
          now: Date.now(),
          rpoSeconds,
          peerRegion: run.peerRegion,
        });
    logger.info("replication", {
      verdict: assessment.verdict,
      exposureSeconds: assessment.exposureSeconds,
      exposureByTable: assessment.exposureByTable,
    });
    if (enforce && assessment.verdict === "replica-not-ready") throw new ReplicaNotReadyError(assessment.summary);
    if (enforce && assessment.verdict === "lag-exceeded") throw new ReplicationLagExceededError(assessment.summary);
    return { ...assessment, consistency: strong ? ("strong" as const) : ("eventual" as const), tables };
  },
  { lease },
);
