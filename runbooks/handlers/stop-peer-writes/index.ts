/**
 * StopOldPrimaryWrites — best effort: reserved concurrency 0 on the peer's write function,
 * through the DR operations role and the peer region's Lambda API. Covers a primary that is
 * alive but cut off from replication (it would not see the fence). Never fails the failover:
 * every error, and anything slower than the deadline, is reported in the output instead.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { drOperationsCredentials } from "../../../lib/aws-credentials";
import { describeError } from "../../domain/errors";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { functionArn, stopWriteFunction } from "../../domain/write-function";
import { awsClient, PEER_CALL_TUNING } from "../../../lib/aws-clients";
import { ControlTable } from "../../../lib/control-record";
import { documentClient } from "../../domain/dynamodb";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("stop-peer-writes");
const lambda = awsClient(
  LambdaClient,
  env.PEER_REGION,
  PEER_CALL_TUNING,
  drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "stop-peer-writes" }),
);
const logger = createLogger("stop-peer-writes");

/** The whole attempt gives up after this long; the Task's TimeoutSeconds is well above it. */
export const STOP_DEADLINE_MS = 8000;

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE), "stop-peer-writes");

export const handler = stepHandler(
  "stop-peer-writes",
  z.object({ run: runSchema }),
  logger,
  async () => {
    const arn = functionArn(env.PEER_WRITE_FUNCTION_NAME, env.PEER_REGION, env.DR_OPERATIONS_ROLE_ARN);
    try {
      const { previousReservedConcurrency } = await stopWriteFunction(lambda, arn, AbortSignal.timeout(STOP_DEADLINE_MS));
      return { functionName: arn, region: env.PEER_REGION, stopped: true, previousReservedConcurrency };
    } catch (error) {
      logger.warn("best-effort stop of the peer write function failed", { error: describeError(error) });
      return { functionName: arn, region: env.PEER_REGION, stopped: false, previousReservedConcurrency: null, error: describeError(error) };
    }
  },
  { lease },
);
