/**
 * InspectLease (dry-run) — reads the lease and the anti-flap record without writing: would a run
 * started now get the lease, and would an automatic one be suppressed?
 */
import { ControlTable } from "../../../functions/lib/control-record";
import { intEnv, requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { documentClient } from "../../lib/dynamodb";
import { antiFlap } from "../../lib/decisions";
import { createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";

const env = requireEnv(["LOCAL_REGION", "CONTROL_TABLE", "MIN_AUTO_INTERVAL_SECONDS"]);
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
