/**
 * Keeping the DR lease while a run works (docs/architecture.md, "The lease, standing down, and
 * takeover"). The lease is short ({@link LEASE_LIFETIME_SECONDS}) so a run interrupted while holding
 * it (StopExecution, a States.Runtime error, its timeout) blocks the next one for at most that long;
 * every step of a run that holds it renews it, before the step does anything, through
 * {@link stepHandler}'s `lease` option.
 *
 * Two kinds of renewal:
 * - `strict` (every step that acts or decides): a conditional write on the holder. A lease another
 *   run holds now fails the step with LeaseLostError before it changes anything, and the run ends
 *   safe and notified through its failure path. A lease that is gone is taken again (nobody holds
 *   it; what anyone did meanwhile moved the authority's epoch, which the run's next transition
 *   checks) — this is what a run that waited past its lease (an approval) does when it resumes.
 * - `if-held` (a drill polling the failback it started, which runs under the drill's lease in the
 *   other region and releases it when it ends): renews the lease while the holder still has it, and
 *   otherwise carries on — the poll changes nothing, and the failback's own steps renew strictly.
 */
import { type ControlTable, LEASE_LIFETIME_SECONDS, LeaseLostError } from "../../lib/control-record";
import { leaseMode, type Run } from "./run";

export { LEASE_LIFETIME_SECONDS };

export type LeaseRenewal = "strict" | "if-held";

/**
 * The runbook handlers whose steps renew the lease, and how. Every other Task of a run that holds
 * the lease (notifications, reports, compensation, release) does not: the gap they leave is
 * counted by test/state-machines/lease-gaps.test.ts against the lease's lifetime.
 */
export const LEASE_RENEWING_HANDLERS = {
  "assess-regions": "strict",
  "check-replication": "strict",
  "request-approval": "strict",
  "set-peer-state": "strict",
  "stop-peer-writes": "strict",
  "promote-local": "strict",
  "confirm-dns": "strict",
  "drain-local": "strict",
  "write-sentinel": "strict",
  "check-sentinel": "strict",
  "restore-write-function": "strict",
  "publish-fence-metric": "strict",
  "check-fence-alarm": "strict",
  "check-detection": "strict",
  "check-hold-payments": "strict",
  "start-peer-failback": "strict",
  "check-peer-execution": "if-held",
} as const satisfies Record<string, LeaseRenewal>;

export type LeaseRenewingHandler = keyof typeof LEASE_RENEWING_HANDLERS;

/**
 * How long a renewal by `handler` keeps the lease: its lifetime, and for a drill's DNS confirmation
 * also the hold that follows it — HoldTraffic is one Wait of up to an hour, with no step in it to
 * renew, and automatic runs must go on standing down while a drill holds traffic in the secondary.
 */
export function renewalSeconds(handler: LeaseRenewingHandler, run: Pick<Run, "mode" | "holdSeconds">): number {
  return LEASE_LIFETIME_SECONDS + (handler === "confirm-dns" && run.mode === "drill" ? run.holdSeconds : 0);
}

/** The `lease` option of {@link stepHandler} for `handler`: renews `run`'s lease in `table` before the step. */
export function leaseKeeper(
  table: ControlTable,
  handler: LeaseRenewingHandler,
  log: (message: string, details: Record<string, unknown>) => void = () => undefined,
): (input: { run: Run }) => Promise<void> {
  const kind: LeaseRenewal = LEASE_RENEWING_HANDLERS[handler];
  return async ({ run }) => {
    // A dry-run never holds the lease (it only reads it).
    if (run.mode === "dry-run") return;
    const request = { holder: run.leaseHolder, mode: leaseMode(run), region: run.region, ttlSeconds: renewalSeconds(handler, run) };
    if (kind === "strict") {
      await table.renewLease(request);
      return;
    }
    try {
      await table.renewLease(request, { takeIfFree: false });
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      log("lease not renewed: no longer held by this run", { holder: run.leaseHolder, current: error.current?.holder });
    }
  };
}
