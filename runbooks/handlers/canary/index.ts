/**
 * The canary: ONE probe of the peer region's region-pinned `/health` per invocation.
 *
 * It never sleeps. Several probes a minute come from several invocations: the canary ticker
 * (state-machines/canary-ticker.asl.json, an Express state machine started every minute by
 * EventBridge Scheduler) invokes it PROBES_PER_MINUTE times at even offsets using Wait states.
 * Scheduler alone cannot do that: it fires with 60-second precision.
 *
 * Each probe, in the canary's own region:
 * - `PeerHealthy` (1 iff the peer answered 200) and `PeerHeartbeatAgeSeconds` (age of the peer's
 *   heartbeat in the local replica; eventual mode: the OLDEST of its heartbeats in the three
 *   tables, so the peer-heartbeat-age alarm sees the table that lags most) — high-resolution
 *   metrics, dimensions Environment/Region/Peer;
 * - `recordProbe` (probe#<local>#<peer>) and this region's heartbeat (heartbeat#<local>);
 * - eventual mode (DATA_CONSISTENCY=eventual, MREC tables): this region's heartbeat in the payments
 *   and idempotency tables too (`dr-heartbeat#<local>`, lib/replication-heartbeat.ts). DynamoDB
 *   replicates each table on its own, so CheckReplication measures the RPO exposure of every table
 *   from its own heartbeat (docs/protocol.md, "RPO exposure per table"). Strong mode writes none:
 *   MRSC acknowledges a write only once it is durable in a second region, so there is no lag to
 *   measure (exposure 0 by construction), and each would be one more synchronous write per probe;
 * - in the secondary only, `PrimaryFenced` republished from the authority (1 while the primary is
 *   FENCED or DRAINED): the fence alarm keeps data even if no runbook runs;
 * - eventual mode: the DNS witness asked of the zone's authoritative name servers at the same time
 *   as the probe, stored in the same probe record (`witnessAnswers`, `witnessCheckedAt`). The payment
 *   path reads that record to refuse writes when the peer is unreachable and Route 53 names the
 *   peer (functions/domain/partition-guard.ts): the payment functions run in private subnets and
 *   cannot ask the authoritative servers themselves, and one query per probe costs the write path
 *   nothing. Strong mode needs no such evidence (the data layer fences an isolated region).
 *
 * The steps are independent: one failing does not stop the others; the invocation then fails
 * (so Lambda error metrics show it) after doing what it could.
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { Logger } from "@aws-lambda-powertools/logger";
import { ControlTable, regionView } from "../../../lib/control-record";
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import { HEARTBEAT_DATA_TABLES } from "../../../lib/replication-heartbeat";
import { DnsWitness } from "../../domain/dns-witness";
import { probePeer, type ProbeResult } from "../../domain/peer-probe";
import { documentClient } from "../../domain/dynamodb";
import { peerHealthyDatum, peerHeartbeatAgeDatum, primaryFencedDatum } from "../../domain/metrics";
import { ReplicationHeartbeats } from "../../domain/replication-heartbeats";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("canary");
const probesPerMinute = Math.max(1, intEnv("PROBES_PER_MINUTE", 1));
const doc = documentClient(env.LOCAL_REGION);
const table = new ControlTable(doc, env.CONTROL_TABLE);
/** Eventual mode only (see the header): the data tables' heartbeats. */
const dataHeartbeats =
  env.DATA_CONSISTENCY === "eventual"
    ? new ReplicationHeartbeats(doc, { payments: env.PAYMENTS_TABLE, idempotency: env.IDEMPOTENCY_TABLE })
    : undefined;
/** Eventual mode only (see the header): the DNS witness, asked with every probe. */
const dnsWitness =
  env.DATA_CONSISTENCY === "eventual" ? DnsWitness.fromEnvironment(env.DNS_WITNESS_NAME, env.ZONE_NAME_SERVERS) : undefined;
