/**
 * Before a deploy, the zone: is it delegated (the public DNS's NS answer for the zone name against
 * the zone's own name servers), and the API certificates ACM holds for it in each region.
 *
 * The first `pulumi up` requests the certificates and waits for ACM's DNS validation, which only
 * succeeds once the parent zone delegates to the zone's name servers; the provider gives up after
 * 75 minutes (README, Deploy; https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
 */
import { DescribeCertificateCommand, ListCertificatesCommand, type CertificateSummary } from "@aws-sdk/client-acm";
import { GetHostedZoneCommand, GetReusableDelegationSetCommand } from "@aws-sdk/client-route-53";
import { ROUTE53_API_REGION } from "../aws";
import type { Context } from "../context";
import type { RegionConfig } from "../discovery";
import { type CheckResult, cannotTell, check, fail, normalizeNameServer, pass, sameNameServers, skipped } from "./model";
import type { ZoneSettings } from "./stack-config";

/** DNS questions get 3 s, as `drctl status`'s do. */
const DNS_TIMEOUT_MS = 3000;

/** Where the zone's own name servers come from. */
interface OwnNameServers {
  nameServers: string[];
  /** e.g. "SSM dns/name-servers", "hosted zone Z…", "delegation set N…". */
  from: string;
}

/** The deployed stack's zone name (SSM `dns/zone-name`), from any region whose parameters were read. */
export function deployedZoneName(configs: readonly RegionConfig[]): string | undefined {
  return configs.map((c) => c.parameters["dns/zone-name"]).find((v) => v !== undefined);
}

async function ownNameServers(
  ctx: Context,
  zone: ZoneSettings,
  zoneName: string,
  deployed: RegionConfig | undefined,
): Promise<OwnNameServers> {
  // Deployed: the name servers the stack recorded for its zone (they never change for a zone).
  if (deployed?.nameServers) return { nameServers: deployed.nameServers, from: `SSM dns/name-servers in ${deployed.region}` };
  if (zone.hostedZoneId) {
    const out = await ctx.aws.call(ROUTE53_API_REGION, "route53:GetHostedZone", (abortSignal) =>
      ctx.aws.route53().send(new GetHostedZoneCommand({ Id: zone.hostedZoneId }), { abortSignal }),
    );
    const name = (out.HostedZone?.Name ?? "").replace(/\.$/, "");
    if (name !== zoneName) throw new ZoneMismatch(`hosted zone ${zone.hostedZoneId} is ${name}, not ${zoneName}`);
    if (out.HostedZone?.Config?.PrivateZone)
      throw new ZoneMismatch(`hosted zone ${zone.hostedZoneId} is private; the API needs a public zone`);
    return { nameServers: out.DelegationSet?.NameServers ?? [], from: `hosted zone ${zone.hostedZoneId}` };
  }
  const out = await ctx.aws.call(ROUTE53_API_REGION, "route53:GetReusableDelegationSet", (abortSignal) =>
    ctx.aws.route53().send(new GetReusableDelegationSetCommand({ Id: zone.delegationSetId }), { abortSignal }),
  );
  return { nameServers: out.DelegationSet?.NameServers ?? [], from: `delegation set ${zone.delegationSetId}` };
}

class ZoneMismatch extends Error {}

const SERVFAIL_OR_TIMEOUT = /ETIMEOUT|ESERVFAIL|ECONNREFUSED|no answer within|EREFUSED/;

