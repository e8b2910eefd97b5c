/**
 * Keeping the DR lease while a run works (docs/architecture.md, "The lease, standing down, and
 * takeover"). The lease is short ({@link LEASE_LIFETIME_SECONDS}) so a run interrupted while holding
 * it (StopExecution, a States.Runtime error, its timeout) blocks the next one for at most that long;
 * every step of a run that acts or polls renews it, through {@link stepHandler}'s `lease` option.
 *
 * The renewal is a conditional write on the holder, failing closed: a lease another run holds now
 * fails the step with LeaseLostError and the run ends safe and notified through its failure path. A
 * lease that is gone is taken again (nobody holds it; whatever anyone did meanwhile moved the
 * authority's epoch, which the run's next transition checks) — what a run that waited past its lease
 * (an approval) does when it resumes. A step that acts renews BEFORE it acts, so it changes nothing
 * when the lease is lost; a step that only reads renews ALONGSIDE its reads (no added round trip
 * in a polling loop) and returns its answer only once the renewal succeeded, its own error first —
 * so a region that cannot write at all (strong mode, cut off from its peer and the witness) still
 * fails with the step's own named error (ReplicaNotReadyError) rather than the renewal's.
 *
 * A drill's poll of the failback it started (CheckPrimaryFailback) does not renew: that failback
 * runs under the drill's lease in the other region and renews it with its own steps (renewals from
 * both regions at once would be MRSC write conflicts), and releases it when it ends.
 */
import type { ControlTable } from "../../lib/control-record";
import { LEASE_LIFETIME_SECONDS } from "../../lib/control-schema";
import { leaseMode, type Run } from "./run";

export { LEASE_LIFETIME_SECONDS };

/** When a step renews: before it acts, or alongside its reads (see above). */
export type LeaseRenewal = "before" | "alongside";

/**
 * The runbook handlers whose steps renew the lease, and when. Every other Task of a run that holds
 * the lease (notifications, reports, compensation, release) does not: the gap they leave is
 * counted by test/state-machines/lease-gaps.test.ts against the lease's lifetime.
 */
export const LEASE_RENEWING_HANDLERS = {
  "assess-regions": "alongside",
  "check-replication": "alongside",
  "request-approval": "before",
  "set-peer-state": "before",
  "stop-peer-writes": "before",
  "promote-local": "before",
  "confirm-dns": "alongside",
  "drain-local": "before",
  "write-sentinel": "before",
  "check-sentinel": "alongside",
  "restore-write-function": "before",
  "publish-fence-metric": "before",
  "check-fence-alarm": "alongside",
  "check-detection": "alongside",
  "check-hold-payments": "alongside",
  "start-peer-failback": "before",
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

/** The `lease` option of {@link stepHandler} for `handler`: renews `run`'s lease in `table`, before or alongside the step. */
export function leaseKeeper(
  table: ControlTable,
  handler: LeaseRenewingHandler,
): { when: LeaseRenewal; renew: (input: { run: Run }) => Promise<void> } {
  return {
    when: LEASE_RENEWING_HANDLERS[handler],
    renew: async ({ run }) => {
      // A dry-run never holds the lease (it only reads it).
      if (run.mode === "dry-run") return;
      await table.renewLease({
        holder: run.leaseHolder,
        mode: leaseMode(run),
        region: run.region,
        ttlSeconds: renewalSeconds(handler, run),
      });
    },
  };
}
