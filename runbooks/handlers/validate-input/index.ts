/**
 * ValidateInput — the machine's first state. Turns the execution input into the normalised run
 * (runbooks/domain/run.ts) or fails with InvalidInputError. Pure: no AWS call, so a bad input leaves
 * no trace (no lease, no notification, no write).
 */
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { parseWith } from "../../../lib/validation";
import { ConfigurationError, InvalidInputError, InvalidStepInputError } from "../../domain/errors";
import { createLogger } from "../../domain/handler";
import { normalizeExecutionInput, type Run } from "../../domain/run";

const env = handlerEnv("validate-input");
const drillHoldSeconds = intEnv("DRILL_HOLD_SECONDS", 0);
const logger = createLogger("validate-input");

const eventSchema = z.object({
  input: z.unknown(),
  execution: z.object({ name: z.string(), id: z.string(), startTime: z.string() }),
  machine: z.object({ region: z.string(), peerRegion: z.string(), primaryRegion: z.string(), secondaryRegion: z.string() }),
});

export const handler = async (event: unknown): Promise<Run> => {
  const parsed = parseWith(eventSchema, event);
  if (!parsed.ok) throw new InvalidStepInputError("validate-input", parsed.problems);
  const { input, execution, machine } = parsed.value;
  if (machine.region !== env.LOCAL_REGION) {
    throw new ConfigurationError(`The state machine says it runs in ${machine.region} but this function runs in ${env.LOCAL_REGION}`);
  }
  const result = normalizeExecutionInput(input, execution, machine, { drillHoldSeconds });
  if (!result.ok) {
    const error = new InvalidInputError(result.problems);
    logger.warn("rejected execution input", { execution: execution.name, problems: result.problems });
    throw error;
  }
  logger.info("accepted execution input", { execution: execution.name, mode: result.run.mode, trigger: result.run.trigger.source });
  return result.run;
};
