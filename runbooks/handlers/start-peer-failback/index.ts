/**
 * StartPrimaryFailback (drill) — starts the PEER (primary) region's state machine in failback
 * mode, through the DR operations role. The name is derived from the drill's, so a retried step
 * finds the execution it already started instead of starting a second one. The failback runs
 * under the drill's lease (trigger.source "drill").
 */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { drOperationsCredentials } from "../../../lib/aws-credentials";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema, type ExecutionInput, type Run } from "../../domain/run";
import { awsClient, PEER_CALL_TUNING } from "../../../lib/aws-clients";
import { ControlTable } from "../../../lib/control-record";
import { documentClient } from "../../domain/dynamodb";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("start-peer-failback");
const sfn = awsClient(
  SFNClient,
  env.PEER_REGION,
  PEER_CALL_TUNING,
  drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "start-peer-failback" }),
);
const logger = createLogger("start-peer-failback");

export function failbackExecutionName(drillName: string): string {
  return `${drillName.slice(0, 71)}-failback`;
}

export function failbackInput(run: Run): ExecutionInput {
  return {
    mode: "failback",
    targetRegion: run.peerRegion,
    trigger: { source: "drill", parentExecution: run.executionName, parentRegion: run.region },
    reason: `drill ${run.executionName}: fail back after holding traffic in ${run.region} for ${run.holdSeconds} s`,
  };
}

/** `arn:...:stateMachine:<name>` → `arn:...:execution:<name>:<execution>`. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE), "start-peer-failback");

export const handler = stepHandler(
  "start-peer-failback",
  z.object({ run: runSchema }),
  logger,
  async ({ run }) => {
    const name = failbackExecutionName(run.executionName);
    try {
      const out = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: env.PEER_STATE_MACHINE_ARN, name, input: JSON.stringify(failbackInput(run)) }),
      );
      return {
        executionArn: out.executionArn ?? executionArnFor(env.PEER_STATE_MACHINE_ARN, name),
        name,
        region: env.PEER_REGION,
        alreadyStarted: false,
      };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) {
        return { executionArn: executionArnFor(env.PEER_STATE_MACHINE_ARN, name), name, region: env.PEER_REGION, alreadyStarted: true };
      }
      throw error;
    }
  },
  { lease },
);
