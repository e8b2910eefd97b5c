/**
 * Bundle benchmark: builds every Lambda handler (payment path, canary, runbooks) exactly as
 * `npm run build` does, plus a floor (bench/floor-handler.ts: one DynamoDB client sending one
 * GetItem, built by the same function), into a temporary directory, and reports for each bundle
 * its size and its cold module-load time: the median over fresh `node` processes, each with the
 * environment Lambda gives a function ({@link LAMBDA_RUNTIME_ENV}) and `require`-ing the bundle between two readings of the clock (`process.hrtime`) and of its own CPU
 * time (`process.cpuUsage`), and those medians' ratios to the floor's. Module load is the part of
 * a Lambda cold start our code controls (runtime boot and the first request's connection setup
 * are not in it).
 *
 * The floor is measured in the same run, interleaved: every round loads each bundle once, the
 * floor included, in an order rotated from round to round, after one untimed round that warms the
 * file cache. Wall time is what a cold start costs, but on a busy machine it includes waiting for
 * a core, which adds the same milliseconds to every bundle and pulls the ratios towards 1; CPU
 * time counts only the work, so its ratio is the one to trust when the load average is above the
 * core count. Target: every handler at most {@link TARGET_RATIO} × the floor.
 *
 * The same run also measures the floor plus one piece of a handler at a time (bench/components.ts:
 * observability, validation, idempotency, a second client), unless handlers are named.
 *
 * Usage: tsx bench/bundles.ts [--runs 11] [--json] [--keep] [name ...]
 * Data goes to stdout (a table, or JSON with --json); progress to stderr. Exit code 1 when a
 * bundle failed to build or load (a missed target is reported, not an error: timings are noisy).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildBundle, buildHandlers, type BuiltBundle } from "../scripts/build-lambdas";
import { STACK_ENVIRONMENT, type StackEnvironmentName } from "../lib/handlers/spec";
import { COMPONENTS, componentEntry, componentTable } from "./components";

export const MIN_RUNS = 7;
export const DEFAULT_RUNS = 11;
/** Issue 13: no handler's module load above 1.5 × the floor's. */
export const TARGET_RATIO = 1.5;
/** The floor's bundle name (its folder in the output directory). */
export const FLOOR = "floor";
const FLOOR_LABEL = "floor (1 DynamoDB GetItem)";

