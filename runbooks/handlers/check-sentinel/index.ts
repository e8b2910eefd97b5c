/**
 * CheckSentinelReplicated (failback) — has the run's sentinel, written through the secondary,
 * reached the primary's (local) replica of every table it was written to: the control table and
 * the payments and idempotency tables (write-sentinel says why each table needs its own)? Strongly
 * consistent reads; the state machine polls (bounded). `seen` only when all of them are here.
 * Strong mode: the control table's only (write-sentinel says why).
 */
import { ControlTable } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import { HEARTBEAT_DATA_TABLES, type HeartbeatDataTable } from "../../../lib/replication-heartbeat";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { createLogger, stepHandler } from "../../domain/handler";
import { ReplicationHeartbeats } from "../../domain/replication-heartbeats";
import { runSchema } from "../../domain/run";
import { sentinelWriteSchema } from "../../domain/steps";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("check-sentinel");
const doc = documentClient(env.LOCAL_REGION);
const table = new ControlTable(doc, env.CONTROL_TABLE);
const dataTables =
  env.DATA_CONSISTENCY === "eventual"
    ? new ReplicationHeartbeats(doc, { payments: env.PAYMENTS_TABLE, idempotency: env.IDEMPOTENCY_TABLE })
    : undefined;
const logger = createLogger("check-sentinel");

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(table, "check-sentinel");

export const handler = stepHandler(
  "check-sentinel",
  z.object({ run: runSchema, sentinel: sentinelWriteSchema }),
  logger,
  async ({ sentinel }) => {
    const found = await table.getSentinel(sentinel.id, { consistentRead: true });
    // The data tables' sentinel is one item per writing region: this run's only when it carries its id.
    const waitingFor: HeartbeatDataTable[] = [];
    for (const t of dataTables ? HEARTBEAT_DATA_TABLES : []) {
      const item = await dataTables?.getSentinel(t, sentinel.writtenIn, { consistentRead: true });
      if (item?.runId !== sentinel.id) waitingFor.push(t);
    }
    const seen = found !== undefined && waitingFor.length === 0;
    const now = Date.now();
    return {
      id: sentinel.id,
      seen,
      writtenAt: found?.writtenAt ?? null,
      seenAt: seen ? now : null,
      replicationSeconds: seen && found ? Math.round((now - found.writtenAt) / 100) / 10 : null,
      waitingFor: found ? waitingFor : ["control", ...waitingFor],
    };
  },
  { lease },
);
