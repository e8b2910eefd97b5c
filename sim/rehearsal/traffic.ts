/**
 * Payment clients on the internet, throughout every scenario. Each client resolves `api.<zone>`
 * (caching the answer for the record's TTL, like a stub resolver), sends `POST /payments` with a
 * fresh Idempotency-Key to whatever region answers, and retries the SAME key until it is
 * acknowledged: after a 503 it honours Retry-After, after a 409 it waits a second, after a
 * timeout, a connection error or a 5xx it backs off (0.5 s doubling, at most 8 s) and resolves
 * again — so it follows DNS to the other region. A 307 (a region that is not the writer naming
 * the one that is) is followed at once, as HTTP clients follow redirects, to the region-pinned
 * host it names, with the same method, body and key. Some acknowledged payments are read back.
 *
 * A scenario may add a client on a kept-alive connection (`startKeepAliveClient`): like an HTTP
 * client's connection pool, it resolves once and reuses that connection for as long as it gets
 * HTTP answers — whatever DNS says meanwhile — and resolves again only when the connection breaks
 * (a timeout or a connection error). That is the client DNS cannot move.
 */
import type { ApiGateway, HttpResponse } from "../apigateway/model";
import type { VirtualClock } from "../clock";
import type { Deployment } from "../deployment/types";
import { INTERNET, runAs } from "../network";
import type { Route53 } from "../route53/model";
import type { Timeline } from "../timeline";

export interface Ack {
  key: string;
  paymentId: string;
  /** The region that answered 202. */
  region: string;
  /** Where the payment was accepted (differs when an earlier attempt created it elsewhere). */
  acceptedIn: string;
  at: number;
  attempts: number;
  firstTriedAt: number;
  merchantReference: string;
}

export interface Attempt {
  at: number;
  region: string;
  /** HTTP status, or "timeout" / "connection-error". */
  outcome: number | "timeout" | "connection-error";
}

export interface TrafficOptions {
  clients: number;
  /** Pause between a client's payments, ms (± 50% jitter). */
  thinkMs: number;
  /** How long a client waits for an answer before it gives up on an attempt. */
  requestTimeoutMs: number;
  /** Share of acknowledged payments read back with GET /payments/{id}. */
  readShare: number;
}

export const DEFAULT_TRAFFIC: TrafficOptions = { clients: 4, thinkMs: 2000, requestTimeoutMs: 10_000, readShare: 0.2 };

/** A client's DNS answer: cached for the TTL, or (`keepAlive`) for as long as its connection works. */
interface ClientCache {
  region?: string;
  expiresAt: number;
  keepAlive?: boolean;
}

export class Traffic {
  readonly acks: Ack[] = [];
  readonly attempts: Attempt[] = [];
  readonly reads = { ok: 0, notFound: 0, failed: 0 };
  readonly clientErrors: { key: string; status: number; body: string }[] = [];
  /** Requests sent and not yet acknowledged (key → first try). */
  readonly open = new Map<string, number>();
  private running = false;
  private readonly ttlMs: number;
  private keepAliveClients = 0;

  constructor(
    private readonly deps: {
      deployment: Deployment;
      clock: VirtualClock;
      gateway: ApiGateway;
      route53: Route53;
      timeline: Timeline;
      random: () => number;
    },
    readonly options: TrafficOptions = DEFAULT_TRAFFIC,
  ) {
    const witness = deps.deployment.records.find((r) => r.name === deps.deployment.witnessName && r.ttlSeconds !== undefined);
    // An alias answer carries its target's TTL; the rehearsal uses the stack's failover TTL for it.
    this.ttlMs = (witness?.ttlSeconds ?? 60) * 1000;
  }

  start(): void {
    this.running = true;
    for (let c = 0; c < this.options.clients; c++) {
      const cache: ClientCache = { expiresAt: 0 };
      this.deps.clock.after(Math.floor((c * this.options.thinkMs) / this.options.clients), () =>
        runAs({ region: INTERNET }, () => this.client(c, cache)),
      );
    }
  }

  /** One more client, on a kept-alive connection to whichever region DNS answers now (see the header). */
  startKeepAliveClient(): void {
    const id = this.options.clients + this.keepAliveClients++;
    runAs({ region: INTERNET }, () => this.client(id, { expiresAt: 0, keepAlive: true }));
  }

  /** Stops starting new payments; requests in flight keep retrying until acknowledged. */
  stop(): void {
    this.running = false;
  }

