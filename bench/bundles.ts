/**
 * Bundle benchmark: builds every Lambda handler (payment path, canary, runbooks) exactly as
 * `npm run build` does, into a temporary directory, and reports for each bundle its size and its
 * cold module-load time: the median of several runs, each in a fresh `node` process that
 * `require`s the bundle between two `process.hrtime` readings. That is the part of a Lambda cold
 * start our code controls (runtime boot and the first request's connection setup are not in it).
 *
 * Usage: tsx bench/bundles.ts [--runs 9] [--json] [--keep] [name ...]
 * Data goes to stdout (a table, or JSON with --json); progress to stderr. Exit code 1 when a
 * bundle failed to build or load.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildHandlers, type BuiltBundle } from "../scripts/build-lambdas";
import { STACK_ENVIRONMENT, type StackEnvironmentName } from "../lib/handlers/spec";

export const MIN_RUNS = 7;
export const DEFAULT_RUNS = 9;

/** Runs in the child: time only the require of the bundle. */
const CHILD = `
const file = process.argv[1];
const start = process.hrtime.bigint();
require(file);
const end = process.hrtime.bigint();
process.stdout.write(JSON.stringify({ ms: Number(end - start) / 1e6 }));
`;

/** Plausible values for every variable the stack can set, so handlers pass their cold-start checks. */
const SAMPLE_ENV: Partial<Record<StackEnvironmentName, string>> = {
  ENVIRONMENT: "bench",
  LOCAL_REGION: "us-east-1",
  PEER_REGION: "us-east-2",
  PRIMARY_REGION: "us-east-1",
  SECONDARY_REGION: "us-east-2",
  PROCESSING_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/processing-us-east-1-bench",
  PROCESSING_DLQ_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/processing-dlq-us-east-1-bench",
  ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:alerts-us-east-1-bench",
  SSM_PREFIX: "/payments-dr/bench/",
  METRIC_NAMESPACE: "PaymentsDR",
  REGION_STATE_CACHE_SECONDS: "5",
  RPO_SECONDS: "60",
  RTO_SECONDS: "300",
  PEER_HEALTH_URL: "https://api-us-east-2.payments.example.com/health",
  PROBES_PER_MINUTE: "6",
  FAILOVER_DNS_NAME: "api.payments.example.com",
  DNS_WITNESS_NAME: "_region.api.payments.example.com",
  ZONE_NAME_SERVERS: "ns-1.awsdns-01.org,ns-2.awsdns-02.net",
  DR_OPERATIONS_ROLE_ARN: "arn:aws:iam::123456789012:role/dr-operations-global-bench",
  PEER_WRITE_FUNCTION_NAME: "create-payment-us-east-2-bench",
  LOCAL_WRITE_FUNCTION_NAME: "create-payment-us-east-1-bench",
  PEER_STATE_MACHINE_ARN: "arn:aws:states:us-east-2:123456789012:stateMachine:dr-us-east-2-bench",
  STATE_MACHINE_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:dr-us-east-1-bench",
  AUTO_FAILOVER: "true",
  MIN_AUTO_INTERVAL_SECONDS: "900",
  DRILL_HOLD_SECONDS: "300",
  HEALTH_CHECK_INTERVAL_SECONDS: "10",
  HEALTH_CHECK_FAILURE_THRESHOLD: "3",
  DNS_TTL_SECONDS: "60",
};

export function childEnvironment(): NodeJS.ProcessEnv {
  const stack = Object.fromEntries(
    (Object.keys(STACK_ENVIRONMENT) as StackEnvironmentName[]).map((name) => [name, SAMPLE_ENV[name] ?? `bench-${name.toLowerCase()}`]),
  );
  return {
    PATH: process.env.PATH,
    ...stack,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    POWERTOOLS_LOG_LEVEL: "SILENT",
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface BundleFigures {
  name: string;
  bytes: number;
  kilobytes: number;
  load: { medianMs: number; minMs: number; maxMs: number; samplesMs: number[] } | { error: string };
}

function measureLoad(bundle: BuiltBundle, runs: number, env: NodeJS.ProcessEnv): BundleFigures["load"] {
  const samplesMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    try {
      const out = execFileSync(process.execPath, ["-e", CHILD, bundle.outfile], {
        env,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      samplesMs.push(JSON.parse(out).ms);
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      const firstLine = stderr.split("\n").find((l) => /Error/.test(l)) ?? stderr.split("\n")[0];
      return { error: firstLine.trim().slice(0, 200) };
    }
  }
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    medianMs: round(median(samplesMs)),
    minMs: round(Math.min(...samplesMs)),
    maxMs: round(Math.max(...samplesMs)),
    samplesMs: samplesMs.map(round),
  };
}

function table(figures: BundleFigures[], runs: number): string {
  const header = `${"bundle".padEnd(28)} ${"size KB".padStart(9)} ${"load ms (median)".padStart(17)} ${"min".padStart(7)} ${"max".padStart(7)}`;
  const rows = figures.map((f) => {
    const size = f.kilobytes.toFixed(1).padStart(9);
    if ("error" in f.load) return `${f.name.padEnd(28)} ${size} ${"load failed:".padStart(17)} ${f.load.error}`;
    return `${f.name.padEnd(28)} ${size} ${f.load.medianMs.toFixed(1).padStart(17)} ${f.load.minMs.toFixed(1).padStart(7)} ${f.load.maxMs.toFixed(1).padStart(7)}`;
  });
  return [header, ...rows, "", `node ${process.version}, ${runs} fresh processes per bundle, require() time only`].join("\n");
}

async function main() {
  const { values, positionals } = parseArgs({
    options: {
      runs: { type: "string", default: String(DEFAULT_RUNS) },
      json: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
    },
    allowPositionals: true,
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < MIN_RUNS)
    throw new Error(`--runs must be an integer of at least ${MIN_RUNS}, got "${values.runs}"`);

  const outDir = mkdtempSync(join(tmpdir(), "payments-dr-bench-"));
  try {
    console.error(`building bundles into ${outDir} ...`);
    const bundles = await buildHandlers({ outDir, only: positionals });
    const env = childEnvironment();
    const figures: BundleFigures[] = [];
    for (const bundle of bundles) {
      console.error(`measuring ${bundle.name} (${runs} runs) ...`);
      figures.push({
        name: bundle.name,
        bytes: bundle.bytes,
        kilobytes: Math.round((bundle.bytes / 1024) * 10) / 10,
        load: measureLoad(bundle, runs, env),
      });
    }
    if (values.json) {
      console.log(JSON.stringify({ node: process.version, runs, bundles: figures }, null, 2));
    } else {
      console.log(table(figures, runs));
    }
    const failed = figures.filter((f) => "error" in f.load).map((f) => f.name);
    if (failed.length > 0) {
      console.error(`bundle(s) failed to load: ${failed.join(", ")}`);
      process.exitCode = 1;
    }
  } finally {
    if (values.keep) console.error(`bundles kept in ${outDir}`);
    else rmSync(outDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
