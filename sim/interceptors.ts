/**
 * The network the handlers see, routed into the simulated world:
 * - global `fetch` (the canary's probe of the peer's pinned `/health`): the host is resolved by
 *   the simulated Route 53 and the request goes to that region's API (api-gateway.ts);
 * - `node:dns/promises` (confirm-dns, drctl status): `lookup` of the zone's name-server hosts, and
 *   `Resolver#resolveTxt` / `Resolver#resolve4` answered by the simulated Route 53 —
 *   authoritatively when the resolver was pointed at the zone's name servers (what the runbook
 *   and drctl do), otherwise through a caching resolver that honours the TTL. An alias A record
 *   answers its target's addresses (route53-status.ts, aliasAddresses).
 * Everything is restored by the returned function.
 *
 * What a DNS query sees from each side of a partition: the same answer. Route 53's name servers are
 * its data plane, globally distributed, not in either region ("DNS query resolution from the Route 53
 * data plane continues to work normally during Regional service impairment",
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/accelerated-recovery.html), and the
 * failover answer is one decision made from health checkers "in locations around the world" (an
 * endpoint is healthy while more than 18% of them say so, which "prevents an endpoint from being
 * considered unhealthy only because network conditions have isolated it from some health-check
 * locations", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 * So a cut between the two regions leaves both asking, and both getting, Route 53's one answer.
 * A caller can still be cut off the name servers themselves: a network partition to
 * {@link ROUTE53_NAME_SERVERS} on the "app" path (`--fault network-partition:from=us-east-1,to=route53-dns,paths=app`)
 * makes every query from that region go unanswered until the resolver's timeout (2 s × 2 tries, the
 * harsher reading of c-ares's retries), as a real unreachable server would.
 *
 * A function attached to a VPC (the payment path) has no route to the internet (no NAT gateway,
 * sim/vpc-routing.ts): a query to the zone's public name servers and a `fetch` of a public API
 * host get no answer. The query fails as above; the fetch waits out undici's 10 s connect timeout
 * (or the caller's signal) and fails with "fetch failed" (UND_ERR_CONNECT_TIMEOUT). Its VPC's own
 * resolver (the default servers) still answers.
 */
import { NetworkError, type ApiGateway } from "./apigateway/model";
import { currentCaller, type Reachability } from "./network";
import type { Route53 } from "./route53/model";
import { aliasAddresses } from "./route53/status";

// The module object itself (a namespace import would be a read-only copy): handlers read
// `lookup` and `Resolver` from it at call time, so patching it reaches them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsPromises = require("node:dns/promises") as typeof import("node:dns/promises");

export interface InterceptorDeps {
  route53: Route53;
  gateway: ApiGateway;
  zoneNameServers: string[];
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Records a DNS query in the world's call log (service "dns"), with its answer. */
  recordQuery?: (type: string, name: string, outcome: string) => void;
  /** Who may reach the name servers (a cut to ROUTE53_NAME_SERVERS); everyone when omitted. */
  reachability?: Reachability;
  /** Whether a function runs in a VPC without a route to the internet; none when omitted. */
  inVpc?: (functionName: string | undefined) => boolean;
}

/** The network target standing for Route 53's authoritative name servers (not a region: they are everywhere). */
export const ROUTE53_NAME_SERVERS = "route53-dns";
/** What a query to unreachable name servers costs before it fails: the resolver's timeout × tries. */
const UNANSWERED_QUERY_MS = 2000 * 2;

/** Deterministic addresses for the zone's name servers (Route 53 uses 205.251.192.0/21). */
export function nameServerAddress(index: number): string {
  return `205.251.${192 + (index % 8)}.${((index * 37) % 254) + 1}`;
}

function dnsError(code: string, syscall: string, hostname: string): Error {
  return Object.assign(new Error(`${syscall} ${code} ${hostname}`), { code, syscall, hostname });
}

/**
 * The servers each Resolver was pointed at. Module scope, like the resolver objects themselves: a
 * warm handler keeps its configured resolver from one simulated world to the next.
 */
const servers = new WeakMap<object, string[]>();

