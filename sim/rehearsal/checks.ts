/**
 * The checks every scenario is held to, from its figures: nothing acknowledged is lost, nothing
 * is charged twice, one writer at a time, the replicas agree once replication has caught up, no
 * request was rejected as malformed, after a failback DNS answers the writer, and the objectives
 * (RTO/RPO from the evaluated stack) plus DESIGN's target (RTO ≤ 120 s) where the scenario
 * measures them.
 */
import type { Deployment } from "../deployment/deployment";
import type { Figures } from "./figures";
import { ZERO_ACTIVE_ALLOWANCE_SECONDS } from "./invariants";
import type { Check } from "./scenario";

/** DESIGN.md, "Targets": modeled and rehearsed RTO ≤ 120 s with the default configuration. */
export const DESIGN_RTO_TARGET_SECONDS = 120;

const pass = (name: string, ok: boolean, detail: string): Check => ({ name, verdict: ok ? "pass" : "fail", detail });
const secondsBetween = (from: number, to: number) => `${Math.round((to - from) / 100) / 10} s`;

/** After a failback, DNS never sends clients to a region that refuses writes while the writer is up. */
export function dnsAfterFailbackCheck(f: Pick<Figures, "failbackCompletedAt" | "misdirectedDnsAfterFailback">): Check {
  const name = "DNS answers the writer after the failback";
  if (f.failbackCompletedAt === null) return { name, verdict: "n/a", detail: "no failback completed in this scenario" };
  const done = f.failbackCompletedAt;
  const wrong = f.misdirectedDnsAfterFailback;
  if (wrong.length === 0)
    return pass(name, true, "from the failback's end to the next transition, api answered only the ACTIVE region (or the only one up)");
  const shown = wrong
    .slice(0, 3)
    .map(
      (m) =>
        `${m.answered} (${m.state}) from ${secondsBetween(done, m.from)} after the failback ${m.to === null ? "to the end" : `for ${secondsBetween(m.from, m.to)}`}, while ${m.writer} was ACTIVE`,
    )
    .join("; ");
  return pass(name, false, `api answered ${shown}`);
}

const byRegion = (tally: Record<string, number>) =>
  Object.entries(tally)
    .map(([region, n]) => `${region} ${n}`)
    .join(", ");

/** A check over payments counted by origin region: any in `failing` fails it; those `waiting` (by design) are only said. */
function regionTallyCheck(
  name: string,
  failing: Record<string, number>,
  waiting: Record<string, number>,
  text: { clean: string; failing: string; waiting: string },
): Check {
  const none = Object.keys(failing).length === 0;
  const waits = Object.keys(waiting).length === 0 ? "" : `; ${text.waiting}: ${byRegion(waiting)}`;
  return pass(name, none, (none ? text.clean : `${text.failing}: ${byRegion(failing)}`) + waits);
}

