/**
 * `drctl status` as data (the --json shape, docs/cli.md): both regions read in parallel, each on
 * its own; a region that cannot be read is reported as such and the rest is still shown.
 */
import { regionView } from "../lib/control-record";
import type { Context } from "./context";
import type { RegionConfig } from "./discovery";
import { CliError } from "./errors";
import type { Target } from "./options";
import { readDns, readHealthChecks, type DnsStatus, type HealthChecksStatus } from "./status-global";
import { readRegion, type AlarmInAlarm, type ExecutionSummary, type Read, type RegionReading, type Unavailable } from "./status-region";

/** A region as the authority item says it is (lib/control-schema.ts, regionView). */
export interface RegionRecordView {
  state: string;
  /** The authority's epoch (one counter for both regions: every transition moves it on by one). */
  epoch: number;
  /** When this region's state last changed. */
  updatedAt: string;
  reason: string;
  /** Whose replica of the authority this was read from: the region itself, or its peer when it could not be read. */
  seenIn: string;
}

export interface RegionStatus {
  region: string;
  role: "primary" | "secondary";
  /** The region's SSM parameters could be read (its API answered). */
  available: boolean;
  error: Unavailable | null;
  record: RegionRecordView | null;
  alarms: { inAlarm: AlarmInAlarm[] | null; error: string | null };
  execution: { latest: ExecutionSummary | null; error: string | null };
  dashboardUrl: string | null;
  /** Non-fatal problems: missing or unreadable parameters and items. */
  problems: string[];
}

export interface ReplicationStatus {
  /** The region that wrote the heartbeat. */
  from: string;
  /** The region whose replica it was read in. */
  to: string;
  heartbeatAgeSeconds: number | null;
  heartbeatWrittenAt: string | null;
  error: string | null;
}

export interface StatusReport {
  environment: string;
  checkedAt: string;
  primaryRegion: string;
  secondaryRegion: string;
  /** The region whose record says ACTIVE, when exactly one does. */
  activeRegion: string | null;
  /** Why activeRegion is null, or a caveat about it (e.g. that region could not be read). */
  activeRegionNote: string | null;
  regions: RegionStatus[];
  replication: ReplicationStatus[];
  lease: {
    state: "free" | "held" | "unknown";
    holder: string | null;
    mode: string | null;
    region: string | null;
    expiresAt: string | null;
  };
  healthChecks: HealthChecksStatus;
  dns: DnsStatus;
}

const errorText = <T>(r: Read<T> | undefined) => (r && !r.ok ? r.error.message : null);
const readValue = <T>(r: Read<T> | undefined): T | undefined => (r?.ok ? r.value : undefined);

function recordView(readings: RegionReading[], region: string): RegionRecordView | null {
  const own = readings.find((r) => r.region === region);
  const peer = readings.find((r) => r.region !== region);
  const fromOwn = regionView(readValue(own?.authority), region);
  const fromPeer = regionView(readValue(peer?.authority), region);
  const [record, seenIn] = fromOwn ? [fromOwn, region] : fromPeer ? [fromPeer, peer?.region as string] : [undefined, ""];
  return record ? { state: record.state, epoch: record.epoch, updatedAt: record.updatedAt, reason: record.reason, seenIn } : null;
}

function regionStatus(reading: RegionReading, readings: RegionReading[], target: Target): RegionStatus {
  const config = readValue(reading.config);
  const problems = [...(config?.problems ?? [])];
  if (config && reading.authority?.ok) {
    const authority = reading.authority.value;
    if (!authority) problems.push("no authority item in its control table");
    else if (!regionView(authority, reading.region))
      problems.push(`the authority (epoch ${authority.epoch}) in its control table does not name ${reading.region}`);
  }
  if (reading.authority && !reading.authority.ok) problems.push(`authority: ${reading.authority.error.message}`);
  return {
    region: reading.region,
    role: reading.region === target.primaryRegion ? "primary" : "secondary",
    available: reading.config.ok,
    error: reading.config.ok ? null : reading.config.error,
    record: recordView(readings, reading.region),
    alarms: { inAlarm: readValue(reading.alarms) ?? null, error: errorText(reading.alarms) },
    execution: { latest: readValue(reading.execution) ?? null, error: errorText(reading.execution) },
    dashboardUrl: config?.dashboardUrl ?? null,
    problems,
  };
}

