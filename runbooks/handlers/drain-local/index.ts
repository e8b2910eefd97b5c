/**
 * DrainLocalRegion — this region's own alarms fired while it is ACTIVE: mark it DRAINED (its
 * /health fails, writes are refused) so the peer's canary detects it and the peer decides. A
 * region never promotes anything on its own alarm.
 */
import { ControlTable } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { PreconditionFailedError } from "../../domain/errors";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { assessmentSchema } from "../../domain/steps";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("drain-local");
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("drain-local");

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(table, "drain-local");

export const handler = stepHandler(
  "drain-local",
  z.object({ run: runSchema, assessment: assessmentSchema }),
  logger,
  async ({ run, assessment }) => {
    const local = assessment.local;
    if (!local) throw new PreconditionFailedError(`no region record for ${run.region}`);
    const record = await table.transitionRegion({
      region: run.region,
      state: "DRAINED",
      reason: `${run.executionName}: drained on its own alarm (${run.reason})`,
      executionId: run.executionId,
      expectedEpoch: local.epoch,
    });
    return { region: run.region, previousState: local.state, epoch: record.epoch, drainedAt: Date.parse(record.updatedAt) };
  },
  { lease },
);
