/**
 * WriteSentinel (failback) — writes `sentinel#<execution>` into the SECONDARY's replica through
 * the DR operations role, after the secondary was fenced there and its writes settled. When the
 * sentinel shows up in the primary, every write the secondary accepted before it has replicated
 * too (items from one replica arrive in order of their writes — DynamoDB global tables propagate
 * a replica's writes in order, per item; the sentinel is a positive, end-to-end proof, not a timer).
 */
import { ControlTable } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { drOperationsCredentials } from "../../../lib/aws-credentials";
import { documentClient } from "../../domain/dynamodb";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";

const env = handlerEnv("write-sentinel");
const peerTable = new ControlTable(
  documentClient(
    env.PEER_REGION,
    drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "write-sentinel" }),
  ),
  env.CONTROL_TABLE,
);
const logger = createLogger("write-sentinel");

export const handler = stepHandler("write-sentinel", z.object({ run: runSchema }), logger, async ({ run }) => {
  // One sentinel per failback execution: a retried step rewrites the same item.
  const sentinel = await peerTable.writeSentinel(run.executionName, env.PEER_REGION);
  return { id: sentinel.id, writtenAt: sentinel.writtenAt, writtenIn: env.PEER_REGION };
});
