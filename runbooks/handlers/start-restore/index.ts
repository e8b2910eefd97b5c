/**
 * StartRestoreRehearsal (drill) — asks DynamoDB to restore the payments table's replica in this
 * region, as it was at its latest restorable second, into this run's scratch table
 * (runbooks/domain/restore-rehearsal.ts has what AWS documents about it). Reads the restorable window
 * first (DescribeContinuousBackups): "LatestRestorableDateTime is typically 5 minutes before the
 * current time"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PointInTimeRecoveryDescription.html).
 *
 * The restore keeps the source's settings (on-demand billing, the region's KMS key): nothing is
 * overridden. The state machine then waits for the table to become ACTIVE (CheckScratchTable).
 *
 * Idempotent: a retry after an attempt whose answer was lost finds the table
 * (TableAlreadyExistsException) and, if it is this source's restore, carries on with it; any other
 * table of that name is not ours (ScratchTableConflictError) and is left alone.
 */
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  RestoreTableToPointInTimeCommand,
} from "@aws-sdk/client-dynamodb";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { InvalidStepInputError, PointInTimeRecoveryUnavailableError, ScratchTableConflictError } from "../../domain/errors";
import { createLogger, stepHandler } from "../../domain/handler";
import { chooseRestorePoint, scratchTableName } from "../../domain/restore-rehearsal";
import { runSchema } from "../../domain/run";
import type { RestoreStartStep } from "../../domain/steps";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("start-restore");
const dynamodb = awsClient(DynamoDBClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("start-restore");

const ms = (d: Date | undefined) => (d === undefined ? undefined : new Date(d).getTime());

export const handler = stepHandler(
  "start-restore",
  z.object({ run: runSchema }),
  logger,
  async ({ run }): Promise<Omit<RestoreStartStep, "step" | "startedAt" | "finishedAt">> => {
    if (!run.restoreRehearsal) {
      throw new InvalidStepInputError("start-restore", [
        { field: "run.restoreRehearsal", message: "is required: the input asked for no restore" },
      ]);
    }
    const sourceTable = env.PAYMENTS_TABLE;
    const scratchTable = scratchTableName(env.RESTORE_SCRATCH_TABLE_PREFIX, run.executionName);
    const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: sourceTable }));
    const pitr = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    const earliest = ms(pitr?.EarliestRestorableDateTime);
    const latest = ms(pitr?.LatestRestorableDateTime);
    if (pitr?.PointInTimeRecoveryStatus !== "ENABLED" || earliest === undefined || latest === undefined) {
      throw new PointInTimeRecoveryUnavailableError(
        `point-in-time recovery of ${sourceTable} in ${env.LOCAL_REGION} is ${pitr?.PointInTimeRecoveryStatus ?? "not reported"}: nothing to restore from`,
      );
    }
    const window = { earliest, latest };
    let restorePoint = chooseRestorePoint(window);
    if (restorePoint === null) {
      throw new PointInTimeRecoveryUnavailableError(
        `the restorable window of ${sourceTable} in ${env.LOCAL_REGION} is empty (${new Date(earliest).toISOString()} to ${new Date(latest).toISOString()})`,
      );
    }
    const requestedAt = Date.now();
    let status = "CREATING";
    let alreadyStarted = false;
    try {
      const out = await dynamodb.send(
        new RestoreTableToPointInTimeCommand({
          SourceTableName: sourceTable,
          TargetTableName: scratchTable,
          RestoreDateTime: new Date(restorePoint),
        }),
      );
      status = out.TableDescription?.TableStatus ?? status;
    } catch (error) {
      if ((error as Error).name !== "TableAlreadyExistsException") throw error;
      const found = await dynamodb.send(new DescribeTableCommand({ TableName: scratchTable }));
      const summary = found.Table?.RestoreSummary;
      const source = summary?.SourceTableArn?.split(":table/")[1];
      const at = ms(summary?.RestoreDateTime);
      if (source !== sourceTable || at === undefined) {
        throw new ScratchTableConflictError(
          `a table named ${scratchTable} already exists in ${env.LOCAL_REGION} and is not a restore of ${sourceTable}; it was left alone`,
        );
      }
      restorePoint = at;
      status = found.Table?.TableStatus ?? status;
      alreadyStarted = true;
    }
    logger.info("restore requested", { scratchTable, restorePoint: new Date(restorePoint).toISOString(), alreadyStarted });
    return {
      table: run.restoreRehearsal.table,
      sourceTable,
      scratchTable,
      region: env.LOCAL_REGION,
      consistency: env.DATA_CONSISTENCY === "strong" ? "strong" : "eventual",
      restorePoint,
      earliestRestorable: earliest,
      latestRestorable: latest,
      requestedAt,
      status,
      alreadyStarted,
    };
  },
);
