/**
 * CheckSentinelReplicated (failback) — has the sentinel written through the secondary reached the
 * primary's (local) replica? One strongly consistent read; the state machine polls (bounded).
 */
import { ControlTable } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { sentinelWriteSchema } from "../../domain/steps";

const env = handlerEnv("check-sentinel");
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("check-sentinel");

export const handler = stepHandler(
  "check-sentinel",
  z.object({ run: runSchema, sentinel: sentinelWriteSchema }),
  logger,
  async ({ sentinel }) => {
    const found = await table.getSentinel(sentinel.id, { consistentRead: true });
    const now = Date.now();
    return {
      id: sentinel.id,
      seen: found !== undefined,
      writtenAt: found?.writtenAt ?? null,
      seenAt: found ? now : null,
      replicationSeconds: found ? Math.round((now - found.writtenAt) / 100) / 10 : null,
    };
  },
);
