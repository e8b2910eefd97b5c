/**
 * Offline evaluation benchmark: how long the Pulumi program takes to evaluate under mocks (the
 * first stage of `npm start`, and what every infra test file pays once). Each run is a fresh
 * process (`tsx`, so TypeScript compilation is included, as users experience it); reported: the
 * median and range of the wall time, and the resource count.
 *
 * Usage: tsx bench/evaluate.ts [--runs 5] [--json]
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";

const ROOT = join(__dirname, "..");
const CHILD = `
const start = process.hrtime.bigint();
require("./infra/offline/evaluate").evaluateProgram().then((ev) => {
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ ms, resources: ev.resources.filter((r) => r.type.startsWith("aws:")).length }));
});
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main() {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, json: { type: "boolean", default: false } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`--runs must be a positive integer, got "${values.runs}"`);
    process.exit(2);
  }
  const samples: { ms: number; resources: number; wallMs: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const out = execFileSync(process.execPath, ["--require", "tsx/cjs", "-e", CHILD], { cwd: ROOT, encoding: "utf8" });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    samples.push({ ...JSON.parse(out), wallMs });
    process.stderr.write(`run ${i + 1}/${runs}: ${wallMs.toFixed(0)} ms\n`);
  }
  const result = {
    node: process.version,
    runs,
    resources: samples[0].resources,
    evaluationMs: {
      median: median(samples.map((s) => s.ms)),
      min: Math.min(...samples.map((s) => s.ms)),
      max: Math.max(...samples.map((s) => s.ms)),
    },
    processWallMs: {
      median: median(samples.map((s) => s.wallMs)),
      min: Math.min(...samples.map((s) => s.wallMs)),
      max: Math.max(...samples.map((s) => s.wallMs)),
    },
  };
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(`Offline evaluation of the Pulumi program (${result.resources} AWS resources), ${runs} fresh processes, ${result.node}`);
  console.log(
    `  evaluation (load program + register + resolve): median ${result.evaluationMs.median.toFixed(0)} ms (min ${result.evaluationMs.min.toFixed(0)}, max ${result.evaluationMs.max.toFixed(0)})`,
  );
  console.log(
    `  whole process incl. node + tsx start:           median ${result.processWallMs.median.toFixed(0)} ms (min ${result.processWallMs.min.toFixed(0)}, max ${result.processWallMs.max.toFixed(0)})`,
  );
}

main();
