/**
 * Pure evaluation of what /health/deep observed, so the rules are unit-testable without SDK fakes.
 *
 * `fail` means this region should not be trusted with traffic (503); `warn` is for an operator to
 * look at but does not by itself make the region unfit (200, overall "degraded").
 */
import { mayServe, type Heartbeat, type RegionRecord } from "../../lib/control-schema";
import { errorName } from "../../lib/observability";

export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  status: CheckStatus;
  detail: string;
  [data: string]: unknown;
}

export type Observed<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface QueueDepth {
  visible: number;
  inFlight: number;
}

export interface Observations {
  region: string;
  peerRegion: string;
  now: number;
  rpoSeconds: number;
  paymentsTable: Observed<void>;
  regionRecord: Observed<RegionRecord | undefined>;
  processingQueue: Observed<QueueDepth>;
  deadLetterQueue: Observed<QueueDepth>;
  localHeartbeat: Observed<Heartbeat | undefined>;
  peerHeartbeat: Observed<Heartbeat | undefined>;
}

/** Three missed canary runs (it writes every minute). */
export const LOCAL_HEARTBEAT_STALE_SECONDS = 180;

export interface DeepHealthReport {
  status: "ok" | "degraded" | "failed";
  region: string;
  peerRegion: string;
  checkedAt: string;
  checks: Record<"paymentsTable" | "regionState" | "processingQueue" | "deadLetterQueue" | "localHeartbeat" | "peerHeartbeat", Check>;
}

const unreachable = (what: string, error: unknown): Check => ({
  status: "fail",
  detail: `${what} did not answer (${errorName(error)})`,
});

function regionState(observed: Observed<RegionRecord | undefined>, region: string): Check {
  if (!observed.ok) return unreachable("the control table", observed.error);
  const record = observed.value;
  if (!record) return { status: "fail", detail: `there is no region-state record for ${region}` };
  const facts = {
    state: record.state,
    epoch: record.epoch,
    updatedAt: record.updatedAt,
    reason: record.reason,
    executionId: record.executionId,
  };
  return mayServe(record)
    ? { status: "ok", detail: `${region} is ${record.state}`, ...facts }
    : { status: "fail", detail: `${region} is ${record.state} and must not serve`, ...facts };
}

function queue(observed: Observed<QueueDepth>, name: string, warnWhenVisible: boolean): Check {
  if (!observed.ok) return unreachable(`the ${name}`, observed.error);
  const { visible, inFlight } = observed.value;
  if (warnWhenVisible && visible > 0) {
    return { status: "warn", detail: `${visible} message(s) in the ${name}: inspect, then redrive`, visible, inFlight };
  }
  return { status: "ok", detail: `${visible} visible, ${inFlight} in flight`, visible, inFlight };
}

function heartbeat(observed: Observed<Heartbeat | undefined>, whose: string, now: number, staleSeconds: number, meaning: string): Check {
  if (!observed.ok) return unreachable("the control table", observed.error);
  const beat = observed.value;
  if (!beat) return { status: "warn", detail: `no heartbeat from ${whose} in the local replica`, thresholdSeconds: staleSeconds };
  const ageSeconds = Math.max(0, Math.round((now - beat.writtenAt) / 100) / 10);
  const facts = { ageSeconds, thresholdSeconds: staleSeconds, writtenAt: new Date(beat.writtenAt).toISOString() };
  return ageSeconds > staleSeconds
    ? { status: "warn", detail: `heartbeat from ${whose} is ${ageSeconds} s old (> ${staleSeconds} s): ${meaning}`, ...facts }
    : { status: "ok", detail: `heartbeat from ${whose} is ${ageSeconds} s old`, ...facts };
}

export function evaluateDeepHealth(o: Observations): DeepHealthReport {
  const checks: DeepHealthReport["checks"] = {
    paymentsTable: o.paymentsTable.ok
      ? { status: "ok", detail: "the local payments replica answered" }
      : unreachable("the local payments table", o.paymentsTable.error),
    regionState: regionState(o.regionRecord, o.region),
    processingQueue: queue(o.processingQueue, "processing queue", false),
    deadLetterQueue: queue(o.deadLetterQueue, "processing dead-letter queue", true),
    localHeartbeat: heartbeat(o.localHeartbeat, o.region, o.now, LOCAL_HEARTBEAT_STALE_SECONDS, "this region's canary is not running"),
    // Its age in the local replica bounds how far replication from the peer is behind (RPO exposure).
    peerHeartbeat: heartbeat(
      o.peerHeartbeat,
      o.peerRegion,
      o.now,
      o.rpoSeconds,
      "replication from the peer is behind the RPO, or the peer's canary stopped",
    ),
  };
  const statuses = Object.values(checks).map((c) => c.status);
  return {
    status: statuses.includes("fail") ? "failed" : statuses.includes("warn") ? "degraded" : "ok",
    region: o.region,
    peerRegion: o.peerRegion,
    checkedAt: new Date(o.now).toISOString(),
    checks,
  };
}
