/**
 * Promote — marks the LOCAL region ACTIVE: a transition of the authority, conditional on the epoch
 * AssessRegions read or on this run having made the last transition (its fence); EpochConflictError
 * if another execution moved it. The authority refuses it outright if the peer is still ACTIVE.
 *
 * Defence in depth for checklist B3: besides the graph, the step itself refuses to promote
 * without proof that the old writer was stopped — the fence (or drain) of the peer in this run,
 * or, for a failback, the sentinel that proves the fenced secondary's writes replicated here (in
 * strong mode its handover, which stopped the secondary in the transition that made this region ACTIVE);
 * a drill needs both (its drain, then the sentinel written through the drained primary).
 */
import { ControlTable } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { FenceRequiredError, PreconditionFailedError } from "../../domain/errors";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { assessmentSchema, peerStateStepSchema, sentinelCheckSchema } from "../../domain/steps";
import { leaseKeeper } from "../../domain/lease";

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
    // Strong mode: this run's handover made this region ACTIVE and the secondary STANDBY in one
    // MRSC write, acknowledged only once durable in a second region and the version every later
    // read and condition sees: the secondary stopped writing in the same transition. No sentinel.
    if (fence?.handover === true && fence.region === run.peerRegion && fence.state === "STANDBY")
      return `handover at epoch ${fence.epoch}: ${fence.region} STANDBY in the same transition`;
    if (!sentinel?.seen)
      throw new FenceRequiredError("failback promotes only after the sentinel written through the fenced secondary has replicated here");
    return `sentinel ${sentinel.id} replicated`;
  }
  // The peer is not the writer: fenced or drained by this run, or found not ACTIVE by it (nobody wrote).
  if (!fence || fence.region !== run.peerRegion || fence.state === "ACTIVE") {
    throw new FenceRequiredError(`${run.region} is promoted only after ${run.peerRegion} was fenced or drained by this run`);
  }
  const stopped =
    fence.previousState === fence.state
      ? `${fence.region} was already ${fence.state} (not the writer)`
      : `${fence.region} ${fence.state} at ${new Date(fence.changedAt).toISOString()}`;
  // A drill moves a healthy writer on purpose: what the primary wrote before its drain must be here
  // first (the sentinel, written through its replicas after the drain settled).
  if (run.mode === "drill") {
    if (!sentinel?.seen)
      throw new FenceRequiredError("a drill promotes only after the sentinel written through the drained primary has replicated here");
    return `${stopped}; sentinel ${sentinel.id} replicated`;
  }
  return stopped;
}

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(table, "promote-local");

export const handler = stepHandler(
  "promote-local",
  inputSchema,
  logger,
  async (input) => {
    const { run, assessment } = input;
    const proof = promotionProof(input);
    const local = assessment.local;
    if (!local) throw new PreconditionFailedError(`no region record for ${run.region} was read before promoting`);
    const record = await table.transitionRegion({
      region: run.region,
      state: "ACTIVE",
      reason: `${run.mode} ${run.executionName}: promoted (${proof})`,
      executionId: run.executionId,
      expectedEpoch: local.epoch,
    });
    return {
      region: run.region,
      previousState: local.state,
      previousEpoch: local.epoch,
      epoch: record.epoch,
      promotedAt: Date.parse(record.updatedAt),
      proof,
    };
  },
  { lease },
);
