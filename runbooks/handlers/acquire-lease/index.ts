/**
 * AcquireLease — takes the single DR lease shared by every mode and both regions, then applies
 * anti-flap to automatic runs (auto#<region>). Outcomes:
 * - acquired, not suppressed: proceed (an automatic run is recorded for the next anti-flap check);
 * - acquired, suppressed: an automatic run came too soon after the last one; the run ends (and
 *   releases the lease) without acting;
 * - not acquired: the lease belongs to a drill or a failback and this is an automatic run: stand
 *   down quietly (both fence or drain a region on purpose, which trips the peer's alarms);
 * - LeaseHeldError: anyone else holds the lease: the run fails without touching that lease.
 */
import { ControlTable, LeaseHeldError } from "../../../lib/control-record";
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { antiFlap } from "../../domain/decisions";
import { createLogger, stepHandler } from "../../domain/handler";
import { leaseMode, runSchema } from "../../domain/run";
import type { LeaseStep } from "../../domain/steps";

const env = handlerEnv("acquire-lease");
const minAutoIntervalSeconds = intEnv("MIN_AUTO_INTERVAL_SECONDS", 0);
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("acquire-lease");

const inputSchema = z.object({
  run: runSchema,
  /** Lease lifetime: the machine's overall timeout, so a lease never expires under a live run. */
  ttlSeconds: z.number().check(z.int(), z.minimum(60)),
});

export const handler = stepHandler(
  "acquire-lease",
  inputSchema,
  logger,
  async ({ run, ttlSeconds }): Promise<Omit<LeaseStep, "step" | "startedAt" | "finishedAt">> => {
    let lease;
    try {
      lease = await table.acquireLease({ holder: run.leaseHolder, mode: leaseMode(run), region: run.region, ttlSeconds });
    } catch (error) {
      const operatorRun = error instanceof LeaseHeldError ? error.current : undefined;
      if (run.automatic && (operatorRun?.mode === "drill" || operatorRun?.mode === "failback")) {
        return {
          acquired: false,
          suppressed: false,
          reason: `${operatorRun.mode} ${operatorRun.holder} holds the lease; automatic runs stand down while it runs (it trips alarms on purpose)`,
          holder: run.leaseHolder,
          heldBy: operatorRun,
        };
      }
      throw error;
    }
    const decision = antiFlap({
      automatic: run.automatic,
      lastRun: run.automatic ? await table.getLastAutomaticRun(run.region, { consistentRead: true }) : undefined,
      now: Date.now(),
      minIntervalSeconds: minAutoIntervalSeconds,
      executionName: run.executionName,
    });
    if (run.automatic && !decision.suppressed) await table.recordAutomaticRun(run.region, run.executionName);
    return {
      acquired: true,
      suppressed: decision.suppressed,
      reason: decision.reason,
      holder: lease.holder,
      expiresAt: lease.expiresAt,
      ...(decision.lastAutomaticRunAt !== undefined ? { lastAutomaticRunAt: decision.lastAutomaticRunAt } : {}),
      ...(decision.nextAllowedAt !== undefined ? { nextAllowedAt: decision.nextAllowedAt } : {}),
    };
  },
);
