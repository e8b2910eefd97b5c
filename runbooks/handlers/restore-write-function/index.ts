/**
 * RestorePrimaryWriteFunction (failback) — undoes the best-effort stop a failover may have put on
 * this region's write function (reserved concurrency 0), restoring the value saved in its tag.
 * Runs while the primary is still fenced, so writes stay refused until the promotion.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { drOperationsCredentials } from "../../lib/aws";
import { createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";
import { functionArn, restoreWriteFunction } from "../../lib/write-function";

const env = requireEnv(["LOCAL_REGION", "LOCAL_WRITE_FUNCTION_NAME", "DR_OPERATIONS_ROLE_ARN"]);
const lambda = new LambdaClient({
  region: env.LOCAL_REGION,
  credentials: drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "restore-write-function" }),
});
const logger = createLogger("restore-write-function");

export const handler = stepHandler("restore-write-function", z.object({ run: runSchema }), logger, async () => {
  const arn = functionArn(env.LOCAL_WRITE_FUNCTION_NAME, env.LOCAL_REGION, env.DR_OPERATIONS_ROLE_ARN);
  const result = await restoreWriteFunction(lambda, arn);
  return { functionName: arn, ...result };
});
