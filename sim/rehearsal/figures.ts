/**
 * The rehearsal's measurements, taken from the simulated world after it settled:
 * - RTO: outage start → `api.<zone>` answers the secondary AND a payment is acknowledged there;
 * - RPO exposure as the runbook measured it (its own evidence report, read from the simulated S3)
 *   and the actual unreplicated-write window when the primary died;
 * - acknowledged payments lost (checked against the active region's table), duplicates, split
 *   brain (payments accepted by a region after another region was promoted over it);
 * - acknowledged payments whose transaction-log entries are missing from their origin's bucket;
 * - notifications sent by the runbooks;
 * - after a failback completed, DNS answering a region that was not writing while the writer was up.
 */
import type { Payment } from "../../functions/domain/payments";
import { historyOf, transactionLogKey } from "../../functions/domain/transaction-log";
import { demotedWriteBoundMs } from "../../lib/control-schema";
import { isReplicationHeartbeatKey } from "../../lib/replication-heartbeat";
import { regionIn } from "../authority";
import { fn } from "../deployment/deployment";
import { denialMessage } from "../iam/authorizer";
import { misdirectedAnswers } from "./dns-after-failback";
import { invariantFigures } from "./invariants";
import type { Figures, RunbookMeasurement, ScenarioContext } from "./scenario";

export type { Figures, RunbookMeasurement };

/**
 * When the first failback execution (of any region) that moved the writer succeeded. A failback
 * that found the primary ACTIVE already (no-action: in eventual mode its replica may not have the
 * failover yet) moved nothing, and what DNS answers after it is not a failback's doing.
 */
function failbackCompletedAt(ctx: ScenarioContext): number | null {
  const ends = [...ctx.world.sfn.executions.values()]
    .filter((e) => e.status === "SUCCEEDED" && e.stopDate !== undefined && modeOf(e.input) === "failback")
    .filter((e) => e.states.some((s) => s.name === "PromotePrimary"))
    .map((e) => e.stopDate as number);
  return ends.length > 0 ? Math.min(...ends) : null;
}

function modeOf(input: string): string | undefined {
  try {
    return (JSON.parse(input) as { mode?: string }).mode;
  } catch {
    return undefined;
  }
}

const round1 = (ms: number) => Math.round(ms / 100) / 10;