export function commonChecks(f: Figures): Check[] {
  const checks: Check[] = [
    pass(
      "no acknowledged payment lost",
      f.acknowledgedPaymentsLost === 0,
      `${f.acknowledged} acknowledged (every region's), ${f.acknowledgedPaymentsLost} missing from ${f.judgedIn}'s table${f.lostPaymentIds.length ? ` (${f.lostPaymentIds.slice(0, 3).join(", ")}${f.lostPaymentIds.length > 3 ? ", ..." : ""})` : ""}`,
    ),
    pass(
      "no duplicate payment",
      f.duplicatePayments === 0,
      `${f.duplicatePayments} payments settled twice or stored twice${f.conflictingCreations ? `; ${f.conflictingCreations} created in both regions, reconciled last-writer-wins` : ""}`,
    ),
    pass(
      "one writer at a time",
      f.writesAfterDemotion === 0,
      `${f.writesAfterDemotion} payments accepted by a region more than ${f.demotedWriteBoundSeconds} s (the payment path's cache bound plus its write deadline) after the other was promoted over it` +
        (f.writesWithinDemotedBound ? `; ${f.writesWithinDemotedBound} within the bound` : ""),
    ),
    pass(
      "replicas converged",
      f.replicasConverged,
      f.replicasConverged
        ? "both replicas of the payments table hold the same items"
        : "the replicas still differ after replication settled",
    ),
    pass("API accepted every well-formed request", f.clientErrors === 0, `${f.clientErrors} requests answered 400/403/422`),
    pass(
      "every request eventually acknowledged",
      f.stillRetrying === 0,
      `${f.stillRetrying} requests still retrying when the scenario ended`,
    ),
    regionTallyCheck("every payment settled where its region may serve", f.notSettled, f.awaitingFailback, {
      clean: "no payment left PENDING in an ACTIVE or STANDBY region",
      failing: "left PENDING, by the region that accepted them",
      waiting: "held by a region that is fenced or down until it returns (by design, not lost)",
    }),
    regionTallyCheck("every acknowledged payment in the transaction log", f.unlogged, f.logAwaitingRegion, {
      clean: "every acknowledged payment's entries, up to the state its table holds, are in its origin region's bucket",
      failing: "entries missing, by the region that accepted the payments",
      waiting: "waiting in a region that is down until it returns (not lost: its queue and stream hold them)",
    }),
    dnsAfterFailbackCheck(f),
    pass(
      "never zero ACTIVE while a region can serve",
      f.longestZeroActiveSeconds <= ZERO_ACTIVE_ALLOWANCE_SECONDS && f.activeAtEnd.length > 0,
      `longest stretch with no region ACTIVE while one was up: ${f.longestZeroActiveSeconds} s (allowed: detection and promotion, ${ZERO_ACTIVE_ALLOWANCE_SECONDS} s); ACTIVE at the end: ${f.activeAtEnd.join(", ") || "none"}`,
    ),
    pass(
      "never two ACTIVE regions",
      f.longestTwoActiveSeconds === 0,
      `longest stretch with both regions up and ACTIVE as their write path reads it: ${f.longestTwoActiveSeconds} s`,
    ),
    pass(
      "every run ended, and said how",
      f.unfinishedRuns.length === 0 && f.unnotifiedRuns.length === 0,
      f.unfinishedRuns.length === 0 && f.unnotifiedRuns.length === 0
        ? "every DR execution ended and notified its outcome"
        : [
            f.unfinishedRuns.length ? `still running: ${f.unfinishedRuns.join(", ")}` : "",
            f.unnotifiedRuns.length ? `ended without a final notification: ${f.unnotifiedRuns.join(", ")}` : "",
          ]
            .filter(Boolean)
            .join("; "),
    ),
    pass(
      "no automatic failback",
      f.automaticFailbacks.length === 0,
      f.automaticFailbacks.length === 0
        ? "the primary was never made ACTIVE again by an alarm"
        : `alarm-started runs made the primary ACTIVE again: ${f.automaticFailbacks.join(", ")}`,
    ),
    pass(
      "IAM allowed every call and delivery",
      f.iamDenials.length === 0,
      f.iamDenials.length === 0
        ? `${f.awsCalls} AWS calls and every service delivery authorized against the stack's own policies`
        : `${f.iamDenials.length} denied, e.g. ${f.iamDenials.slice(0, 2).join("; ")}`,
    ),
    pass(
      "every alarm notification delivered",
      f.failedAlarmActions.length === 0,
      f.failedAlarmActions.length === 0
        ? "CloudWatch delivered every alarm action"
        : `lost: ${f.failedAlarmActions.slice(0, 2).join("; ")}`,
    ),
  ];
  return checks;
}

export interface Applicability {
  /** true, or why the RTO objective does not apply. */
  rto: true | string;
  /** true, or why DESIGN's 120 s target does not apply (e.g. a human decided). Defaults to `rto`. */
  designTarget?: true | string;
  /** true, or why the RPO objective does not apply. */
  rpo: true | string;
}

