/**
 * What strong consistency costs a payment: the latency clients see for `POST /payments` in each
 * `dataConsistency` mode, in the simulated world (the steady base: payments flow, nothing fails).
 *
 * How it is modelled (sim/network.ts, sim/dynamodb/model.ts): every call pays the one-way network
 * latency between caller and endpoint both ways (3 ms within a region, 12 ms us-east-1 ↔ us-east-2,
 * 33 ms east ↔ us-west-2, 25 ms from the internet); an MRSC write or strongly consistent read
 * also pays a round trip to the nearest reachable quorum member (the other replica or the witness).
 * Lambda and DynamoDB service time are not modelled, so the figures are the network's share of a
 * payment's latency: the difference between the modes, not absolute numbers to expect from AWS.
 * The write path (create-payment) does a strong read of the authority (cached ≤ 5 s), the
 * idempotency record (Powertools: a conditional put, then an update) and the payment's conditional
 * put, so the strong mode's extra round trips add up per payment.
 *
 * Only first-attempt acknowledgements count (a retry's wait is the client's backoff, not latency).
 *
 * Usage: npm run bench:latency
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { DEFAULT_OFFLINE_CONFIG, evaluateProgram } from "../infra/offline/evaluate";
import { deploymentFromEvaluation } from "../sim/deployment/deployment";
import { runScenario } from "../sim/rehearsal/runner";
import { steady } from "../sim/sweep/steady";

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** One mode's row: the program is evaluated once per process, so each mode runs in a child. */
async function row(mode: "strong" | "eventual"): Promise<string> {
  const evaluation = await evaluateProgram({ config: { ...DEFAULT_OFFLINE_CONFIG, dataConsistency: mode } });
  const result = await runScenario(deploymentFromEvaluation(evaluation), steady);
  const latencies = result.acks
    .filter((a) => a.attempts === 1)
    .map((a) => a.at - a.firstTriedAt)
    .sort((a, b) => a - b);
  const ms = (v: number) => `${Math.round(v)} ms`;
  return `| ${mode} | ${latencies.length} | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 90))} | ${ms(percentile(latencies, 99))} | ${ms(latencies.at(-1) ?? 0)} |`;
}

async function main() {
  const mode = process.argv[2];
  if (mode === "strong" || mode === "eventual") {
    console.log(await row(mode));
    return;
  }
  console.log(`payments-dr write latency (simulated network) — ${cpus().length} CPU(s), Node ${process.version}`);
  console.log("");
  console.log("| mode | payments | p50 | p90 | p99 | max |");
  console.log("|---|---|---|---|---|---|");
  for (const m of ["strong", "eventual"]) {
    process.stdout.write(
      execFileSync(process.execPath, ["--import", "tsx", __filename, m], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }),
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
