/**
 * AcquireLease — takes the single DR lease shared by every mode and both regions, then applies
 * anti-flap to automatic runs (auto#<region>). Outcomes:
 * - acquired, not suppressed: proceed (an automatic run is recorded for the next anti-flap check);
 * - acquired, suppressed: an automatic run came too soon after the last one; the run ends (and
 *   releases the lease) without acting;
 * - not acquired: the lease belongs to a drill or a failback and this is an automatic run: stand
 *   down quietly (both fence or drain a region on purpose, which trips the peer's alarms);
 * - taken over: the holder is abandoned — the operator named it (`takeOverLease`, drctl
 *   --take-over-lease), or it runs in the peer region and this region's canary has not reached the
 *   peer for {@link LEASE_ABANDONED_AFTER_MS} (a run whose region is down cannot finish, and must not
 *   block the survivor for the lease's lifetime). Safe: every change a run makes is a transition of
 *   the authority conditional on what it read, so a holder that was only cut off and carries on
 *   cannot overwrite what the taker decided (it fails with EpochConflictError);
 * - LeaseHeldError: anyone else holds the lease: the run fails without touching that lease.
 */
import { ControlTable, type Lease, LeaseHeldError } from "../../../lib/control-record";
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { documentClient } from "../../domain/dynamodb";
import { antiFlap, isAutomaticExecution } from "../../domain/decisions";
import { createLogger, stepHandler } from "../../domain/handler";
import { leaseMode, type Run, runSchema } from "../../domain/run";
import type { LeaseStep } from "../../domain/steps";

const env = handlerEnv("acquire-lease");
const minAutoIntervalSeconds = intEnv("MIN_AUTO_INTERVAL_SECONDS", 0);
const table = new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE);
const logger = createLogger("acquire-lease");

const inputSchema = z.object({
  run: runSchema,
  /**
   * Lease lifetime (LEASE_LIFETIME_SECONDS, from the definition): short, since every step of the run
   * renews it (runbooks/domain/lease.ts); a drill's renewal before its hold also covers the hold.
   */
  ttlSeconds: z.number().check(z.int(), z.minimum(60)),
});

/** How long this region's canary must have failed to reach the peer before a peer run's lease counts as abandoned. */
export const LEASE_ABANDONED_AFTER_MS = 45_000;

/** Why `current` may be taken over by `run`, or undefined when it may not. */
async function abandoned(run: Run, current: Lease | undefined): Promise<string | undefined> {
  if (!current) return undefined;
  if (run.takeOverLease !== undefined && run.takeOverLease === current.holder) {
    return `taken over from ${current.holder} (${current.mode} in ${current.region}) at the operator's request (takeOverLease)`;
  }
  if (current.region !== run.peerRegion) return undefined;
  // Unreachable, not merely unhealthy: a fenced region answers 503 and its runs carry on.
  const probe = await table.getProbe(run.region, run.peerRegion, { consistentRead: true }).catch(() => undefined);
  if (!probe || probe.consecutiveFailures === 0 || probe.lastStatus !== 0) return undefined;
  // A renewal is the holder alive too: in strong mode this read sees the latest one from either region.
  const since = Math.max(probe.lastAnsweredAt ?? 0, probe.lastHealthyAt ?? 0, current.renewedAt ?? current.acquiredAt);
  if (Date.now() - since < LEASE_ABANDONED_AFTER_MS) return undefined;
  return (
    `taken over from ${current.holder} (${current.mode} in ${current.region}): ${run.region}'s canary has had no answer from ` +
    `${run.peerRegion} for ${Math.round((Date.now() - since) / 1000)} s, so that run cannot finish`
  );
}

export const handler = stepHandler(
  "acquire-lease",
  inputSchema,
  logger,
  async ({ run, ttlSeconds }): Promise<Omit<LeaseStep, "step" | "startedAt" | "finishedAt">> => {
    let lease;
    let takenOver: { from: Lease; reason: string } | undefined;
    const request = { holder: run.leaseHolder, mode: leaseMode(run), region: run.region, ttlSeconds };
    try {
      lease = await table.acquireLease(request);
    } catch (error) {
      if (!(error instanceof LeaseHeldError)) throw error;
      const operatorRun = error.current;
      const reason = await abandoned(run, operatorRun);
      if (reason && operatorRun) {
        lease = await table.takeOverLease(operatorRun.holder, request);
        takenOver = { from: operatorRun, reason };
        logger.warn("lease taken over", { from: operatorRun.holder, reason });
      } else if (run.automatic && (operatorRun?.mode === "drill" || operatorRun?.mode === "failback")) {
        return {
          acquired: false,
          suppressed: false,
          reason: `${operatorRun.mode} ${operatorRun.holder} holds the lease; automatic runs stand down while it runs (it trips alarms on purpose)`,
          holder: run.leaseHolder,
          heldBy: operatorRun,
        };
      } else {
        throw error;
      }
    }
    // Restoring a writer when nobody has one, or when the writer cannot write (strong mode: silent,
    // no heartbeat), is not flapping: anti-flap does not hold it back.
    const restoresWriter =
      run.trigger.source === "reconcile" && (run.trigger.condition === "no-writer" || run.trigger.condition === "writer-silent");
    const [lastRun, authority] = run.automatic
      ? await Promise.all([
          table.getLastAutomaticRun(run.region, { consistentRead: true }),
          table.getAuthority({ consistentRead: true }).catch(() => undefined),
        ])
      : [undefined, undefined];
    const decision = antiFlap({
      automatic: run.automatic && !restoresWriter,
      lastRun,
      now: Date.now(),
      minIntervalSeconds: minAutoIntervalSeconds,
      executionName: run.executionName,
      ...(authority && !isAutomaticExecution(authority.executionId) && authority.executionId !== "deployment"
        ? { operatorChangedAt: Date.parse(authority.updatedAt) }
        : {}),
      ...(authority ? { regionsChangedAt: Date.parse(authority.updatedAt) } : {}),
    });
    if (run.automatic && !decision.suppressed) await table.recordAutomaticRun(run.region, run.executionName);
    return {
      acquired: true,
      suppressed: decision.suppressed,
      reason: takenOver ? `${takenOver.reason}; ${decision.reason}` : decision.reason,
      holder: lease.holder,
      ...(takenOver ? { takenOverFrom: takenOver.from } : {}),
      expiresAt: lease.expiresAt,
      ...(decision.lastAutomaticRunAt !== undefined ? { lastAutomaticRunAt: decision.lastAutomaticRunAt } : {}),
      ...(decision.nextAllowedAt !== undefined ? { nextAllowedAt: decision.nextAllowedAt } : {}),
    };
  },
);