/** Runs in the child: wall and CPU time of the require of the bundle, nothing else. */
const CHILD = `
const file = process.argv[1];
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
require(file);
const end = process.hrtime.bigint();
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ ms: Number(end - start) / 1e6, cpuMs: (used.user + used.system) / 1000 }));
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

/**
 * What Lambda sets in every function's environment before it loads the code: the reserved runtime
 * variables (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * and the X-Ray ones, which it adds because the stack turns active tracing on
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html). Libraries read them while they
 * load: the X-Ray SDK sets up its Lambda mode when LAMBDA_TASK_ROOT is set, and Powertools Tracer
 * traces only when AWS_EXECUTION_ENV names a Lambda runtime, so without them a bundle would be
 * measured on a path it never takes in Lambda. (Measured 2026-12-03, the two paths cost the same
 * within noise: create-payment 1.49 × the floor with them, 1.48 × without, in one interleaved
 * run.) `_X_AMZN_TRACE_ID` is per invocation, so absent while the code loads.
 */
export const LAMBDA_RUNTIME_ENV = {
  AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
  AWS_LAMBDA_FUNCTION_NAME: "bench",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
  AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
  AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
  AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/bench",
  AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/03/[$LATEST]0123456789abcdef0123456789abcdef",
  AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
  AWS_REGION: "us-east-1",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_SESSION_TOKEN: "bench",
  LAMBDA_TASK_ROOT: "/var/task",
  LAMBDA_RUNTIME_DIR: "/var/runtime",
  _HANDLER: "index.handler",
  TZ: ":UTC",
  LANG: "en_US.UTF-8",
  AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
  AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
  _AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129",
  _AWS_XRAY_DAEMON_PORT: "2000",
} as const;

export function childEnvironment(): NodeJS.ProcessEnv {
  const stack = Object.fromEntries(
    (Object.keys(STACK_ENVIRONMENT) as StackEnvironmentName[]).map((name) => [name, SAMPLE_ENV[name] ?? `bench-${name.toLowerCase()}`]),
  );
  return {
    PATH: process.env.PATH,
    ...stack,
    ...LAMBDA_RUNTIME_ENV,
    POWERTOOLS_LOG_LEVEL: "SILENT",
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface LoadFigures {
  /** Wall time of the require, median over the runs. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** CPU time (user + system, every thread of the process) of the require, median over the runs. */
  cpuMedianMs: number;
  samplesMs: number[];
  cpuSamplesMs: number[];
}

export interface BundleFigures {
  name: string;
  bytes: number;
  kilobytes: number;
  load: LoadFigures | { error: string };
  /** Wall-time median ÷ the floor's (absent for the floor and for a bundle that failed). */
  ratio?: number;
  /** CPU-time median ÷ the floor's. */
  cpuRatio?: number;
}

interface Sample {
  ms: number;
  cpuMs: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** One fresh process requiring the bundle, or the first error line it printed. */
function loadOnce(bundle: BuiltBundle, env: NodeJS.ProcessEnv): Sample | { error: string } {
  try {
    const out = execFileSync(process.execPath, ["-e", CHILD, bundle.outfile], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(out) as Sample;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    const firstLine = stderr.split("\n").find((l) => /Error/.test(l)) ?? stderr.split("\n")[0];
    return { error: firstLine.trim().slice(0, 200) };
  }
}

/**
 * Loads every bundle `runs` times, interleaved: round r loads them all once, starting at bundle
 * r (mod n), so no bundle always runs first or right after the same one. One untimed round first.
 */
export function measureInterleaved(
  bundles: readonly BuiltBundle[],
  runs: number,
  env: NodeJS.ProcessEnv,
): Map<string, BundleFigures["load"]> {
  const samples = new Map<string, Sample[]>(bundles.map((b) => [b.name, []]));
  const failed = new Map<string, { error: string }>();
  for (let r = -1; r < runs; r++) {
    if (r >= 0) console.error(`round ${r + 1}/${runs} ...`);
    for (let i = 0; i < bundles.length; i++) {
      const bundle = bundles[(i + Math.max(r, 0)) % bundles.length];
      if (failed.has(bundle.name)) continue;
      const sample = loadOnce(bundle, env);
      if ("error" in sample) failed.set(bundle.name, sample);
      else if (r >= 0) samples.get(bundle.name)?.push(sample);
    }
  }
  return new Map(
    bundles.map((b): [string, BundleFigures["load"]] => {
      const error = failed.get(b.name);
      if (error) return [b.name, error];
      const wall = (samples.get(b.name) ?? []).map((s) => s.ms);
      const cpu = (samples.get(b.name) ?? []).map((s) => s.cpuMs);
      return [
        b.name,
        {
          medianMs: round1(median(wall)),
          minMs: round1(Math.min(...wall)),
          maxMs: round1(Math.max(...wall)),
          cpuMedianMs: round1(median(cpu)),
          samplesMs: wall.map(round1),
          cpuSamplesMs: cpu.map(round1),
        },
      ];
    }),
  );
}

/** Sizes, loads and the ratios of each bundle's medians to the floor's. */
export function figuresOf(bundles: readonly BuiltBundle[], loads: Map<string, BundleFigures["load"]>, floorName: string): BundleFigures[] {
  const floor = loads.get(floorName);
  return bundles.map((b) => {
    const load = loads.get(b.name) ?? { error: "not measured" };
    const figures: BundleFigures = { name: b.name, bytes: b.bytes, kilobytes: round1(b.bytes / 1024), load };
    if (b.name !== floorName && floor && "medianMs" in floor && "medianMs" in load) {
      figures.ratio = round2(load.medianMs / floor.medianMs);
      figures.cpuRatio = round2(load.cpuMedianMs / floor.cpuMedianMs);
    }
    return figures;
  });
}

function machine(): string {
  const cores = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  return `${cores.length} × ${cores[0]?.model.trim() ?? "unknown CPU"}, load average ${load}`;
}

/** Handlers above the target, by wall and by CPU ratio. */
export function overTarget(figures: readonly BundleFigures[]): { wall: string[]; cpu: string[] } {
  const over = (pick: (f: BundleFigures) => number | undefined) =>
    figures.filter((f) => (pick(f) ?? 0) > TARGET_RATIO).map((f) => `${f.name} (${pick(f)?.toFixed(2)})`);
  return { wall: over((f) => f.ratio), cpu: over((f) => f.cpuRatio) };
}

function table(figures: BundleFigures[], runs: number): string {
  const columns = ["size KB", "load ms (median)", "min", "max", "× floor", "cpu ms (median)", "× floor"];
  const widths = [9, 17, 7, 7, 8, 16, 8];
  const row = (name: string, cells: string[]) => [name.padEnd(28), ...cells.map((c, i) => c.padStart(widths[i]))].join(" ");
  const rows = figures.map((f) => {
    const name = f.name === FLOOR ? FLOOR_LABEL : f.name;
    const size = f.kilobytes.toFixed(1);
    if ("error" in f.load) return `${row(name, [size])} load failed: ${f.load.error}`;
    const { medianMs, minMs, maxMs, cpuMedianMs } = f.load;
    const ratio = (r: number | undefined) => (r === undefined ? "1.00" : r.toFixed(2));
    return row(name, [
      size,
      medianMs.toFixed(1),
      minMs.toFixed(1),
      maxMs.toFixed(1),
      ratio(f.ratio),
      cpuMedianMs.toFixed(1),
      ratio(f.cpuRatio),
    ]);
  });
  const over = overTarget(figures);
  const verdict = (what: string, list: string[]) =>
    list.length === 0
      ? `${what}: every handler ≤ ${TARGET_RATIO} × the floor`
      : `${what}: above ${TARGET_RATIO} × the floor: ${list.join(", ")}`;
  return [
    row("bundle", columns),
    ...rows,
    "",
    `node ${process.version}, ${runs} fresh processes per bundle, interleaved with the floor; require() time only`,
    `${machine()}; ${new Date().toISOString()}`,
    verdict("wall", over.wall),
    verdict("cpu", over.cpu),
  ].join("\n");
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
    const floor = await buildBundle(FLOOR, join(__dirname, "floor-handler.ts"), outDir);
    const handlers = await buildHandlers({ outDir, only: positionals });
    const components: BuiltBundle[] = [];
    if (positionals.length === 0) for (const c of COMPONENTS) components.push(await buildBundle(c.name, componentEntry(c), outDir));
    const bundles = [floor, ...handlers, ...components];
    console.error(`measuring ${bundles.length} bundles, ${runs} interleaved rounds ...`);
    const all = figuresOf(bundles, measureInterleaved(bundles, runs, childEnvironment()), FLOOR);
    const figures = all.filter((f) => !components.some((c) => c.name === f.name));
    const componentFigures = all.filter((f) => components.some((c) => c.name === f.name));
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            node: process.version,
            machine: machine(),
            at: new Date().toISOString(),
            runs,
            targetRatio: TARGET_RATIO,
            bundles: figures,
            components: componentFigures,
          },
          null,
          2,
        ),
      );
    } else {
      console.log(table(figures, runs));
      if (componentFigures.length > 0) console.log(`\n${componentTable(componentFigures, figures[0])}`);
    }
    const failed = all.filter((f) => "error" in f.load).map((f) => f.name);
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
