/**
 * Runs every rehearsal scenario under several random seeds (traffic timing, replication lag
 * jitter) and reports any failed check. One seed passing proves little about a race; this is how
 * the settlement and alarm-window races were found.
 *
 * Each scenario's seeds run in a process of their own. Dozens of rehearsals in one process ran
 * out of a 4 GB heap (the twelve-seed sweep died after 72 runs): each run leaves ~40 MB that V8's
 * own collections did not reclaim while the next run was going, although a forced full collection
 * between runs did (`node --expose-gc`: 163 MB after each of six full rehearsals). Why is not
 * understood yet; a process per scenario bounds it whatever the cause.
 *
 * Usage: npx tsx scripts/rehearsal-sweep.ts [--seeds 12] [--scenario <name>]
 * Exit code 1 when any run fails.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { SCENARIOS } from "../sim/rehearsal/scenarios";

const USAGE = "usage: npx tsx scripts/rehearsal-sweep.ts [--seeds <positive integer>] [--scenario <name>]";

async function sweepOne(scenarioName: string, seeds: number): Promise<number> {
  const scenario = SCENARIOS.find((s) => s.name === scenarioName);
  if (!scenario) {
    console.error(`--scenario must be one of ${SCENARIOS.map((s) => s.name).join(", ")}; got "${scenarioName}"`);
    return 2;
  }
  // Loaded once the flags are known good: a usage error answers without loading Pulumi or the runner.
  const { evaluateProgram } = require("../infra/offline/evaluate") as typeof import("../infra/offline/evaluate");
  const { deploymentFromEvaluation } = require("../sim/deployment/deployment") as typeof import("../sim/deployment/deployment");
  const { runScenario } = require("../sim/rehearsal/runner") as typeof import("../sim/rehearsal/runner");
  const deployment = deploymentFromEvaluation(await evaluateProgram());
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
  console.log(
    `${scenario.name.padEnd(28)} ${failed.length === 0 ? `${seeds}/${seeds} seeds pass` : `${seeds - failed.length}/${seeds} pass`}`,
  );
  for (const line of failed) console.log(`  ${line}`);
  return failed.length === 0 ? 0 : 1;
}

function sweepAll(seeds: number): number {
  let failing = 0;
  for (const scenario of SCENARIOS) {
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, "--seeds", String(seeds), "--scenario", scenario.name], {
      stdio: "inherit",
    });
    if (child.status !== 0) failing++;
  }
  return failing === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  let values: { seeds?: string; scenario?: string };
  try {
    ({ values } = parseArgs({ options: { seeds: { type: "string", default: "12" }, scenario: { type: "string" } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const seeds = Number(values.seeds);
  if (!Number.isInteger(seeds) || seeds < 1) {
    console.error(`--seeds must be a positive integer, got "${values.seeds}"\n${USAGE}`);
    return 2;
  }
  return values.scenario === undefined ? sweepAll(seeds) : sweepOne(values.scenario, seeds);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
