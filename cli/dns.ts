/**
 * DNS questions asked of the hosted zone's own authoritative name servers (from SSM
 * `dns/name-servers`), so no resolver cache sits between drctl and Route 53's current answer —
 * the same way the runbook's ConfirmDnsAnswer step asks (docs/architecture.md, "DNS confirmation").
 * One question goes to the public DNS instead: a zone's NS, asked of this machine's resolver (no
 * name servers given), which follows the parent zone's delegation — what `drctl preflight` compares
 * with the zone's own name servers.
 */
import { lookup, Resolver } from "node:dns/promises";
import { parseNameServer, witnessRegions } from "../runbooks/domain/decisions";

export type DnsRecordType = "A" | "TXT" | "NS";

export interface DnsResolver {
  /**
   * The answers for `name` (A: addresses; TXT: one string per record, chunks joined; NS: name
   * servers) from the given name servers, or from this machine's resolver when none are given.
   * Rejects when nothing answers within `timeoutMs`.
   */
  resolve(name: string, type: DnsRecordType, nameServers: string[], timeoutMs: number): Promise<string[]>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function serverAddress(entry: string, timeoutMs: number): Promise<string> {
  const ns = parseNameServer(entry);
  if (ns.address) return ns.address;
  const { address, family } = await withTimeout(lookup(ns.host as string), timeoutMs, `looking up ${ns.host}`);
  const host = family === 6 ? `[${address}]` : address;
  return ns.port ? `${host}:${ns.port}` : address;
}

/** node:dns/promises, one try per server, bounded by `timeoutMs` overall. */
export function systemDnsResolver(): DnsResolver {
  return {
    async resolve(name, type, nameServers, timeoutMs) {
      const resolver = new Resolver({ timeout: Math.min(timeoutMs, 2000), tries: 1 });
      const work = async () => {
        if (nameServers.length > 0) resolver.setServers(await Promise.all(nameServers.map((ns) => serverAddress(ns, timeoutMs))));
        if (type === "NS") return resolver.resolveNs(name);
        return type === "A" ? resolver.resolve4(name) : witnessRegions(await resolver.resolveTxt(name));
      };
      // Cancel what is still in flight once the answer (or the time limit) is in.
      return withTimeout(work(), timeoutMs, `${type} ${name}`).finally(() => resolver.cancel());
    },
  };
}
