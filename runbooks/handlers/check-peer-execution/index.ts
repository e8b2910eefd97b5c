/**
 * CheckPrimaryFailback (drill) — DescribeExecution of the failback the drill started in the peer
 * region (through the DR operations role). Polled (bounded) by the state machine; an execution
 * that ended other than SUCCEEDED fails the drill with PeerFailbackFailedError.
 */
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { drOperationsCredentials } from "../../lib/aws";
import { PeerFailbackFailedError } from "../../lib/errors";
import { createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";
import { peerFailbackStartSchema } from "../../lib/steps";

const env = requireEnv(["LOCAL_REGION", "PEER_REGION", "DR_OPERATIONS_ROLE_ARN"]);
const sfn = new SFNClient({
  region: env.PEER_REGION,
  credentials: drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "check-peer-execution" }),
});
const logger = createLogger("check-peer-execution");

export const handler = stepHandler(
  "check-peer-execution",
  z.object({ run: runSchema, peerFailback: peerFailbackStartSchema }),
  logger,
  async ({ peerFailback }) => {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn: peerFailback.executionArn }));
    const status = out.status ?? "UNKNOWN";
    if (status !== "RUNNING" && status !== "SUCCEEDED") {
      throw new PeerFailbackFailedError(`failback ${peerFailback.name} in ${peerFailback.region} ended ${status}: ${out.error ?? ""} ${out.cause ?? ""}`.trim());
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
