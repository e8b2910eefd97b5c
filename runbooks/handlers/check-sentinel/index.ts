/**
 * CheckSentinelReplicated (failback) — has the run's sentinel, written through the secondary,
 * reached the primary's (local) replica of every table it was written to: the control table and
 * the payments and idempotency tables (write-sentinel says why each table needs its own)? Strongly
 * consistent reads, repeated every {@link IN_STEP_POLL_MS} within the step until {@link IN_STEP_WAIT_MS}
 * after the sentinel was written (when it usually arrives); after that one look per step, and the
 * state machine polls the step (bounded, as before). `seen` only when all of them are here.
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

/**
 * How long one check keeps looking, and how often. Replication takes about a second, and in
 * eventual mode clients wait for the promotion this proof allows: a Wait state's smallest step
 * (1 s) would leave up to a second between the sentinel's arrival and the promotion, a poll here
 * about a tenth of that. The cost: up to 30 strongly consistent reads of three small items, once per run.
 */
const IN_STEP_WAIT_MS = 3000;
const IN_STEP_POLL_MS = 100;

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(table, "check-sentinel");

/** One look at every table the sentinel was written to, in this region's replica (strongly consistent). */
async function lookFor(sentinel: z.infer<typeof sentinelWriteSchema>) {
  const found = await table.getSentinel(sentinel.id, { consistentRead: true });
  // The data tables' sentinel is one item per writing region: this run's only when it carries its id.
  const waitingFor: HeartbeatDataTable[] = [];
  for (const t of dataTables ? HEARTBEAT_DATA_TABLES : []) {
    const item = await dataTables?.getSentinel(t, sentinel.writtenIn, { consistentRead: true });
    if (item?.runId !== sentinel.id) waitingFor.push(t);
  }
  return { found, waitingFor, seen: found !== undefined && waitingFor.length === 0 };
}

export const handler = stepHandler(
  "check-sentinel",
  z.object({ run: runSchema, sentinel: sentinelWriteSchema }),
  logger,
  async ({ sentinel }) => {
    // Only while the sentinel is fresh: later checks look once, so the machine's poll keeps its bound.
    const lookUntil = sentinel.writtenAt + IN_STEP_WAIT_MS;
    let look = await lookFor(sentinel);
    while (!look.seen && Date.now() + IN_STEP_POLL_MS <= lookUntil) {
      await new Promise((resolve) => setTimeout(resolve, IN_STEP_POLL_MS));
      look = await lookFor(sentinel);
    }
    const { found, waitingFor, seen } = look;
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