  private resolve(cache: ClientCache): string {
    const now = this.deps.clock.now();
    if (!cache.region || (cache.expiresAt <= now && !cache.keepAlive)) {
      cache.region = this.deps.route53.servingRegion();
      cache.expiresAt = now + this.ttlMs;
    }
    return cache.region as string;
  }

  private async client(id: number, cache: ClientCache): Promise<void> {
    for (let n = 1; this.running; n++) {
      await this.pay(`rehearsal-${id}-${String(n).padStart(5, "0")}`, id, n, cache);
      await this.deps.clock.sleep(this.options.thinkMs * (0.5 + this.deps.random()));
    }
  }

  private async pay(key: string, client: number, n: number, cache: ClientCache): Promise<void> {
    const merchantReference = `order-${client}-${n}`;
    const body = JSON.stringify({
      amount: 100 + ((client * 7919 + n * 104729) % 90_000),
      currency: "EUR",
      merchantReference,
      sourceReference: `tok_rehearsal_${client}_${n}`,
    });
    const firstTriedAt = this.deps.clock.now();
    this.open.set(key, firstTriedAt);
    let redirect: { region: string; host: string } | undefined;
    let redirects = 0;
    for (let attempt = 1; ; attempt++) {
      const region = redirect?.region ?? this.resolve(cache);
      const host = redirect?.host ?? this.deps.deployment.failoverName;
      const redirected = redirect !== undefined;
      redirect = undefined;
      let res: HttpResponse | undefined;
      try {
        res = await this.deps.gateway.request(
          region,
          {
            method: "POST",
            host,
            path: "/payments",
            headers: { "content-type": "application/json", "idempotency-key": key },
            body,
          },
          this.options.requestTimeoutMs,
        );
        this.attempts.push({ at: this.deps.clock.now(), region, outcome: res.status });
      } catch (error) {
        this.attempts.push({
          at: this.deps.clock.now(),
          region,
          outcome: (error as { code?: string }).code === "ETIMEDOUT" ? "timeout" : "connection-error",
        });
        // A broken connection: the next one is opened to whatever DNS answers then.
        if (cache.keepAlive && !redirected) cache.region = undefined;
      }
      if (res?.status === 202) {
        const out = JSON.parse(res.body) as { paymentId: string; region: string };
        this.acks.push({
          key,
          paymentId: out.paymentId,
          region,
          acceptedIn: out.region,
          at: this.deps.clock.now(),
          attempts: attempt,
          firstTriedAt,
          merchantReference,
        });
        this.open.delete(key);
        if (this.deps.random() < this.options.readShare) void this.read(out.paymentId, cache);
        return;
      }
      if (res && (res.status === 400 || res.status === 403 || res.status === 422)) {
        this.clientErrors.push({ key, status: res.status, body: res.body.slice(0, 300) });
        this.open.delete(key);
        return;
      }
      // Follow a redirect at once; more than 5 in a row (regions naming each other) ends in a backoff.
      const location = res?.status === 307 ? res.headers.location : undefined;
      const target = location ? this.regionServing(new URL(location).hostname) : undefined;
      if (target && redirects < 5) {
        redirects += 1;
        redirect = target;
        continue;
      }
      redirects = 0;
      const retryAfter = Number(res?.headers["retry-after"]);
      const backoff = Math.min(8000, 500 * 2 ** Math.min(attempt - 1, 4)) * (0.75 + this.deps.random() / 2);
      // The cached DNS answer is kept until its TTL expires, even while that region fails.
      await this.deps.clock.sleep(res && Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoff);
    }
  }

  private async read(paymentId: string, cache: ClientCache): Promise<void> {
    try {
      const res = await this.deps.gateway.request(
        this.resolve(cache),
        { method: "GET", host: this.deps.deployment.failoverName, path: `/payments/${paymentId}`, headers: {} },
        this.options.requestTimeoutMs,
      );
      if (res.status === 200) this.reads.ok += 1;
      else if (res.status === 404) this.reads.notFound += 1;
      else this.reads.failed += 1;
    } catch {
      this.reads.failed += 1;
    }
  }

  /** The region whose API answers `host` (a region-pinned custom domain), if any. */
  private regionServing(host: string): { region: string; host: string } | undefined {
    const region = this.deps.deployment.regions.find((r) => this.deps.gateway.api(r).domains.includes(host));
    return region ? { region, host } : undefined;
  }

  /** The first acknowledgement by `region` at or after `from`. */
  firstAckIn(region: string, from: number): Ack | undefined {
    return this.acks.find((a) => a.region === region && a.at >= from);
  }
}
