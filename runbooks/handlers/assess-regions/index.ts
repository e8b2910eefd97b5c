/**
 * AssessRegions — reads both region records from the LOCAL replica (strongly consistent) and
 * decides what this run does (runbooks/lib/decisions.ts `decideAction`) and whether it must wait
 * for an operator (`approvalRequired`, AUTO_FAILOVER). Read-only; the dry-run uses it too.
 */
import { ControlTable } from "../../../functions/lib/control-record";
import { requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { documentClient } from "../../lib/dynamodb";
import { approvalRequired, decideAction } from "../../lib/decisions";
import { ConfigurationError } from "../../lib/errors";
import { booleanEnv, createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";

const env = requireEnv(["LOCAL_REGION", "PEER_REGION", "CONTROL_TABLE", "AUTO_FAILOVER"]);
const autoFailover = booleanEnv("AUTO_FAILOVER", env.AUTO_FAILOVER);
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("assess-regions");

export const handler = stepHandler("assess-regions", z.object({ run: runSchema }), logger, async ({ run }) => {
  if (run.region !== env.LOCAL_REGION || run.peerRegion !== env.PEER_REGION) {
    throw new ConfigurationError(`Run is for ${run.region}/${run.peerRegion} but this function serves ${env.LOCAL_REGION}/${env.PEER_REGION}`);
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
