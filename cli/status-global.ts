/**
 * `drctl status`, the global parts: Route 53 health-check status and what DNS answers now.
 */
import { GetHealthCheckStatusCommand } from "@aws-sdk/client-route-53";
import { ROUTE53_API_REGION } from "./aws";
import type { Context } from "./context";
import type { RegionConfig } from "./discovery";
import { unavailable } from "./status-region";

export type CheckStatus = "healthy" | "unhealthy" | "unknown";

export interface HealthCheckState {
  name: string;
  id: string;
  status: CheckStatus;
  detail: string;
}

export interface HealthChecksStatus {
  /** GetHealthCheckStatus is Route 53's API, served from us-east-1 only. */
  api: string;
  reachable: boolean | null;
  error: string | null;
  checks: HealthCheckState[];
}

/**
 * CALCULATED checks cannot be asked with GetHealthCheckStatus
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheckStatus.html); the
 * primary's guard is "endpoint AND NOT fenced" (infra/components/dns/failover-dns.ts), derived from its children.
 */
const CALCULATED: Record<string, string[]> = { primaryGuard: ["primaryEndpoint", "primaryFence"] };

/**
 * Route 53 calls a check healthy when more than 18% of its checkers report it healthy
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 */
export function aggregateObservations(statuses: string[]): { status: CheckStatus; detail: string } {
  if (statuses.length === 0) return { status: "unknown", detail: "no checker reported" };
  const healthy = statuses.filter((s) => s.startsWith("Success")).length;
  return {
    status: healthy / statuses.length > 0.18 ? "healthy" : "unhealthy",
    detail: `${healthy}/${statuses.length} checkers report healthy`,
  };
}

export async function readHealthChecks(ctx: Context, ids: Record<string, string> | undefined): Promise<HealthChecksStatus> {
  const api = `route53 (${ROUTE53_API_REGION})`;
  if (!ids || Object.keys(ids).length === 0)
    return { api, reachable: null, error: "SSM parameter dns/health-check-ids is missing", checks: [] };
  const direct = Object.entries(ids).filter(([name]) => !(name in CALCULATED));
  const results = await Promise.all(
    direct.map(async ([name, id]): Promise<HealthCheckState & { unreachable: boolean }> => {
      try {
        const out = await ctx.aws.call(ROUTE53_API_REGION, "route53:GetHealthCheckStatus", (abortSignal) =>
          ctx.aws.route53().send(new GetHealthCheckStatusCommand({ HealthCheckId: id }), { abortSignal }),
        );
        const statuses = (out.HealthCheckObservations ?? []).map((o) => o.StatusReport?.Status ?? "");
        return { name, id, ...aggregateObservations(statuses), unreachable: false };
      } catch (error) {
        const e = unavailable(error);
        const unreachable = e.kind === "unreachable" || e.kind === "timeout";
        return { name, id, status: "unknown", detail: unreachable ? "Route 53 API unreachable" : e.message, unreachable };
      }
    }),
  );
  const byName = new Map(results.map((r) => [r.name, r]));
  const checks: HealthCheckState[] = results.map(({ unreachable: _, ...r }) => r);
  for (const [name, children] of Object.entries(CALCULATED)) {
    if (!ids[name]) continue;
    const kids = children.map((c) => byName.get(c));
    const status: CheckStatus = kids.some((k) => k?.status === "unhealthy")
      ? "unhealthy"
      : kids.every((k) => k?.status === "healthy")
        ? "healthy"
        : "unknown";
    checks.push({ name, id: ids[name], status, detail: `calculated: ${children.join(" AND ")}` });
  }
  const allUnreachable = results.length > 0 && results.every((r) => r.unreachable);
  return {
    api,
    reachable: !allUnreachable,
    error: allUnreachable ? "Route 53 API unreachable (it is served from us-east-1)" : null,
    checks,
  };
}

export interface DnsStatus {
  failoverName: string | null;
  witnessName: string | null;
  nameServers: string[];
  /** A records of the failover name (alias targets' addresses). */
  failoverAnswers: string[] | null;
  /** TXT of the witness: the region Route 53 serves now. */
  witnessAnswers: string[] | null;
  /** The witness's answer when it names one region. */
  servingRegion: string | null;
  error: string | null;
}

const DNS_TIMEOUT_MS = 3000;

export async function readDns(ctx: Context, config: RegionConfig | undefined): Promise<DnsStatus> {
  const base = {
    failoverName: config?.failoverName ?? null,
    witnessName: config?.witnessName ?? null,
    nameServers: config?.nameServers ?? [],
  };
  if (!config?.nameServers) {
    return {
      ...base,
      failoverAnswers: null,
      witnessAnswers: null,
      servingRegion: null,
      error: "the zone's name servers are unknown (no region answered, or dns/name-servers is missing)",
    };
  }
  const ask = async (name: string | undefined, type: "A" | "TXT") => {
    if (!name) return { answers: null, error: `no ${type === "A" ? "api/failover-endpoint" : "dns/witness-name"} parameter` };
    try {
      return { answers: await ctx.dns.resolve(name, type, config.nameServers as string[], DNS_TIMEOUT_MS), error: null };
    } catch (error) {
      return { answers: null, error: `${type} ${name}: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
  const [a, txt] = await Promise.all([ask(config.failoverName, "A"), ask(config.witnessName, "TXT")]);
  const witness = txt.answers;
  const servingRegion = witness && witness.length > 0 && witness.every((w) => w === witness[0]) ? witness[0] : null;
  const errors = [a.error, txt.error].filter((e): e is string => e !== null);
  return {
    ...base,
    failoverAnswers: a.answers,
    witnessAnswers: witness,
    servingRegion,
    error: errors.length > 0 ? errors.join("; ") : null,
  };
}
