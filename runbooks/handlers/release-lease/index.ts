/**
 * ReleaseLease — releases the DR lease if this run (its lease holder) has it. A run that never
 * got the lease, or whose lease a drill's failback already released, changes nothing.
 */
import { ControlTable } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";

const env = handlerEnv("release-lease");
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("release-lease");

export const handler = stepHandler("release-lease", z.object({ run: runSchema }), logger, async ({ run }) => {
  const released = await table.releaseLease(run.leaseHolder);
  return { released, holder: run.leaseHolder };
});
