/**
 * Runs drctl in-process against the simulated world (sim/): ordinary SDK clients answered by the
 * world's SDK fakes, the world's virtual clock (Date and timers), and DNS as the world answers it —
 * A and TXT through the simulation's own resolver interception, NS (the public DNS's delegation
 * of a zone, which the interception does not cover) from the world's account model
 * (sim/account.ts). Virtual time moves while the command runs, so the world keeps going under it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemDnsResolver } from "../../../cli/dns";
import { runCli, type DnsResolver } from "../../../cli/main";
import type { VirtualClock } from "../../../sim/clock";
import { evaluatorReady } from "../../../sim/iam/authorizer";
import type { World } from "../../../sim/world";

export interface SimRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The public DNS of the simulated world: NS from the account's delegations, the rest as the simulation resolves it. */
export function worldDns(world: World): DnsResolver {
  const system = systemDnsResolver();
  return {
    async resolve(name, type, nameServers, timeoutMs) {
      if (type !== "NS") return system.resolve(name, type, nameServers, timeoutMs);
      const answer = world.account.publicNameServers(name);
      if (!answer) throw Object.assign(new Error(`queryNs ENOTFOUND ${name}`), { code: "ENOTFOUND" });
      return answer;
    },
  };
}

/** Runs `drctl <argv>` from the internet (the operator) while virtual time passes; at most `limitMs` of it. */
export async function drctlInWorld(
  world: World,
  clock: VirtualClock,
  argv: string[],
  env: Record<string, string> = {},
  limitMs = 5 * 60_000,
): Promise<SimRun> {
  await evaluatorReady();
  let stdout = "";
  let stderr = "";
  let code: number | undefined;
  let failure: unknown;
  runCli(argv, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: { USER: "alice", ...env },
    dns: worldDns(world),
  }).then(
    (c) => (code = c),
    (e) => (failure = e ?? new Error("runCli rejected")),
  );
  await clock.advanceUntil(() => code !== undefined || failure !== undefined, limitMs, 100);
  if (failure !== undefined) throw failure;
  if (code === undefined) throw new Error(`drctl ${argv.join(" ")} did not return within ${limitMs} ms of virtual time`);
  return { code, stdout, stderr };
}

/** Writes a Pulumi stack file `Pulumi.<stack>.yaml` with these `payments-dr:*` keys in a fresh folder; returns its path. */
export function stackFile(stack: string, config: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "preflight-"));
  const path = join(dir, `Pulumi.${stack}.yaml`);
  const lines = Object.entries(config).map(([k, v]) => `  payments-dr:${k}: ${JSON.stringify(v)}`);
  writeFileSync(path, `config:\n${lines.join("\n")}\n`);
  return path;
}
