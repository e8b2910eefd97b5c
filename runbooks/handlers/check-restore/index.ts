/**
 * CheckScratchTable (drill) — one DescribeTable of this run's scratch table: is the restore done
 * (TableStatus ACTIVE)? The state machine waits between checks and gives up after a bound (a
 * restore "can take several hours",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-pitr-recovery-table-restore.html);
 * no Lambda sleeps. The time to ACTIVE is known to within one wait: after the last check that saw
 * the table not ACTIVE (`lastNotActiveAt`) and at or before the first that saw it ACTIVE (`activeAt`).
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { restoreStartSchema, restoreStatusSchema, type RestoreStatusStep } from "../../domain/steps";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("check-restore");
const dynamodb = awsClient(DynamoDBClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("check-restore");

export const handler = stepHandler(
  "check-restore",
  z.object({ run: runSchema, restore: restoreStartSchema, previous: restoreStatusSchema }),
  logger,
  async ({ restore, previous }): Promise<Omit<RestoreStatusStep, "step" | "startedAt" | "finishedAt">> => {
    const out = await dynamodb.send(new DescribeTableCommand({ TableName: restore.scratchTable }));
    const checkedAt = Date.now();
    const status = out.Table?.TableStatus ?? "UNKNOWN";
    const active = status === "ACTIVE";
    return {
      tableName: restore.scratchTable,
      status,
      active,
      checkedAt,
      lastNotActiveAt: active ? previous.lastNotActiveAt : checkedAt,
      activeAt: active ? (previous.activeAt ?? checkedAt) : null,
    };
  },
);
