/**
 * CheckReplication — may the local region take over without losing more than the RPO?
 *
 * DescribeTable in the LOCAL region for the three global tables (table and local replica ACTIVE),
 * the peer's heartbeat as replicated into the local replica, and the last time the local canary
 * saw the peer healthy. The exposure arithmetic is `assessReplication` (runbooks/lib/decisions.ts).
 *
 * `enforce: false` (failover, dry-run) returns the verdict and lets the state machine decide
 * (failover escalates to an approval); `enforce: true` (failback, drill) fails the step with
 * ReplicaNotReadyError / ReplicationLagExceededError.
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ControlTable } from "../../../functions/lib/control-record";
import { intEnv, requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { describeError } from "../../lib/errors";
import { documentClient } from "../../lib/dynamodb";
import { assessReplication, type TableReplicaStatus } from "../../lib/decisions";
import { ReplicaNotReadyError, ReplicationLagExceededError } from "../../lib/errors";
import { createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";

const env = requireEnv(["LOCAL_REGION", "PEER_REGION", "CONTROL_TABLE", "PAYMENTS_TABLE", "IDEMPOTENCY_TABLE", "RPO_SECONDS"]);
const rpoSeconds = intEnv("RPO_SECONDS", 0);
const dynamodb = new DynamoDBClient({ region: env.LOCAL_REGION });
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
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
    return { ...t, tableStatus: "UNKNOWN", error: describeError(error) };
  }
}

export const handler = stepHandler(
  "check-replication",
  z.object({ run: runSchema, enforce: z.boolean() }),
  logger,
  async ({ run, enforce }) => {
    const [tables, peerHeartbeat, probe] = await Promise.all([
      Promise.all(TABLES.map(describe)),
      table.getHeartbeat(run.peerRegion, { consistentRead: true }),
      table.getProbe(run.region, run.peerRegion, { consistentRead: true }),
    ]);
    const assessment = assessReplication({ tables, peerHeartbeat, probe, now: Date.now(), rpoSeconds, peerRegion: run.peerRegion });
    logger.info("replication", { verdict: assessment.verdict, exposureSeconds: assessment.exposureSeconds });
    if (enforce && assessment.verdict === "replica-not-ready") throw new ReplicaNotReadyError(assessment.summary);
    if (enforce && assessment.verdict === "lag-exceeded") throw new ReplicationLagExceededError(assessment.summary);
    return { ...assessment, tables };
  },
);
