/**
 * RestorePrimaryWriteFunction (failback) — undoes the best-effort stop a failover may have put on
 * this region's write function (reserved concurrency 0), restoring the value saved in its tag.
 * Runs while the primary is still fenced, so writes stay refused until the promotion.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { drOperationsCredentials } from "../../../lib/aws-credentials";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { functionArn, restoreWriteFunction } from "../../domain/write-function";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";
import { ControlTable } from "../../../lib/control-record";
import { documentClient } from "../../domain/dynamodb";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("restore-write-function");
const lambda = awsClient(
  LambdaClient,
  env.LOCAL_REGION,
  RUNBOOK_CALL_TUNING,
  drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "restore-write-function" }),
);
const logger = createLogger("restore-write-function");

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE), "restore-write-function");

export const handler = stepHandler(
  "restore-write-function",
  z.object({ run: runSchema }),
  logger,
  async () => {
    const arn = functionArn(env.LOCAL_WRITE_FUNCTION_NAME, env.LOCAL_REGION, env.DR_OPERATIONS_ROLE_ARN);
    const result = await restoreWriteFunction(lambda, arn);
    return { functionName: arn, ...result };
  },
  { lease },
);
