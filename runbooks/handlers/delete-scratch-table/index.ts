/**
 * DeleteScratchTable / DeleteScratchTableAfterFailure (drill) — deletes this run's restore-rehearsal
 * scratch table, on every path once a restore was asked for: after the check, and after any failure
 * of the rehearsal (a restore that may have started).
 *
 * The name is derived from the run (never taken from a step's output) and must carry the region's
 * scratch prefix, which is also all IAM lets this function delete. A restored table has no deletion
 * protection ("If deletion protection was on the original table, re-enable it on the new table",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-pitr-recovery-table-restore.html).
 *
 * - deleted: DeleteTable accepted (the table is DELETING), or there is no such table (the restore
 *   never started, or a retry of this step finds its own deletion done);
 * - not deleted: DynamoDB refuses to delete a table that is still CREATING or UPDATING
 *   (ResourceInUseException, API DeleteTable) — a restore that outlasted the drill's wait. The
 *   output says so with the command to run once it is ACTIVE; the run fails and notifies.
 */
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { ConfigurationError } from "../../domain/errors";
import { createLogger, stepHandler } from "../../domain/handler";
import { deleteCommand, isScratchTable, scratchTableName } from "../../domain/restore-rehearsal";
import { runSchema } from "../../domain/run";
import type { ScratchCleanupStep } from "../../domain/steps";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("delete-scratch-table");
const dynamodb = awsClient(DynamoDBClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("delete-scratch-table");

export const handler = stepHandler(
  "delete-scratch-table",
  z.object({ run: runSchema }),
  logger,
  async ({ run }): Promise<Omit<ScratchCleanupStep, "step" | "startedAt" | "finishedAt">> => {
    const tableName = scratchTableName(env.RESTORE_SCRATCH_TABLE_PREFIX, run.executionName);
    if (!isScratchTable(env.RESTORE_SCRATCH_TABLE_PREFIX, tableName)) {
      throw new ConfigurationError(`${tableName} is not a scratch table of ${env.LOCAL_REGION}; refusing to delete it`);
    }
    try {
      const out = await dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
      const status = out.TableDescription?.TableStatus ?? "DELETING";
      logger.info("scratch table deleted", { tableName, status });
      return { tableName, deleted: true, status, detail: `${tableName} deleted (${status})` };
    } catch (error) {
      const name = (error as Error).name;
      if (name === "ResourceNotFoundException") {
        return { tableName, deleted: true, status: "NOT_FOUND", detail: `no table ${tableName} in ${env.LOCAL_REGION}: nothing to delete` };
      }
      if (name !== "ResourceInUseException") throw error;
      const found = await dynamodb.send(new DescribeTableCommand({ TableName: tableName })).catch(() => undefined);
      const status = found?.Table?.TableStatus ?? "UNKNOWN";
      if (status === "DELETING") return { tableName, deleted: true, status, detail: `${tableName} is already being deleted` };
      const command = deleteCommand(env.LOCAL_REGION, tableName);
      logger.warn("scratch table not deleted", { tableName, status });
      return {
        tableName,
        deleted: false,
        status,
        detail: `${tableName} is ${status} and cannot be deleted yet; delete it once it is ACTIVE: ${command}`,
        command,
      };
    }
  },
);
