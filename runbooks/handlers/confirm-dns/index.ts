/**
 * ConfirmDnsAnswer — one query of the DNS witness (`_region.api.<zone>` TXT, docs/architecture.md)
 * against the zone's authoritative name servers: does Route 53 now answer the local region? The
 * state machine loops on this step (bounded) with Wait states; the step itself never waits.
 * Resolution errors are an answer too ("not yet"), reported in the output.
 */
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { describeError } from "../../domain/errors";
import { witnessConfirms } from "../../domain/decisions";
import { DnsWitness } from "../../domain/dns-witness";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { ControlTable } from "../../../lib/control-record";
import { documentClient } from "../../domain/dynamodb";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("confirm-dns");
const witness = DnsWitness.fromEnvironment(env.DNS_WITNESS_NAME, env.ZONE_NAME_SERVERS);
const logger = createLogger("confirm-dns");

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE), "confirm-dns");

export const handler = stepHandler(
  "confirm-dns",
  z.object({ run: runSchema }),
  logger,
  async ({ run }) => {
    const base = { name: witness.name, expectedRegion: run.region, nameServers: [...witness.nameServers] };
    try {
      const answers = await witness.regions();
      return { ...base, answers, matches: witnessConfirms(answers, run.region), checkedAt: Date.now() };
    } catch (error) {
      return { ...base, answers: [], matches: false, checkedAt: Date.now(), error: describeError(error) };
    }
  },
  { lease },
);
