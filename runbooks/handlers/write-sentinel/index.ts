/**
 * WriteSentinel (failback) — writes `sentinel#<execution>` into the SECONDARY's replica through
 * the DR operations role, after the secondary was fenced there and its writes settled. When the
 * sentinel shows up in the primary, every write the secondary accepted before it has replicated
 * too (items from one replica arrive in order of their writes — DynamoDB global tables propagate
 * a replica's writes in order, per item; the sentinel is a positive, end-to-end proof, not a timer).
 */
import { ControlTable } from "../../../functions/lib/control-record";
import { requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { drOperationsCredentials } from "../../lib/aws";
import { documentClient } from "../../lib/dynamodb";
import { createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";

const env = requireEnv(["LOCAL_REGION", "PEER_REGION", "CONTROL_TABLE", "DR_OPERATIONS_ROLE_ARN"]);
const peerTable = new ControlTable(
  documentClient(env.PEER_REGION, drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "write-sentinel" })),
  env.CONTROL_TABLE,
);
const logger = createLogger("write-sentinel");

export const handler = stepHandler("write-sentinel", z.object({ run: runSchema }), logger, async ({ run }) => {
  // One sentinel per failback execution: a retried step rewrites the same item.
  const sentinel = await peerTable.writeSentinel(run.executionName, env.PEER_REGION);
  return { id: sentinel.id, writtenAt: sentinel.writtenAt, writtenIn: env.PEER_REGION };
});