/** The evidence report a runbook execution wrote to its region's bucket, if it wrote one. */
export function runbookReport(ctx: ScenarioContext, region: string, execution: string): Record<string, unknown> | undefined {
  const bucket = fn(ctx.deployment, region, "write-report").env.EVIDENCE_BUCKET;
  try {
    return JSON.parse(ctx.world.s3.get(region, bucket, `reports/${execution}/report.json`).body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function measurement(ctx: ScenarioContext): RunbookMeasurement | null {
  const name = ctx.marks.measuredExecution;
  if (!name) return null;
  for (const region of ctx.deployment.regions) {
    const report = runbookReport(ctx, region, name);
    if (!report) continue;
    const m = report.measurements as Record<string, number | null>;
    const evaluation = report.evaluation as { passed: boolean };
    return {
      execution: name,
      region,
      outcome: String(report.outcome),
      passed: evaluation.passed,
      rtoSeconds: m.rtoSeconds ?? null,
      rpoExposureSeconds: m.rpoExposureSeconds ?? null,
      detectionSeconds: m.detectionSeconds ?? null,
      dnsShiftSeconds: m.dnsShiftSeconds ?? null,
      report,
    };
  }
  return null;
}

export function measure(ctx: ScenarioContext): Figures {
  const { world, traffic, observations: obs, marks, deployment } = ctx;
  const paymentsTable = deployment.tables.find((t) => t.hashKey === "paymentId")?.name as string;
  const start = marks.outageStart ?? null;

  const dnsMovedAt =
    start === null ? null : (world.route53.answerHistory.find((a) => a.at >= start && a.region === ctx.secondary)?.at ?? null);
  const firstAck = start === null ? undefined : traffic.firstAckIn(ctx.secondary, start);
  const rto = start !== null && dnsMovedAt !== null && firstAck ? round1(Math.max(dnsMovedAt, firstAck.at) - start) : null;

  const activeRegions = deployment.regions.filter((r) => regionIn(world, r, r)?.state === "ACTIVE");
  // Lost is judged against the union of every acknowledgement, in the replica of a region that is up
  // and ACTIVE by its own record at the end — never a dead region's stale copy.
  const invariants = invariantFigures(ctx);
  const live = deployment.regions.filter((r) => world.reachability.isUp(r));
  const judge = invariants.activeAtEnd[0] ?? live[0] ?? ctx.primary;
  // The payments table's items that are payments: eventual mode's canaries also keep a replication
  // heartbeat there (lib/replication-heartbeat.ts), which is no payment and is never counted as one.
  const paymentItems = (region: string) =>
    world.dynamodb.items(region, paymentsTable).filter((i) => !isReplicationHeartbeatKey(i.paymentId));
  const isPayment = (id: string) => !isReplicationHeartbeatKey(id);
  const finalItems = paymentItems(judge) as {
    paymentId: string;
    merchantReference?: string;
    status?: string;
    originRegion?: string;
  }[];
  const byId = new Map(finalItems.map((i) => [i.paymentId, i]));
  const lost = traffic.acks.filter((a) => !byId.has(a.paymentId) || byId.get(a.paymentId)?.merchantReference !== a.merchantReference);

  const byReference = new Map<string, number>();
  for (const i of finalItems)
    if (i.merchantReference) byReference.set(i.merchantReference, (byReference.get(i.merchantReference) ?? 0) + 1);
  const settledTwice = [...obs.settlements.values()].filter((regions) => regions.length > 1).length;
  const duplicateReferences = [...byReference.values()].filter((n) => n > 1).length;
  const creations = [...obs.creations.entries()].filter(([id]) => isPayment(id)).map(([, c]) => c);
  const conflicting = creations.filter((c) => new Set(c.map((x) => x.region)).size > 1).length;

  // Split brain: a payment accepted by a region after another region was promoted over it, and
  // before it was promoted again itself.
  // The payment path reads the authority through a cache (REGION_STATE_CACHE_SECONDS) and sends a
  // write it admitted only until its read's lifetime plus a grace: a demoted region may commit
  // payments for that long (plus the apply bound) after the promotion — the stated bound
  // (demotedWriteBoundMs), counted apart.
  const promotions = obs.regionRecords.filter((r) => r.local && r.state === "ACTIVE").map((r) => ({ region: r.region, at: r.at }));
  const boundMs = demotedWriteBoundMs(Number(fn(deployment, ctx.primary, "create-payment").env.REGION_STATE_CACHE_SECONDS ?? 0) * 1000);
  let writesAfterDemotion = 0;
  let writesWithinDemotedBound = 0;
  for (const created of creations.flat()) {
    const promotion = promotions.filter((p) => p.at < created.at).at(-1);
    const writer = promotion?.region ?? ctx.primary;
    if (writer === created.region) continue;
    if (promotion && created.at - promotion.at <= boundMs) writesWithinDemotedBound += 1;
    else writesAfterDemotion += 1;
  }

  const [a, b] = deployment.regions;
  const snapshot = (r: string) => JSON.stringify(paymentItems(r).sort((x, y) => String(x.paymentId).localeCompare(String(y.paymentId))));
  // A region settles its own payments while it may serve; a FENCED or DRAINED one holds them
  // (by design) until a failback, and a region that is down holds them until it is back. Each
  // live region's state as its own replica says (a dead region's replica is stale: it may still
  // say ACTIVE after the survivor was promoted over it).
  const mayServeAtEnd = (r: string) => {
    const state = regionIn(world, r, r)?.state;
    return world.reachability.isUp(r) && (state === "ACTIVE" || state === "STANDBY");
  };
  const notSettled: Record<string, number> = {};
  const awaitingFailback: Record<string, number> = {};
  for (const i of finalItems) {
    if (i.status === "SETTLED") continue;
    const origin = i.originRegion ?? "?";
    const bucket = deployment.regions.includes(origin) && !mayServeAtEnd(origin) ? awaitingFailback : notSettled;
    bucket[origin] = (bucket[origin] ?? 0) + 1;
  }

  // The transaction log: every acknowledged payment's history, as the state the table holds says
  // (historyOf), in its origin region's bucket, where record-transactions writes it. A region that
  // is down holds its log's backlog (its queue, its stream) until it returns: counted apart.
  const unlogged: Record<string, number> = {};
  const logAwaitingRegion: Record<string, number> = {};
  const bucketKeys = new Map<string, Set<string>>();
  const keysIn = (region: string) => {
    let keys = bucketKeys.get(region);
    if (!keys) {
      keys = new Set(world.s3.keys(fn(deployment, region, "record-transactions").env.TRANSACTION_BUCKET ?? ""));
      bucketKeys.set(region, keys);
    }
    return keys;
  };
  for (const ack of traffic.acks) {
    const item = byId.get(ack.paymentId);
    const origin = item?.originRegion;
    if (!item || !origin || !deployment.regions.includes(origin)) continue; // lost: its own check
    const keys = keysIn(origin);
    const complete = historyOf(item as unknown as Payment).every((e) => keys.has(transactionLogKey(e.paymentId, e.version, e.status)));
    if (complete) continue;
    const tally = world.reachability.isUp(origin) ? unlogged : logAwaitingRegion;
    tally[origin] = (tally[origin] ?? 0) + 1;
  }

  const window = marks.unreplicatedAtOutage;
  const runbook = measurement(ctx);
  const fromOrigin = world.sns.inbox.filter((m) => m.at >= ctx.clock.origin);
  const failedBackAt = failbackCompletedAt(ctx);
  const misdirected =
    failedBackAt === null
      ? []
      : misdirectedAnswers(failedBackAt, ctx.clock.now(), {
          answers: world.route53.answerHistory,
          // What each runbook wrote, wherever it wrote it: the region's intended state.
          records: obs.regionRecords.filter((r) => r.local).map(({ at, region, state }) => ({ at, region, state })),
          availability: obs.availability,
        });
  return {
    outageStartedAt: start,
    dnsMovedAt,
    firstSecondaryAckAt: firstAck?.at ?? null,
    rtoSeconds: rto,
    runbook,
    rpoExposureSeconds: runbook?.rpoExposureSeconds ?? null,
    unreplicatedWindowSeconds: window && start !== null ? (window.oldestAt === null ? 0 : round1(start - window.oldestAt)) : null,
    unreplicatedPaymentsAtOutage: window?.paymentIds.filter(isPayment).length ?? 0,
    acknowledged: traffic.acks.length,
    acknowledgedPaymentsLost: lost.length,
    lostPaymentIds: lost.map((l) => l.paymentId),
    duplicatePayments: settledTwice + duplicateReferences,
    conflictingCreations: conflicting,
    writesAfterDemotion,
    writesWithinDemotedBound,
    demotedWriteBoundSeconds: boundMs / 1000,
    // Only replicas of regions that are up can be compared: a dead region's copy waits for its recovery.
    replicasConverged: !world.reachability.isUp(a) || !world.reachability.isUp(b) || snapshot(a) === snapshot(b),
    activeRegions,
    notSettled,
    awaitingFailback,
    unlogged,
    logAwaitingRegion,
    stillRetrying: traffic.open.size,
    clientErrors: traffic.clientErrors.length,
    notificationsSent: fromOrigin.filter((m) => m.attributes.source !== "cloudwatch-alarm").length,
    alarmNotifications: fromOrigin.filter((m) => m.attributes.source === "cloudwatch-alarm").length,
    failbackCompletedAt: failedBackAt,
    misdirectedDnsAfterFailback: misdirected,
    ...invariants,
    judgedIn: judge,
    awsCalls: ctx.world.calls.filter((c) => c.service !== "dns").length,
    iamDenials: unique(ctx.world.iam.denials.map((d) => denialMessage(d))),
    failedAlarmActions: unique(ctx.world.bus.failedActions.map((a) => `${a.alarm} → ${a.topic.split(":").pop()}: ${a.reason}`)),
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