export function objectiveChecks(f: Figures, objectives: { rpoSeconds: number; rtoSeconds: number }, applies: Applicability): Check[] {
  const rtoCheck = (name: string, within: (rto: number) => boolean, why: true | string): Check => {
    if (why !== true) return { name, verdict: "n/a", detail: `${why}${f.rtoSeconds !== null ? ` (measured ${f.rtoSeconds} s)` : ""}` };
    if (f.rtoSeconds === null) return pass(name, false, "not measured: DNS never answered the secondary, or no payment succeeded there");
    return pass(name, within(f.rtoSeconds), `measured ${f.rtoSeconds} s`);
  };
  // The brief's objectives are strict ("RTO < 5 minutes", "RPO < 1 minute"); DESIGN's target is "≤ 120 s".
  const checks = [
    rtoCheck(`RTO < ${objectives.rtoSeconds} s (objective)`, (r) => r < objectives.rtoSeconds, applies.rto),
    rtoCheck(
      `RTO ≤ ${DESIGN_RTO_TARGET_SECONDS} s (DESIGN target)`,
      (r) => r <= DESIGN_RTO_TARGET_SECONDS,
      applies.designTarget ?? applies.rto,
    ),
  ];
  const e = f.rpoExposureSeconds;
  const rpoDetail = `runbook measured ${e === null ? "nothing" : `${e} s`}; actually unreplicated when the primary died: ${f.unreplicatedWindowSeconds ?? 0} s (${f.unreplicatedPaymentsAtOutage} payments)`;
  const rpoName = `RPO exposure < ${objectives.rpoSeconds} s (objective)`;
  checks.push(
    applies.rpo !== true
      ? { name: rpoName, verdict: "n/a", detail: `${applies.rpo}; ${rpoDetail}` }
      : pass(rpoName, e !== null && e < objectives.rpoSeconds, rpoDetail),
  );
  return checks;
}

/** DESIGN / issue 16: a planned move (failback, drill) costs clients that retry at most this long without an acknowledgement. */
export const PLANNED_MOVE_GAP_SECONDS = 5;

export function plannedMoveCheck(f: Pick<Figures, "plannedMoves">): Check {
  const name = `a planned move costs clients ≤ ${PLANNED_MOVE_GAP_SECONDS} s`;
  if (f.plannedMoves.length === 0)
    return { name, verdict: "n/a", detail: "no failback or drill completed in this scenario with both regions up" };
  const worst = f.plannedMoves.reduce((a, b) => (b.longestGapSeconds > a.longestGapSeconds ? b : a));
  return pass(
    name,
    worst.longestGapSeconds <= PLANNED_MOVE_GAP_SECONDS,
    `longest stretch without an acknowledgement while a planned move ran: ${f.plannedMoves.map((m) => `${m.name} ${m.longestGapSeconds} s`).join(", ")}`,
  );
}

/**
 * Whatever happens, clients that keep retrying get an acknowledgement again within the RTO
 * objective: an outage nobody resolves (a broken region left ACTIVE, a writer never restored)
 * turns this red even when every other invariant holds.
 */
export function paymentsResumeCheck(f: Pick<Figures, "longestWithoutAcknowledgementSeconds">, rtoSeconds: number): Check {
  return pass(
    `clients without an acknowledgement < ${rtoSeconds} s (the RTO objective)`,
    f.longestWithoutAcknowledgementSeconds < rtoSeconds,
    `longest stretch between two acknowledgements, or from the last one to the end while requests were still retrying (any region): ${f.longestWithoutAcknowledgementSeconds} s`,
  );
}

/**
 * Failures a data-consistency mode declares known in every scenario: none. Until issue 16's ≤ 5 s
 * handover, eventual mode declared "a planned move costs clients ≤ 5 s" here (a failback cost
 * clients 13.8 s, a drill 12.9 s): its planned move stopped the writer and settled for 10 s before
 * the sentinel. It now announces the handover first, so the old writer's containers see the stop
 * within a second and the settle is 2 s (docs/architecture.md, "Planned moves"), and the check
 * holds in both modes. Kept as the one place such a declaration would go, with its reason.
 */
export function everyScenarioKnownFailures(_d: Deployment): { checks: string[]; reason: string } | undefined {
  return undefined;
}

export function passed(checks: Check[]): boolean {
  return checks.every((c) => c.verdict !== "fail" || c.known !== undefined);
}

/** Marks the failed checks a scenario declares known, with the reason. */
export function markKnown(checks: Check[], known: { checks: string[]; reason: string } | undefined): Check[] {
  if (!known) return checks;
  return checks.map((c) => (c.verdict === "fail" && known.checks.includes(c.name) ? { ...c, known: known.reason } : c));
}
