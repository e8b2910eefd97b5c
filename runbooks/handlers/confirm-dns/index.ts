/**
 * ConfirmDnsAnswer — one query of the DNS witness (`_region.api.<zone>` TXT, docs/architecture.md)
 * against the zone's authoritative name servers: does Route 53 now answer the local region? The
 * state machine loops on this step (bounded) with Wait states; the step itself never waits.
 * Resolution errors are an answer too ("not yet"), reported in the output.
 */
import { Resolver, lookup } from "node:dns/promises";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { describeError } from "../../domain/errors";
import { parseNameServer, witnessConfirms, witnessRegions } from "../../domain/decisions";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";

const env = handlerEnv("confirm-dns");
const resolver = new Resolver({ timeout: 2000, tries: 2 });
const logger = createLogger("confirm-dns");
const nameServers = env.ZONE_NAME_SERVERS.split(",")
  .map((s) => s.trim())
  .filter((s) => s.length > 0);

let servers: Promise<string[]> | undefined;

/** Name-server addresses for setServers(); host names are resolved once per container. */
async function serverAddresses(): Promise<string[]> {
  servers ??= Promise.all(
    nameServers.map(async (entry) => {
      const ns = parseNameServer(entry);
      if (ns.address) return ns.address;
      const { address, family } = await lookup(ns.host as string);
      const host = family === 6 ? `[${address}]` : address;
      return ns.port ? `${host}:${ns.port}` : address;
    }),
  ).then((addresses) => {
    resolver.setServers(addresses);
    return addresses;
  });
  try {
    return await servers;
  } catch (error) {
    servers = undefined; // do not cache a failed resolution
    throw error;
  }
}

export const handler = stepHandler("confirm-dns", z.object({ run: runSchema }), logger, async ({ run }) => {
  const base = { name: env.DNS_WITNESS_NAME, expectedRegion: run.region, nameServers };
  try {
    await serverAddresses();
    const answers = witnessRegions(await resolver.resolveTxt(env.DNS_WITNESS_NAME));
    return { ...base, answers, matches: witnessConfirms(answers, run.region), checkedAt: Date.now() };
  } catch (error) {
    return { ...base, answers: [], matches: false, checkedAt: Date.now(), error: describeError(error) };
  }
});
