/**
 * WriteSentinel (failback) — writes the run's sentinel into the SECONDARY's replicas through the
 * DR operations role, after the secondary was fenced there and its writes settled: `sentinel#<execution>`
 * in the control table, and `dr-heartbeat#<secondary>#sentinel` (carrying the run's id) in the
 * payments and idempotency tables. CheckSentinelReplicated promotes only once every one of them has
 * reached the primary. Strong mode writes the control table's only: its data tables are MRSC, where
 * a write is acknowledged once durable in a second region and read strongly anywhere.
 *
 * Why one per table: DynamoDB replicates each global table on its own, so a sentinel in the control
 * table says nothing about the payments table (with the data tables 20 s behind, the primary promoted
 * while a payment the secondary committed before the fence was still on its way, and the client's
 * retry there created it a second time: test/state-machines/failback.test.ts). What the sentinel in a
 * table proves is the ordering the simulation models (a replica's writes to one table arrive in
 * order); AWS does not promise it across partitions — "each table partition in the source Region
 * replicates its write operations in parallel", so a remote Region may see writes in another order
 * (https://docs.aws.amazon.com/prescriptive-guidance/latest/dynamodb-global-tables/overview.html,
 * key facts). On AWS the sentinel is therefore evidence, not a proof, that the earlier writes of its
 * table arrived; docs/architecture.md, "A planned move", says what a proof would take.
 */
import { ControlTable } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import { HEARTBEAT_DATA_TABLES } from "../../../lib/replication-heartbeat";
import * as z from "../../../lib/zod";
import { drOperationsCredentials } from "../../../lib/aws-credentials";
import { documentClient } from "../../domain/dynamodb";
import { createLogger, stepHandler } from "../../domain/handler";
import { ReplicationHeartbeats } from "../../domain/replication-heartbeats";
import { runSchema } from "../../domain/run";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("write-sentinel");
const peerDoc = documentClient(
  env.PEER_REGION,
  drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "write-sentinel" }),
);
const peerTable = new ControlTable(peerDoc, env.CONTROL_TABLE);
const peerDataTables =
  env.DATA_CONSISTENCY === "eventual"
    ? new ReplicationHeartbeats(peerDoc, { payments: env.PAYMENTS_TABLE, idempotency: env.IDEMPOTENCY_TABLE })
    : undefined;
const logger = createLogger("write-sentinel");

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE), "write-sentinel");

export const handler = stepHandler(
  "write-sentinel",
  z.object({ run: runSchema }),
  logger,
  async ({ run }) => {
    // One sentinel per failback execution: a retried step rewrites the same items. The three writes
    // go out together, so the proof waits for the slowest table's replication, not for their sum.
    const writtenAt = Date.now();
    const [sentinel] = await Promise.all([
      peerTable.writeSentinel(run.executionName, env.PEER_REGION),
      ...(peerDataTables
        ? HEARTBEAT_DATA_TABLES.map((table) => peerDataTables.writeSentinel(table, env.PEER_REGION, run.executionName, writtenAt))
        : []),
    ]);
    return { id: sentinel.id, writtenAt: sentinel.writtenAt, writtenIn: env.PEER_REGION };
  },
  { lease },
);
