/**
 * AssessRegions — reads the authority (strongly consistent: in strong mode the latest in any region)
 * and the local canary's latest probe of the peer (for a reconciler's `writer-silent` run, also
 * one probe of the writer's /health now), and
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
import { probePeer } from "../../domain/peer-probe";

/** As patient as Route 53's checkers (4 s to connect, 2 s to answer) and the canary (5 s at most). */
const LAST_LOOK_TIMEOUT_MS = 5000;

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
    // The reconciler saw the writer silent on the canary's last probe, which may have been sent up
    // to a probe period ago: a writer back since then would be fenced the moment it returned (the
    // sweep found 52-57 s outages doing exactly that). One more look, now, decides.
    const lastLook =
      run.trigger.source === "reconcile" && run.trigger.condition === "writer-silent"
        ? await probePeer(env.PEER_HEALTH_URL, LAST_LOOK_TIMEOUT_MS)
        : undefined;
    if (lastLook)
      logger.info("last look at the silent writer", { status: lastLook.status, latencyMs: lastLook.latencyMs, error: lastLook.error });
    const answeredAt = lastLook && lastLook.status !== 0 ? Date.now() : probe?.lastAnsweredAt;
    const decision = decideAction({
      mode: run.checkMode,
      trigger: run.trigger,
      region: run.region,
      peerRegion: run.peerRegion,
      localRole: run.localRole,
      local,
      peer,
      ...(healthyNow ? { peerHealthyMsAgo: Date.now() - (probe.lastHealthyAt as number) } : {}),
      ...(answeredAt !== undefined ? { peerAnsweredMsAgo: Date.now() - answeredAt } : {}),
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
