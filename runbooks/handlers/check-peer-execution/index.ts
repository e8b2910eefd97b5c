/**
 * CheckPrimaryFailback (drill) — DescribeExecution of the failback the drill started in the peer
 * region (through the DR operations role). Polled (bounded) by the state machine; an execution
 * that ended other than SUCCEEDED fails the drill with PeerFailbackFailedError.
 */
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { drOperationsCredentials } from "../../../lib/aws-credentials";
import { PeerFailbackFailedError } from "../../domain/errors";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { peerFailbackStartSchema } from "../../domain/steps";
import { awsClient, PEER_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("check-peer-execution");
const sfn = awsClient(
  SFNClient,
  env.PEER_REGION,
  PEER_CALL_TUNING,
  drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "check-peer-execution" }),
);
const logger = createLogger("check-peer-execution");

export const handler = stepHandler(
  "check-peer-execution",
  z.object({ run: runSchema, peerFailback: peerFailbackStartSchema }),
  logger,
  async ({ peerFailback }) => {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn: peerFailback.executionArn }));
    const status = out.status ?? "UNKNOWN";
    if (status !== "RUNNING" && status !== "SUCCEEDED") {
      throw new PeerFailbackFailedError(
        `failback ${peerFailback.name} in ${peerFailback.region} ended ${status}: ${out.error ?? ""} ${out.cause ?? ""}`.trim(),
      );
    }
    return {
      executionArn: peerFailback.executionArn,
      status,
      done: status === "SUCCEEDED",
      startDate: out.startDate ? out.startDate.getTime() : null,
      stopDate: out.stopDate ? out.stopDate.getTime() : null,
      ...(out.output ? { output: out.output.slice(0, 4000) } : {}),
    };
  },
);