export function installInterceptors(deps: InterceptorDeps): () => void {
  const addresses = new Map(deps.zoneNameServers.map((host, i) => [host.replace(/\.$/, ""), nameServerAddress(i)]));
  const authoritative = new Set(addresses.values());
  const cache = new Map<string, { values: string[]; expiresAt: number }>();

  const proto = dnsPromises.Resolver.prototype as unknown as Record<string, unknown>;
  const saved = {
    setServers: proto.setServers,
    getServers: proto.getServers,
    resolveTxt: proto.resolveTxt,
    resolve4: proto.resolve4,
    lookup: dnsPromises.lookup,
    fetch: globalThis.fetch,
  };

  proto.setServers = function setServers(this: object, list: string[]) {
    servers.set(this, [...list]);
  };
  proto.getServers = function getServers(this: object) {
    return servers.get(this) ?? ["169.254.78.1"];
  };
  /** The values of `name`/`type` as a resolver configured like `self` gets them (authoritative, or cached for the TTL). */
  const isAuthoritativeResolver = (self: object) => {
    const configured = servers.get(self);
    return configured !== undefined && configured.length > 0 && configured.every((s) => authoritative.has(s.replace(/:53$/, "")));
  };
  const answer = async (self: object, name: string, type: "TXT" | "A", syscall: string): Promise<string[]> => {
    await deps.sleep(8);
    const cutOff = deps.reachability && !deps.reachability.canReach(currentCaller().region, ROUTE53_NAME_SERVERS, "app");
    const noInternet = deps.inVpc?.(currentCaller().functionName) === true && isAuthoritativeResolver(self);
    if (cutOff || noInternet) {
      await deps.sleep(UNANSWERED_QUERY_MS);
      deps.recordQuery?.(type, name, "ETIMEOUT");
      throw dnsError("ETIMEOUT", syscall, name);
    }
    const isAuthoritative = isAuthoritativeResolver(self);
    const now = deps.now();
    const key = `${type} ${name}`;
    if (!isAuthoritative) {
      const hit = cache.get(key);
      if (hit && hit.expiresAt > now) return hit.values;
    }
    const record = deps.route53.answer(name.replace(/\.$/, ""), type);
    if (!record) {
      deps.recordQuery?.(type, name, "ENOTFOUND");
      throw dnsError("ENOTFOUND", syscall, name);
    }
    const values = record.alias ? aliasAddresses(record.values[0]) : record.values;
    deps.recordQuery?.(type, name, values.join(","));
    if (!isAuthoritative) cache.set(key, { values, expiresAt: now + (record.ttlSeconds ?? 60) * 1000 });
    return values;
  };
  proto.resolveTxt = async function resolveTxt(this: object, name: string) {
    return (await answer(this, name, "TXT", "queryTxt")).map((v) => [v]);
  };
  proto.resolve4 = async function resolve4(this: object, name: string, options?: { ttl?: boolean }) {
    if (options?.ttl) throw new Error("The rehearsal's resolve4 does not return TTLs");
    return answer(this, name, "A", "queryA");
  };
  (dnsPromises as unknown as Record<string, unknown>).lookup = async (host: string) => {
    await deps.sleep(5);
    const address = addresses.get(host.replace(/\.$/, ""));
    if (!address) throw dnsError("ENOTFOUND", "getaddrinfo", host);
    return { address, family: 4 };
  };

  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const signal = init?.signal ?? undefined;
    const headers = Object.fromEntries(new Headers(init?.headers ?? {}).entries());
    let region: string;
    try {
      region = deps.route53.regionOfHost(url.hostname);
    } catch {
      throw new TypeError("fetch failed", { cause: dnsError("ENOTFOUND", "getaddrinfo", url.hostname) });
    }
    // undici gives up connecting after 10 s; the caller's signal may abort sooner.
    const request = deps.inVpc?.(currentCaller().functionName)
      ? deps.sleep(10_000).then((): never => {
          throw Object.assign(new Error("Connect Timeout Error"), { code: "UND_ERR_CONNECT_TIMEOUT" });
        })
      : deps.gateway.request(
          region,
          {
            method: init?.method ?? "GET",
            host: url.hostname,
            path: `${url.pathname}${url.search}`,
            headers,
            body: typeof init?.body === "string" ? init.body : undefined,
          },
          10_000,
        );
    const aborted = new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    // Whichever loses the race must not surface later as an unhandled rejection.
    request.catch(() => undefined);
    aborted.catch(() => undefined);
    try {
      const res = await Promise.race([request, aborted]);
      return new Response(res.body, { status: res.status, headers: res.headers });
    } catch (error) {
      if (error instanceof NetworkError || (error as { code?: string }).code === "UND_ERR_CONNECT_TIMEOUT")
        throw new TypeError("fetch failed", { cause: error });
      throw error;
    }
  }) as typeof fetch;

  return () => {
    proto.setServers = saved.setServers;
    proto.getServers = saved.getServers;
    proto.resolveTxt = saved.resolveTxt;
    proto.resolve4 = saved.resolve4;
    (dnsPromises as unknown as Record<string, unknown>).lookup = saved.lookup;
    globalThis.fetch = saved.fetch;
  };
}