function replication(reading: RegionReading, target: Target, now: number): ReplicationStatus {
  const from = reading.region === target.primaryRegion ? target.secondaryRegion : target.primaryRegion;
  const heartbeat = readValue(reading.peerHeartbeat);
  const error = !reading.config.ok
    ? `${reading.region} could not be read`
    : (errorText(reading.peerHeartbeat) ?? (heartbeat === undefined ? `no heartbeat#${from} in ${reading.region}'s replica` : null));
  return {
    from,
    to: reading.region,
    heartbeatAgeSeconds: heartbeat ? Math.round((now - heartbeat.writtenAt) / 100) / 10 : null,
    heartbeatWrittenAt: heartbeat ? new Date(heartbeat.writtenAt).toISOString() : null,
    error,
  };
}

function activeRegion(regions: RegionStatus[]): { activeRegion: string | null; activeRegionNote: string | null } {
  const active = regions.filter((r) => r.record?.state === "ACTIVE").map((r) => r.region);
  if (active.length === 1) {
    const region = regions.find((r) => r.region === active[0]) as RegionStatus;
    const note = region.available ? null : `its record says ACTIVE, but ${region.region} itself could not be read`;
    return { activeRegion: active[0], activeRegionNote: note };
  }
  if (active.length > 1)
    return {
      activeRegion: null,
      activeRegionNote: `both regions say ACTIVE (${active.join(", ")}): look at the epochs before doing anything`,
    };
  if (regions.every((r) => r.record === null))
    return { activeRegion: null, activeRegionNote: "unknown: the authority could not be read in either region" };
  return { activeRegion: null, activeRegionNote: "no region is ACTIVE: payment writes are refused everywhere" };
}

function leaseView(readings: RegionReading[], now: number): StatusReport["lease"] {
  for (const reading of readings) {
    if (!reading.lease?.ok) continue;
    const lease = reading.lease.value;
    if (!lease || lease.expiresAt * 1000 <= now) return { state: "free", holder: null, mode: null, region: null, expiresAt: null };
    return {
      state: "held",
      holder: lease.holder,
      mode: lease.mode,
      region: lease.region,
      expiresAt: new Date(lease.expiresAt * 1000).toISOString(),
    };
  }
  return { state: "unknown", holder: null, mode: null, region: null, expiresAt: null };
}

/** Reads everything; throws only when neither region could be read at all. */
export async function gatherStatus(ctx: Context, target: Target): Promise<StatusReport> {
  const regions = [target.primaryRegion, target.secondaryRegion];
  const readings = await Promise.all(regions.map((region) => readRegion(ctx, target, region)));
  const configs = readings.map((r) => readValue(r.config)).filter((c): c is RegionConfig => c !== undefined);
  if (configs.length === 0) {
    const first = readings[0].config as { ok: false; error: Unavailable };
    const bothSame = readings.every((r) => !r.config.ok && r.config.error.kind === first.error.kind);
    // Credentials and permissions are the same in both regions: say it once.
    const sameCause = bothSame && (first.error.kind === "credentials" || first.error.kind === "access-denied");
    const messages = sameCause ? [first.error.message] : readings.map((r) => (r.config.ok ? "" : r.config.error.message));
    const hint = bothSame ? (first.error.hint ?? undefined) : "status needs at least one region to answer";
    throw new CliError(bothSame ? first.error.kind : "unreachable", messages.join("; "), hint);
  }
  const now = ctx.now();
  const [healthChecks, dns] = await Promise.all([readHealthChecks(ctx, configs[0].healthCheckIds), readDns(ctx, configs[0])]);
  const regionStatuses = readings.map((r) => regionStatus(r, readings, target));
  return {
    environment: target.environment,
    checkedAt: new Date(now).toISOString(),
    primaryRegion: target.primaryRegion,
    secondaryRegion: target.secondaryRegion,
    ...activeRegion(regionStatuses),
    regions: regionStatuses,
    replication: readings.map((r) => replication(r, target, now)),
    lease: leaseView(readings, now),
    healthChecks,
    dns,
  };
}