export function delegationCheck(ctx: Context, zone: ZoneSettings, deployed: readonly RegionConfig[]): Promise<CheckResult> {
  const zoneName = deployedZoneName(deployed) ?? zone.zoneName;
  const source = deployed.some((c) => c.nameServers)
    ? "ssm dns/name-servers, DNS NS"
    : zone.hostedZoneId
      ? "route53:GetHostedZone, DNS NS"
      : "route53:GetReusableDelegationSet, DNS NS";
  const base = { id: "zone-delegation", phase: "before-deploy" as const, region: null, source };
  return check(base, async () => {
    if (zoneName === undefined)
      return cannotTell(
        base,
        "no zone to check: the stack is not deployed, and there is no stack file or --zone",
        "run it where Pulumi.<env>.yaml is, or pass --stack-file, or --zone with --hosted-zone-id or --delegation-set-id",
      );
    if (zone.zoneName !== undefined && zone.zoneName !== zoneName)
      return fail(
        base,
        `the configuration names the zone ${zone.zoneName}, but the deployed stack serves ${zoneName}`,
        "check payments-dr:hostedZoneName: changing it replaces the zone and every record in it",
      );
    const configured = deployed.some((c) => c.nameServers) || zone.hostedZoneId !== undefined || zone.delegationSetId !== undefined;
    if (!configured)
      return fail(
        base,
        `${zoneName}: neither payments-dr:hostedZoneId nor payments-dr:delegationSetId is set, and the stack refuses to create a zone nobody can have delegated to`,
        "set payments-dr:hostedZoneId to an existing delegated zone, or create a reusable delegation set, delegate to it, and set payments-dr:delegationSetId (README, Deploy)",
      );
    let own: OwnNameServers;
    try {
      own = await ownNameServers(
        ctx,
        zone,
        zoneName,
        deployed.find((c) => c.nameServers),
      );
    } catch (error) {
      if (error instanceof ZoneMismatch)
        return fail(base, error.message, "set payments-dr:hostedZoneId to the public zone named like payments-dr:hostedZoneName");
      const e = error as { kind?: string };
      if (e.kind === "unreachable")
        return cannotTell(
          base,
          `the zone's name servers are unknown: Route 53's API (served from ${ROUTE53_API_REGION} only) did not answer`,
          "run it again when us-east-1 answers; the deployed stack's name servers are also in SSM dns/name-servers",
        );
      throw error;
    }
    const expected = own.nameServers.map(normalizeNameServer);
    let answered: string[];
    try {
      answered = (await ctx.dns.resolve(zoneName, "NS", [], DNS_TIMEOUT_MS)).map(normalizeNameServer);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (SERVFAIL_OR_TIMEOUT.test(message))
        return cannotTell(base, `NS ${zoneName}: the public DNS did not answer (${message})`, `ask again, or: dig +short NS ${zoneName}`);
      return fail(
        base,
        `NS ${zoneName}: the public DNS has no delegation (${message}); the zone's name servers (${own.from}) are ${expected.join(", ")}`,
        `at the parent zone or registrar of ${zoneName}, set its NS records to ${expected.join(", ")} (dig +short NS ${zoneName} shows them once it is done)`,
      );
    }
    if (sameNameServers(answered, expected))
      return pass(base, `NS ${zoneName} answers the zone's name servers (${own.from}): ${expected.join(", ")}`);
    return fail(
      base,
      `NS ${zoneName} answers ${answered.join(", ") || "nothing"}, but the zone's name servers (${own.from}) are ${expected.join(", ")}`,
      `at the parent zone or registrar of ${zoneName}, replace its NS records with ${expected.join(", ")}; resolvers may keep the old answer for its TTL (up to 2 days)`,
    );
  });
}

/**
 * The API's two custom domains in a region: the failover name and the region-pinned name, as
 * infra/core/naming.ts composes them (failoverApiDomain, regionalApiDomain);
 * test/cli/preflight.test.ts holds them to the deployed APIs' domains.
 */
export function apiDomains(zoneName: string, region: string): string[] {
  return [`api.${zoneName}`, `api-${region}.${zoneName}`];
}

/** Statuses ACM never recovers from by itself (https://docs.aws.amazon.com/acm/latest/userguide/troubleshooting-failed.html). */
const DEAD = new Set(["FAILED", "VALIDATION_TIMED_OUT", "EXPIRED", "REVOKED", "INACTIVE"]);
/** ListCertificates pages (1,000 each) read at most. */
const MAX_PAGES = 10;

async function certificatesFor(ctx: Context, region: string, domains: string[]): Promise<CertificateSummary[]> {
  const found: CertificateSummary[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const out = await ctx.aws.call(region, "acm:ListCertificates", (abortSignal) =>
      ctx.aws.acm(region).send(new ListCertificatesCommand({ NextToken: nextToken }), { abortSignal }),
    );
    for (const c of out.CertificateSummaryList ?? []) if (c.DomainName && domains.includes(c.DomainName)) found.push(c);
    nextToken = out.NextToken;
    if (!nextToken) break;
  }
  return found;
}

