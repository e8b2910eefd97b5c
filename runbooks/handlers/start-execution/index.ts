/**
 * The EventBridge target: a *CloudWatch Alarm State Change* event → this region's DR state
 * machine, in failover mode, with a name derived from the alarm transition (runbooks/lib/trigger.ts).
 * A duplicate event finds the execution already there (ExecutionAlreadyExists) and succeeds
 * without starting a second run. Transitions out of ALARM start nothing.
 */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { requireEnv } from "../../../functions/lib/env";
import { parseWith } from "../../../functions/lib/validation";
import { InvalidInputError } from "../../lib/errors";
import { createLogger } from "../../lib/handler";
import { alarmEventSchema, planAlarmExecution } from "../../lib/trigger";

const env = requireEnv(["LOCAL_REGION", "STATE_MACHINE_ARN", "METRIC_NAMESPACE"]);
const sfn = new SFNClient({ region: env.LOCAL_REGION });
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
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: env.STATE_MACHINE_ARN, name: plan.name, input: JSON.stringify(plan.input) }));
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
