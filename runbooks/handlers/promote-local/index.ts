/**
 * Promote — marks the LOCAL region ACTIVE with epoch max(local, peer) + 1, conditional on the
 * local epoch AssessRegions read (EpochConflictError if another execution moved it).
 *
 * Defence in depth for checklist B3: besides the graph, the step itself refuses to promote
 * without proof that the old writer was stopped — the fence (or drain) of the peer in this run,
 * or, for a failback, the sentinel that proves the fenced secondary's writes replicated here.
 */
import { ControlTable, EpochConflictError } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { nextActiveEpoch } from "../../domain/decisions";
import { FenceRequiredError, PreconditionFailedError } from "../../domain/errors";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { assessmentSchema, peerStateStepSchema, sentinelCheckSchema } from "../../domain/steps";

const env = handlerEnv("promote-local");
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("promote-local");

const inputSchema = z.object({
  run: runSchema,
  assessment: assessmentSchema,
  fence: z.optional(peerStateStepSchema),
  sentinel: z.optional(sentinelCheckSchema),
});

export function promotionProof(input: z.infer<typeof inputSchema>): string {
  const { run, fence, sentinel } = input;
  if (run.mode === "failback") {
    if (!sentinel?.seen)
      throw new FenceRequiredError("failback promotes only after the sentinel written through the fenced secondary has replicated here");
    return `sentinel ${sentinel.id} replicated`;
  }
  if (!fence || fence.region !== run.peerRegion || (fence.state !== "FENCED" && fence.state !== "DRAINED")) {
    throw new FenceRequiredError(`${run.region} is promoted only after ${run.peerRegion} was fenced or drained by this run`);
  }
  return `${fence.region} ${fence.state} at ${new Date(fence.changedAt).toISOString()}`;
}

export const handler = stepHandler("promote-local", inputSchema, logger, async (input) => {
  const { run, assessment } = input;
  const proof = promotionProof(input);
  const local = assessment.local;
  if (!local) throw new PreconditionFailedError(`no region record for ${run.region} was read before promoting`);
  const epoch = nextActiveEpoch(local, assessment.peer);
  let record;
  try {
    record = await table.transitionRegion({
      region: run.region,
      state: "ACTIVE",
      reason: `${run.mode} ${run.executionName}: promoted (${proof})`,
      executionId: run.executionId,
      expectedEpoch: local.epoch,
      epoch,
    });
  } catch (error) {
    // A retried step (transient Lambda error after the write) finds its own promotion: done.
    const current = error instanceof EpochConflictError ? await table.getRegion(run.region, { consistentRead: true }) : undefined;
    if (current?.state !== "ACTIVE" || current.epoch !== epoch || current.executionId !== run.executionId) throw error;
    record = current;
  }
  return {
    region: run.region,
    previousState: local.state,
    previousEpoch: local.epoch,
    epoch: record.epoch,
    promotedAt: Date.parse(record.updatedAt),
    proof,
  };
});
