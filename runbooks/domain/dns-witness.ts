/**
 * Asking the DNS witness (`_region.api.<zone>` TXT, docs/architecture.md "DNS confirmation") of the
 * zone's authoritative name servers: no resolver cache between the question and Route 53's answer.
 * Used by ConfirmDnsAnswer (has DNS moved to the region a run activated?) and, in eventual mode, by
 * the canary (what the payment path's partition guard reads). Both run outside the VPC: the
 * authoritative servers are public.
 *
 * An answer that says the name has no value (ENOTFOUND, ENODATA: the servers answered) is an
 * answer naming nobody, `[]`; anything else (a timeout, a refusal, no server reachable) is no
 * answer, and throws.
 */
import { Resolver, lookup } from "node:dns/promises";
import { parseNameServer, witnessRegions } from "./decisions";

/** c-ares's codes for an authoritative "no such name" / "no such record": the servers answered. */
const ANSWERED_EMPTY = new Set(["ENOTFOUND", "ENODATA"]);

export class DnsWitness {
  private readonly resolver = new Resolver({ timeout: 2000, tries: 2 });
  private servers: Promise<string[]> | undefined;

  constructor(
    readonly name: string,
    readonly nameServers: readonly string[],
  ) {}

  /** `ZONE_NAME_SERVERS` as the stack sets it: comma-separated, blanks ignored. */
  static fromEnvironment(name: string, zoneNameServers: string): DnsWitness {
    return new DnsWitness(
      name,
      zoneNameServers
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    );
  }

  /** Name-server addresses for setServers(); host names are resolved once per container. */
  private async serverAddresses(): Promise<string[]> {
    this.servers ??= Promise.all(
      this.nameServers.map(async (entry) => {
        const ns = parseNameServer(entry);
        if (ns.address) return ns.address;
        const { address, family } = await lookup(ns.host as string);
        const host = family === 6 ? `[${address}]` : address;
        return ns.port ? `${host}:${ns.port}` : address;
      }),
    ).then((addresses) => {
      this.resolver.setServers(addresses);
      return addresses;
    });
    try {
      return await this.servers;
    } catch (error) {
      this.servers = undefined; // do not cache a failed resolution
      throw error;
    }
  }

  /** The regions the witness names now (each TXT record's chunks joined); throws when no server answered. */
  async regions(): Promise<string[]> {
    await this.serverAddresses();
    return witnessRegions(await this.resolver.resolveTxt(this.name));
  }

  /**
   * Like {@link regions}, but an authoritative "no such name/record" is `[]` rather than an error,
   * and no answer within `deadlineMs` is an error (c-ares retries each server with a doubling
   * timeout: with four servers unreachable it could outlast the caller's own timeout).
   */
  async regionsOrNone(deadlineMs: number): Promise<string[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.resolver.cancel();
        reject(Object.assign(new Error(`no answer for ${this.name} within ${deadlineMs} ms`), { code: "ETIMEOUT" }));
      }, deadlineMs);
    });
    try {
      return await Promise.race([this.regions(), deadline]);
    } catch (error) {
      if (ANSWERED_EMPTY.has((error as { code?: string })?.code ?? "")) return [];
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
