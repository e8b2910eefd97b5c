/**
 * AssessRegions — reads the authority (strongly consistent: in strong mode the latest in any region)
 * and the local canary's latest probe of the peer, and
 * decides what this run does (runbooks/domain/decisions.ts `decideAction`) and whether it must wait
 * for an operator (`approvalRequired`, AUTO_FAILOVER). Read-only; the dry-run uses it too.
 */
import { ControlTable, regionView } from "../../../lib/control-record";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { approvalRequired, decideAction } from "../../domain/decisions";
import { ConfigurationError } from "../../domain/errors";
import { booleanEnv, createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("assess-regions");
const autoFailover = booleanEnv("AUTO_FAILOVER", env.AUTO_FAILOVER);
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("assess-regions");

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(table, "assess-regions");

export const handler = stepHandler(
  "assess-regions",
  z.object({ run: runSchema }),
  logger,
  async ({ run }) => {
    if (run.region !== env.LOCAL_REGION || run.peerRegion !== env.PEER_REGION) {
      throw new ConfigurationError(
        `Run is for ${run.region}/${run.peerRegion} but this function serves ${env.LOCAL_REGION}/${env.PEER_REGION}`,
      );
    }
    const [authority, probe] = await Promise.all([
      table.getAuthority({ consistentRead: true }),
      table.getProbe(run.region, run.peerRegion, { consistentRead: true }).catch(() => undefined),
    ]);
    const local = regionView(authority, run.region);
    const peer = regionView(authority, run.peerRegion);
    const healthyNow = probe !== undefined && probe.consecutiveFailures === 0 && probe.lastHealthyAt !== undefined;
    const decision = decideAction({
      mode: run.checkMode,
      trigger: run.trigger,
      region: run.region,
      peerRegion: run.peerRegion,
      localRole: run.localRole,
      local,
      peer,
      ...(healthyNow ? { peerHealthyMsAgo: Date.now() - (probe.lastHealthyAt as number) } : {}),
      ...(probe?.lastAnsweredAt !== undefined ? { peerAnsweredMsAgo: Date.now() - probe.lastAnsweredAt } : {}),
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
  },
  { lease },
);
