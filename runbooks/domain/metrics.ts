/**
 * The DR metrics (docs/architecture.md, namespace `PaymentsDR`), as PutMetricData inputs. The
 * canary and the runbook steps publish through these builders so names and dimensions cannot drift.
 *
 * PeerHealthy and PeerHeartbeatAgeSeconds are high resolution (1 s storage) so their alarms may
 * use 10-second periods. PrimaryFenced is STANDARD resolution: a Route 53 health check watches its
 * alarm, and Route 53 supports only alarms on standard-resolution metrics
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_AlarmIdentifier.html).
 */
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";

export const METRIC_NAMES = {
  peerHealthy: "PeerHealthy",
  primaryFenced: "PrimaryFenced",
  peerHeartbeatAgeSeconds: "PeerHeartbeatAgeSeconds",
} as const;

export function peerHealthyDatum(o: { environment: string; region: string; peer: string; healthy: boolean; at: number }): MetricDatum {
  return {
    MetricName: METRIC_NAMES.peerHealthy,
    Dimensions: [
      { Name: "Environment", Value: o.environment },
      { Name: "Region", Value: o.region },
      { Name: "Peer", Value: o.peer },
    ],
    Value: o.healthy ? 1 : 0,
    Unit: "Count",
    StorageResolution: 1,
    Timestamp: new Date(o.at),
  };
}

export function peerHeartbeatAgeDatum(o: {
  environment: string;
  region: string;
  peer: string;
  ageSeconds: number;
  at: number;
}): MetricDatum {
  return {
    MetricName: METRIC_NAMES.peerHeartbeatAgeSeconds,
    Dimensions: [
      { Name: "Environment", Value: o.environment },
      { Name: "Region", Value: o.region },
      { Name: "Peer", Value: o.peer },
    ],
    Value: o.ageSeconds,
    Unit: "Seconds",
    StorageResolution: 1,
    Timestamp: new Date(o.at),
  };
}

/** 1 while the primary is FENCED or DRAINED. Only the secondary region's value drives DNS. */
export function primaryFencedDatum(o: { environment: string; fenced: boolean; at: number }): MetricDatum {
  return {
    MetricName: METRIC_NAMES.primaryFenced,
    Dimensions: [{ Name: "Environment", Value: o.environment }],
    Value: o.fenced ? 1 : 0,
    Unit: "Count",
    StorageResolution: 60,
    Timestamp: new Date(o.at),
  };
}
