/**
 * InspectLease (dry-run) — reads the lease and the anti-flap record without writing: would a run
 * started now get the lease, and would an automatic one be suppressed?
 */
import { ControlTable } from "../../../lib/control-record";
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { antiFlap } from "../../domain/decisions";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";

const env = handlerEnv("inspect-lease");
const minAutoIntervalSeconds = intEnv("MIN_AUTO_INTERVAL_SECONDS", 0);
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("inspect-lease");

export const handler = stepHandler("inspect-lease", z.object({ run: runSchema }), logger, async ({ run }) => {
  const now = Date.now();
  const [lease, lastRun] = await Promise.all([
    table.getLease({ consistentRead: true }),
    table.getLastAutomaticRun(run.region, { consistentRead: true }),
  ]);
  const held = lease !== undefined && lease.expiresAt >= Math.floor(now / 1000);
  const automatic = antiFlap({ automatic: true, lastRun, now, minIntervalSeconds: minAutoIntervalSeconds });
  return {
    leaseFree: !held,
    ...(held && lease ? { heldBy: lease } : {}),
    automaticRunWouldBeSuppressed: automatic.suppressed,
    antiFlapReason: automatic.reason,
  };
});
