/**
 * How fast the offline rehearsal is: `npm start` end to end (a fresh process each time, as a user
 * runs it: tsx start-up, the offline evaluation of the Pulumi program, loading 64 handlers, the
 * full scenario), and each scenario on its own (in this process, after one evaluation). Median
 * of a few runs. The target (issue 6): the full default rehearsal under 15 s wall on 2 cores.
 *
 * Usage: tsx bench/rehearsal.ts [--runs 3]
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { evaluateProgram } from "../infra/offline/evaluate";
import { deploymentFromEvaluation } from "../sim/deployment/deployment";
import { runScenario } from "../sim/rehearsal/runner";
import { SCENARIOS } from "../sim/rehearsal/scenarios";

const ROOT = join(__dirname, "..");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sec = (ms: number) => (ms / 1000).toFixed(1).padStart(6);

async function main() {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
  const runs = Math.max(1, Number(values.runs));
  console.log(
    `payments-dr rehearsal benchmark — ${cpus().length} CPU(s) (${cpus()[0]?.model.trim()}), Node ${process.version}, median of ${runs}`,
  );
  console.log("");

  const endToEnd: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    execFileSync(process.execPath, ["--import", "tsx", "sim/rehearsal/main.ts", "--json"], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "ignore"],
      env: { ...process.env, REHEARSAL_REPORTS_DIR: join(ROOT, "reports", "bench") },
    });
    endToEnd.push(performance.now() - started);
  }
  console.log(
    `npm start (full scenario, fresh process):  ${sec(median(endToEnd))} s wall   [runs: ${endToEnd.map((x) => (x / 1000).toFixed(1)).join(", ")} s; target < 15 s]`,
  );
  console.log("");

  const t0 = performance.now();
  const deployment = deploymentFromEvaluation(await evaluateProgram({ stack: "dev" }));
  console.log(`offline evaluation of the Pulumi program:   ${sec(performance.now() - t0)} s (once per process)`);
  console.log("");
  console.log(
    `${"scenario".padEnd(22)} ${"wall (s)".padStart(9)} ${"virtual".padStart(9)} ${"speed-up".padStart(9)}  RTO (s)  lost  dup  passed`,
  );
  for (const scenario of SCENARIOS) {
    const walls: number[] = [];
    let last;
    for (let i = 0; i < runs; i++) {
      last = await runScenario(deployment, scenario);
      walls.push(last.wallMs);
    }
    if (!last) continue;
    const virtualMs = last.endedAt - last.origin + 60_000; // plus the minute of warm-up
    const f = last.figures;
    console.log(
      `${scenario.name.padEnd(22)} ${sec(median(walls)).padStart(9)} ${`${Math.round(virtualMs / 1000)} s`.padStart(9)} ${`×${Math.round(virtualMs / median(walls))}`.padStart(9)}  ${String(f.rtoSeconds ?? "—").padStart(7)}  ${String(f.acknowledgedPaymentsLost).padStart(4)}  ${String(f.duplicatePayments).padStart(3)}  ${last.passed ? "yes" : "NO"}`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
