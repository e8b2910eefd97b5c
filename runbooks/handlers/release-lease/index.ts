/**
 * ReleaseLease — releases the DR lease if this run (its lease holder) has it. A run that never
 * got the lease, or whose lease a drill's failback already released, changes nothing.
 */
import { ControlTable } from "../../../functions/lib/control-record";
import { requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { documentClient } from "../../lib/dynamodb";
import { createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";

const env = requireEnv(["LOCAL_REGION", "CONTROL_TABLE"]);
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("release-lease");

export const handler = stepHandler("release-lease", z.object({ run: runSchema }), logger, async ({ run }) => {
  const released = await table.releaseLease(run.leaseHolder);
  return { released, holder: run.leaseHolder };
});
