/**
 * AssessRegions — reads both region records from the LOCAL replica (strongly consistent) and
 * decides what this run does (runbooks/domain/decisions.ts `decideAction`) and whether it must wait
 * for an operator (`approvalRequired`, AUTO_FAILOVER). Read-only; the dry-run uses it too.
 */
import { ControlTable } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { approvalRequired, decideAction } from "../../domain/decisions";
import { ConfigurationError } from "../../domain/errors";
import { booleanEnv, createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";

const env = handlerEnv("assess-regions");
const autoFailover = booleanEnv("AUTO_FAILOVER", env.AUTO_FAILOVER);
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("assess-regions");

export const handler = stepHandler("assess-regions", z.object({ run: runSchema }), logger, async ({ run }) => {
  if (run.region !== env.LOCAL_REGION || run.peerRegion !== env.PEER_REGION) {
    throw new ConfigurationError(
      `Run is for ${run.region}/${run.peerRegion} but this function serves ${env.LOCAL_REGION}/${env.PEER_REGION}`,
    );
  }
  const [local, peer] = await Promise.all([
    table.getRegion(run.region, { consistentRead: true }),
    table.getRegion(run.peerRegion, { consistentRead: true }),
  ]);
  const decision = decideAction({
    mode: run.checkMode,
    trigger: run.trigger,
    region: run.region,
    peerRegion: run.peerRegion,
    localRole: run.localRole,
    local,
    peer,
  });
  const approval = approvalRequired({ requireApproval: run.requireApproval, automatic: run.automatic, autoFailover });
  logger.info("assessment", { action: decision.action, reason: decision.reason, needsApproval: approval.required });
  return {
    action: decision.action,
    reason: decision.reason,
    ...(local ? { local } : {}),
    ...(peer ? { peer } : {}),
    needsApproval: approval.required,
    approvalReason: approval.reason,
    autoFailover,
  };
});
