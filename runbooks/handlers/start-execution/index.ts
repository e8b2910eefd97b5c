/**
 * The EventBridge target: a *CloudWatch Alarm State Change* event → this region's DR state
 * machine, in failover mode, with a name derived from the alarm transition (runbooks/domain/trigger.ts).
 * A duplicate event finds the execution already there (ExecutionAlreadyExists) and succeeds
 * without starting a second run. Transitions out of ALARM start nothing.
 */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { handlerEnv } from "../../../lib/handlers";
import { parseWith } from "../../../lib/validation";
import { InvalidInputError } from "../../domain/errors";
import { createLogger } from "../../domain/handler";
import { alarmEventSchema, planAlarmExecution } from "../../domain/trigger";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("start-execution");
const sfn = awsClient(SFNClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("start-execution");

export type StartResult =
  | { started: true; executionArn: string; name: string }
  | { started: false; duplicate: true; name: string }
  | { started: false; duplicate: false; reason: string };

export const handler = async (event: unknown): Promise<StartResult> => {
  const parsed = parseWith(alarmEventSchema, event);
  if (!parsed.ok) throw new InvalidInputError(parsed.problems);
  const plan = planAlarmExecution(parsed.value, env.LOCAL_REGION, env.METRIC_NAMESPACE);
  if (!plan.start) {
    logger.info("no execution started", { reason: plan.reason, alarm: parsed.value.detail.alarmName });
    return { started: false, duplicate: false, reason: plan.reason };
  }
  try {
    const out = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: env.STATE_MACHINE_ARN, name: plan.name, input: JSON.stringify(plan.input) }),
    );
    logger.info("execution started", { name: plan.name, executionArn: out.executionArn, alarm: parsed.value.detail.alarmName });
    return { started: true, executionArn: out.executionArn ?? "", name: plan.name };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) {
      logger.info("duplicate event: execution already exists", { name: plan.name });
      return { started: false, duplicate: true, name: plan.name };
    }
    throw error;
  }
};