const cloudwatch = awsClient(CloudWatchClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = new Logger({ serviceName: "payments-dr-canary" });

/** Route 53 gives an HTTPS check 4 s to connect and 2 s to answer; the canary is no more patient. */
export const PROBE_TIMEOUT_MS = Math.min(5000, Math.floor(60_000 / probesPerMinute / 2));

/** The witness's answer for the probe record (eventual mode), or undefined in strong mode. */
async function askWitness(): Promise<{ answers: string[] } | { unanswered: true } | undefined> {
  if (!dnsWitness) return undefined;
  try {
    return { answers: await dnsWitness.regionsOrNone(PROBE_TIMEOUT_MS) };
  } catch {
    return { unanswered: true };
  }
}

export interface CanaryResult {
  region: string;
  peer: string;
  probe: ProbeResult;
  /** Eventual mode: what the DNS witness answered with this probe (absent in strong mode). */
  witness?: { answers: string[] } | { unanswered: true };
  /** The oldest of the peer's heartbeats in the local replicas (strong mode: the control table's only). */
  peerHeartbeatAgeSeconds: number | null;
  /** Per table (eventual mode: control, payments, idempotency), null where none could be read. */
  peerHeartbeatAgeSecondsByTable: Record<string, number | null>;
  primaryFenced: boolean | null;
  failures: string[];
}

export const handler = async (event?: { offsetSeconds?: number }): Promise<CanaryResult> => {
  // The witness is asked alongside the probe, so the record says what both looked like at one moment.
  const [probe, witness] = await Promise.all([probePeer(env.PEER_HEALTH_URL, PROBE_TIMEOUT_MS), askWitness()]);
  const now = Date.now();
  const isSecondary = env.LOCAL_REGION === env.SECONDARY_REGION;
  const failures: string[] = [];
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (error) {
      failures.push(`${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      return undefined;
    }
  };

  // Epoch seconds make a monotonic sequence without a read-modify-write.
  const sequence = Math.floor(now / 1000);
  /** Eventual mode: per data table, write this region's heartbeat and read the peer's. */
  const dataTables = (beats: ReplicationHeartbeats) =>
    Promise.all(
      HEARTBEAT_DATA_TABLES.map(async (t) => {
        const [peerBeat] = await Promise.all([
          attempt(`getHeartbeat(${t})`, () => beats.get(t, env.PEER_REGION)),
          attempt(`writeHeartbeat(${t})`, () => beats.write(t, env.LOCAL_REGION, sequence)),
        ]);
        return { table: t, peerBeat };
      }),
    );
  const [[, , peerHeartbeat, authority], peerDataHeartbeats] = await Promise.all([
    Promise.all([
      attempt("recordProbe", () => table.recordProbe(env.LOCAL_REGION, env.PEER_REGION, probe.healthy, probe.status, witness)),
      attempt("writeHeartbeat", () => table.writeHeartbeat(env.LOCAL_REGION, sequence)),
      attempt("getHeartbeat", () => table.getHeartbeat(env.PEER_REGION)),
      isSecondary ? attempt("getAuthority", () => table.getAuthority()) : Promise.resolve(undefined),
    ]),
    dataHeartbeats ? dataTables(dataHeartbeats) : Promise.resolve([]),
  ]);
  const primaryRecord = regionView(authority, env.PRIMARY_REGION);

  const metrics: MetricDatum[] = [
    peerHealthyDatum({ environment: env.ENVIRONMENT, region: env.LOCAL_REGION, peer: env.PEER_REGION, healthy: probe.healthy, at: now }),
  ];
  const ageOf = (beat: { writtenAt: number } | undefined) => (beat ? Math.max(0, Math.round((now - beat.writtenAt) / 100) / 10) : null);
  const peerHeartbeatAgeSecondsByTable: Record<string, number | null> = { control: ageOf(peerHeartbeat) };
  for (const { table: t, peerBeat } of peerDataHeartbeats) peerHeartbeatAgeSecondsByTable[t] = ageOf(peerBeat);
  // The oldest of those read: a table with no heartbeat yet (or an unreadable one) is a failure or
  // the first minute after deploying, and CheckReplication treats it as unbounded; the metric shows what is known.
  const ages = Object.values(peerHeartbeatAgeSecondsByTable).filter((a): a is number => a !== null);
  const peerHeartbeatAgeSeconds = ages.length > 0 ? Math.max(...ages) : null;
  if (peerHeartbeatAgeSeconds !== null) {
    metrics.push(
      peerHeartbeatAgeDatum({
        environment: env.ENVIRONMENT,
        region: env.LOCAL_REGION,
        peer: env.PEER_REGION,
        ageSeconds: peerHeartbeatAgeSeconds,
        at: now,
      }),
    );
  }
  // Republish the fence only from a record we could read: an unreadable table must not unfence.
  const primaryFenced = isSecondary && primaryRecord ? primaryRecord.state === "FENCED" || primaryRecord.state === "DRAINED" : null;
  if (primaryFenced !== null) metrics.push(primaryFencedDatum({ environment: env.ENVIRONMENT, fenced: primaryFenced, at: now }));
  await attempt("putMetricData", () => cloudwatch.send(new PutMetricDataCommand({ Namespace: env.METRIC_NAMESPACE, MetricData: metrics })));

  const result: CanaryResult = {
    region: env.LOCAL_REGION,
    peer: env.PEER_REGION,
    probe,
    ...(witness ? { witness } : {}),
    peerHeartbeatAgeSeconds,
    peerHeartbeatAgeSecondsByTable,
    primaryFenced,
    failures,
  };
  logger.info("probe", {
    offsetSeconds: event?.offsetSeconds,
    healthy: probe.healthy,
    status: probe.status,
    latencyMs: probe.latencyMs,
    failures,
  });
  if (failures.length > 0) throw new CanaryStepsFailedError(failures);
  return result;
};

export class CanaryStepsFailedError extends Error {
  constructor(readonly failures: string[]) {
    super(`Canary steps failed: ${failures.join("; ")}`);
    this.name = "CanaryStepsFailedError";
  }
}
