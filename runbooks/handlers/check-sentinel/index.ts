/**
 * CheckSentinelReplicated (failback) — has the sentinel written through the secondary reached the
 * primary's (local) replica? One strongly consistent read; the state machine polls (bounded).
 */
import { ControlTable } from "../../../functions/lib/control-record";
import { requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { documentClient } from "../../lib/dynamodb";
import { createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";
import { sentinelWriteSchema } from "../../lib/steps";

const env = requireEnv(["LOCAL_REGION", "CONTROL_TABLE"]);
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("check-sentinel");

export const handler = stepHandler("check-sentinel", z.object({ run: runSchema, sentinel: sentinelWriteSchema }), logger, async ({ sentinel }) => {
  const found = await table.getSentinel(sentinel.id, { consistentRead: true });
  const now = Date.now();
  return {
    id: sentinel.id,
    seen: found !== undefined,
    writtenAt: found?.writtenAt ?? null,
    seenAt: found ? now : null,
    replicationSeconds: found ? Math.round((now - found.writtenAt) / 100) / 10 : null,
  };
});
