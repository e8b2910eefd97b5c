/**
 * The deployed stack drctl's tests talk to: environment `prod`, primary us-east-1, secondary
 * us-east-2, the SSM parameters each region holds, and a fixed clock.
 */
import { type Authority, controlKeys, type RegionRecord, type RegionState, regionView } from "../../../lib/control-schema";

export const ENV = "prod";
export const PRIMARY = "us-east-1";
export const SECONDARY = "us-east-2";
export const NOW = Date.parse("2025-06-01T12:00:00.000Z");
export const at = (seconds: number) => NOW + seconds * 1000;
export const ACCOUNT = "123456789012";
export const CONTROL_TABLE = "payments-dr-control-global-prod";
export const ZONE = "pay.example.com";
export const NAME_SERVERS = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.net"];

export const stateMachineArn = (region: string) => `arn:aws:states:${region}:${ACCOUNT}:stateMachine:payments-dr-${region}-prod`;
export const executionArn = (region: string, name: string) =>
  `arn:aws:states:${region}:${ACCOUNT}:execution:payments-dr-${region}-prod:${name}`;
export const evidenceBucket = (region: string) => `payments-dr-evidence-${region}-prod`;
export const dashboardUrl = (region: string) =>
  `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/payments-dr-${region}-prod`;
export const alarmNames = (region: string) => [`payments-dr-peer-health-${region}-prod`, `payments-dr-api-5xx-${region}-prod`];
export const HEALTH_CHECK_IDS = {
  primaryEndpoint: "hc-primary-endpoint",
  secondaryEndpoint: "hc-secondary-endpoint",
  primaryFence: "hc-primary-fence",
  primaryGuard: "hc-primary-guard",
};

/** Relative name → value, as RegionalParameters writes them (infra/stack/payments-dr.ts). */
export function parameters(region: string): Record<string, string> {
  const role = region === PRIMARY ? "primary" : "secondary";
  const peer = region === PRIMARY ? SECONDARY : PRIMARY;
  return {
    region,
    "peer-region": peer,
    role,
    "tables/payments": "payments-dr-payments-global-prod",
    "tables/idempotency": "payments-dr-idempotency-global-prod",
    "tables/control": CONTROL_TABLE,
    "buckets/transaction-log": `payments-dr-transactions-${region}-prod`,
    "topics/alerts": `arn:aws:sns:${region}:${ACCOUNT}:payments-dr-alerts-${region}-prod`,
    objectives: JSON.stringify({ rpoSeconds: 60, rtoSeconds: 300 }),
    "api/endpoint": `https://api-${region}.${ZONE}`,
    "api/peer-endpoint": `https://api-${peer}.${ZONE}`,
    "api/failover-endpoint": `https://api.${ZONE}`,
    "dns/zone-name": ZONE,
    "dns/zone-id": "Z0123456789ABCDEFGHIJ",
    "dns/name-servers": NAME_SERVERS.join(","),
    "dns/witness-name": `_region.api.${ZONE}`,
    "dns/health-check-ids": JSON.stringify(HEALTH_CHECK_IDS),
    "dr/state-machine-arn": stateMachineArn(region),
    "dr/evidence-bucket": evidenceBucket(region),
    "dr/dashboard-url": dashboardUrl(region),
    "dr/alarm-names": JSON.stringify(alarmNames(region)),
    "dr/canary-ticker-arn": `arn:aws:states:${region}:${ACCOUNT}:stateMachine:payments-dr-canary-ticker-${region}-prod`,
  };
}

/**
 * The control table's one `authority` item (lib/control-schema.ts): every region's state and one
 * epoch. Each region's state changed at `changedAt` unless `changedAtByRegion` says otherwise.
 */
export const authorityItem = (
  states: Record<string, RegionState>,
  epoch: number,
  changedAt = "2025-05-30T10:00:00.000Z",
  changedAtByRegion: Record<string, string> = {},
): Authority => ({
  pk: controlKeys.authority(),
  epoch,
  states,
  changedAt: Object.fromEntries(Object.keys(states).map((r) => [r, changedAtByRegion[r] ?? changedAt])),
  updatedAt: changedAt,
  reason: "set by a test",
  executionId: "deployment",
});

/** One region as the runbook steps report it (AssessRegions' `local`/`peer`): its view of the authority. */
export const regionRecord = (region: string, state: RegionState, epoch: number, updatedAt = "2025-05-30T10:00:00.000Z"): RegionRecord =>
  regionView(authorityItem({ [region]: state }, epoch, updatedAt), region) as RegionRecord;
