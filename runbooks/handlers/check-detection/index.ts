/**
 * CheckDetection (drill) — has this region's canary seen the drained primary fail? Reads the
 * probe record `probe#<local>#<peer>`; `detectionFromProbe` estimates when the first failing probe
 * happened. The state machine polls (bounded) and moves on either way: an undetected drain is a
 * finding of the drill, reported, not a reason to abandon it half-way.
 */
import { ControlTable } from "../../../lib/control-record";
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { detectionFromProbe } from "../../domain/decisions";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { peerStateStepSchema } from "../../domain/steps";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("check-detection");
const probesPerMinute = Math.max(1, intEnv("PROBES_PER_MINUTE", 1));
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("check-detection");

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(table, "check-detection");

export const handler = stepHandler(
  "check-detection",
  z.object({ run: runSchema, drain: peerStateStepSchema }),
  logger,
  async ({ run, drain }) => {
    const probe = await table.getProbe(run.region, run.peerRegion, { consistentRead: true });
    return { ...detectionFromProbe(probe, drain.changedAt, 60_000 / probesPerMinute), drainedAt: drain.changedAt };
  },
  { lease },
);
