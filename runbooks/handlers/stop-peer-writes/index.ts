/**
 * StopOldPrimaryWrites — best effort: reserved concurrency 0 on the peer's write function,
 * through the DR operations role and the peer region's Lambda API. Covers a primary that is
 * alive but cut off from replication (it would not see the fence). Never fails the failover:
 * every error, and anything slower than the deadline, is reported in the output instead.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { PEER_CALL_TIMEOUTS, describeError, drOperationsCredentials } from "../../lib/aws";
import { createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";
import { functionArn, stopWriteFunction } from "../../lib/write-function";

const env = requireEnv(["LOCAL_REGION", "PEER_REGION", "PEER_WRITE_FUNCTION_NAME", "DR_OPERATIONS_ROLE_ARN"]);
const lambda = new LambdaClient({
  region: env.PEER_REGION,
  credentials: drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "stop-peer-writes" }),
  maxAttempts: 2,
  requestHandler: PEER_CALL_TIMEOUTS,
});
const logger = createLogger("stop-peer-writes");

/** The whole attempt gives up after this long; the Task's TimeoutSeconds is well above it. */
export const STOP_DEADLINE_MS = 8000;

export const handler = stepHandler("stop-peer-writes", z.object({ run: runSchema }), logger, async () => {
  const arn = functionArn(env.PEER_WRITE_FUNCTION_NAME, env.PEER_REGION, env.DR_OPERATIONS_ROLE_ARN);
  try {
    const { previousReservedConcurrency } = await stopWriteFunction(lambda, arn, AbortSignal.timeout(STOP_DEADLINE_MS));
    return { functionName: arn, region: env.PEER_REGION, stopped: true, previousReservedConcurrency };
  } catch (error) {
    logger.warn("best-effort stop of the peer write function failed", { error: describeError(error) });
    return { functionName: arn, region: env.PEER_REGION, stopped: false, previousReservedConcurrency: null, error: describeError(error) };
  }
});
