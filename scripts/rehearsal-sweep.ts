/**
 * Runs every rehearsal scenario under several random seeds (traffic timing, replication lag
 * jitter) and reports any failed check. One seed passing proves little about a race; this is how
 * the settlement and alarm-window races were found. Takes about two minutes.
 *
 * Usage: npx tsx scripts/rehearsal-sweep.ts [--seeds 12]
 * Exit code 1 when any run fails.
 */
import { parseArgs } from "node:util";
import { evaluateProgram } from "../infra/offline/evaluate";
import { deploymentFromEvaluation } from "../sim/deployment/deployment";
import { runScenario } from "../sim/rehearsal/runner";
import { SCENARIOS } from "../sim/rehearsal/scenarios";

async function main() {
  const { values } = parseArgs({ options: { seeds: { type: "string", default: "12" } } });
  const seeds = Number(values.seeds);
  if (!Number.isInteger(seeds) || seeds < 1) {
    console.error(`--seeds must be a positive integer, got "${values.seeds}"`);
    process.exit(2);
  }
  const deployment = deploymentFromEvaluation(await evaluateProgram());
  let failures = 0;
  for (const scenario of SCENARIOS) {
    const failed: string[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const result = await runScenario(deployment, scenario, { seed });
      if (result.passed) continue;
      failed.push(
        `seed ${seed}: ${result.checks
          .filter((c) => c.verdict === "fail")
          .map((c) => `${c.name} (${c.detail})`)
          .join("; ")}`,
      );
    }
    failures += failed.length;
    console.log(
      `${scenario.name.padEnd(22)} ${failed.length === 0 ? `${seeds}/${seeds} seeds pass` : `${seeds - failed.length}/${seeds} pass`}`,
    );
    for (const line of failed) console.log(`  ${line}`);
  }
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