const day = (d: Date | undefined) => (d ? new Date(d).toISOString().slice(0, 10) : "?");

/**
 * ACM's certificates for the API's two names in `region` (ListCertificates, then DescribeCertificate
 * of the best one per name: an ISSUED one if there is one). None yet: skipped before the first
 * deploy (pulumi up requests them), a fail once the stack is deployed.
 */
export function certificateCheck(ctx: Context, region: string, zoneName: string | undefined, deployed: boolean): Promise<CheckResult> {
  const base = { id: "certificates", phase: "before-deploy" as const, region, source: "acm:ListCertificates, acm:DescribeCertificate" };
  return check(base, async () => {
    if (zoneName === undefined)
      return cannotTell(
        base,
        "no zone name: the stack is not deployed, and there is no stack file or --zone",
        "pass --stack-file or --zone",
      );
    const domains = apiDomains(zoneName, region);
    const summaries = await certificatesFor(ctx, region, domains);
    const findings: { domain: string; ok: boolean; pending: boolean; text: string; action?: string }[] = [];
    for (const domain of domains) {
      const mine = summaries.filter((c) => c.DomainName === domain);
      const best = mine.find((c) => c.Status === "ISSUED") ?? mine.find((c) => c.Status === "PENDING_VALIDATION") ?? mine[0];
      if (!best) {
        findings.push({ domain, ok: !deployed, pending: !deployed, text: `${domain}: none` });
        continue;
      }
      const out = await ctx.aws.call(region, "acm:DescribeCertificate", (abortSignal) =>
        ctx.aws.acm(region).send(new DescribeCertificateCommand({ CertificateArn: best.CertificateArn }), { abortSignal }),
      );
      const c = out.Certificate ?? {};
      const status = c.Status ?? "?";
      const record = c.DomainValidationOptions?.[0]?.ResourceRecord;
      if (status === "ISSUED" && c.RenewalSummary?.RenewalStatus === "FAILED") {
        findings.push({
          domain,
          ok: false,
          pending: false,
          text: `${domain}: ISSUED until ${day(c.NotAfter)}, but its renewal FAILED (${c.RenewalSummary.RenewalStatusReason ?? "no reason given"})`,
          action: `keep the validation record ${record?.Name ?? "?"} CNAME ${record?.Value ?? "?"} in the zone; ACM retries the renewal`,
        });
      } else if (status === "ISSUED") {
        findings.push({ domain, ok: true, pending: false, text: `${domain}: ISSUED until ${day(c.NotAfter)}` });
      } else if (status === "PENDING_VALIDATION") {
        findings.push({
          domain,
          ok: true,
          pending: true,
          text: `${domain}: PENDING_VALIDATION, waiting for ${record?.Name ?? "?"} CNAME ${record?.Value ?? "?"}`,
          action: "ACM issues it once the public DNS answers that record, which needs the zone delegated (zone-delegation)",
        });
      } else {
        findings.push({
          domain,
          ok: !DEAD.has(status),
          pending: false,
          text: `${domain}: ${status}`,
          action: `delete ${best.CertificateArn} and run pulumi up after the zone is delegated: ACM will not validate it again`,
        });
      }
    }
    const detail = findings.map((f) => f.text).join("; ");
    const failed = findings.filter((f) => !f.ok);
    if (failed.length > 0)
      return fail(
        base,
        detail,
        failed.map((f) => f.action ?? `the stack is deployed but has no certificate for ${f.domain}: run pulumi up`).join("; "),
      );
    if (findings.every((f) => f.text.endsWith(": none")))
      return skipped(
        base,
        `no certificate for ${domains.join(" or ")} yet`,
        "the first pulumi up requests them and waits for their DNS validation",
      );
    const pending = findings.filter((f) => f.pending);
    if (pending.length > 0) return cannotTell(base, detail, pending.map((f) => f.action ?? "the next pulumi up requests it").join("; "));
    return pass(base, detail);
  });
}
