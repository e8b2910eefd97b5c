/**
 * Bundles every Lambda handler with esbuild: one folder per function under dist/lambda/<name>/,
 * minified, CommonJS, for the nodejs24.x runtime. The handlers are the registry's
 * (lib/handlers/index.ts); a handler's name is its folder's name everywhere (bundle, registry,
 * physical name).
 *
 * The AWS SDK is bundled, not taken from the runtime: the code that ships is the exact SDK
 * version the tests ran against, and a runtime SDK update cannot change behaviour under us.
 * (bench/bundles.ts measures the size and cold-load cost of every bundle against a floor.)
 *
 * Usage: tsx scripts/build-lambdas.ts [--out dir] [name ...]
 */
import { type BuildOptions, build, type Metafile } from "esbuild";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { allFunctions, handlerEntry, type HandlerName } from "../lib/handlers";
import { type Deferral, deferRequire } from "./deferred-require";
import { handlerEnvironment } from "./handler-environment";
import { sdkSchemaKeys } from "./sdk-schema-keys";

export const ROOT = resolve(__dirname, "..");
export const DEFAULT_OUT_DIR = join(ROOT, "dist", "lambda");

/**
 * Powertools Tracer loads the AWS X-Ray SDK (aws-xray-sdk-core, CommonJS), which requires at load
 * modules that a Lambda function never runs, or runs only when something is wrong. Most stay
 * bundled but load only when needed (scripts/deferred-require.ts); the two patchers nothing here
 * may call (AWS SDK v2, Node's http) are left out, their functions throwing why.
 * test/scripts/build-lambdas.test.ts checks that each deferred module still works when used, that an
 * omitted one fails clearly, that our code uses none of the patchers and plugins, and that a built
 * handler answers, traces and never loads node:assert. Measured as bench/bundles.ts
 * measures (CPU of a cold load, Node 24, the Lambda runtime's environment): semver (then deferred
 * alone) and the sampler about 4 ms of create-payment's ~70 ms, node:assert about 1 ms more; the
 * SDK v2 and http patchers and the host plugins, deferred next, 0.5–1 ms more (the X-Ray SDK alone,
 * after node:http, which Tracer loads anyway: 19.4 → 18.9 ms median, 18.4 → 17.3 ms best of 25).
 * The rest of the SDK's cost (the segment model, its async-hooks context, the AWS SDK v3 patcher
 * and its list of parameters to record, the UDP emitter) is what tracing needs.
 */
export const LAMBDA_DEFERRALS: readonly Deferral[] = [
  {
    module: "./patchers/aws_p",
    importer: /aws-xray-sdk-core\/dist\/lib\/aws-xray\.js$/,
    loads: "never",
    functions: ["captureAWSClient", "captureAWS"],
    reason:
      "captureAWS and captureAWSClient patch an AWS SDK v2, which this project does not have; our clients are SDK v3, " +
      "traced through captureAWSv3Client (patchers/aws3_p, bundled as before). aws_p brings semver (to check the v2 SDK's " +
      "version): with http_p, about 33 KB that every bundle parsed and set up at each cold start.",
  },
  {
    module: "./patchers/http_p",
    importer: /aws-xray-sdk-core\/dist\/lib\/aws-xray\.js$/,
    loads: "never",
    functions: ["captureHTTPsGlobal", "captureHTTPs"],
    reason:
      "captureHTTPs and captureHTTPsGlobal patch Node's http modules; every Tracer here is made with " +
      "captureHTTPsRequests: false (lib/observability.ts: SDK clients are traced one by one), so nothing calls them.",
  },
  ...["ec2_plugin", "ecs_plugin", "elastic_beanstalk_plugin"].map(
    (plugin): Deferral => ({
      module: `./segments/plugins/${plugin}`,
      importer: /aws-xray-sdk-core\/dist\/lib\/aws-xray\.js$/,
      reason:
        "The EC2, ECS and Elastic Beanstalk plugins add host metadata to segments when an application passes them to " +
        "AWSXRay.config; in Lambda the segment is Lambda's and nothing passes them. (The EC2 one loads node:http.)",
    }),
  ),
  {
    module: "./sampling/default_sampler",
    importer: /aws-xray-sdk-core\/dist\/lib\/middleware\/mw_utils\.js$/,
    reason:
      "Centralized sampling (rules polled from the X-Ray API, with their pollers and HTTP client) is for servers. In Lambda " +
      "the SDK swaps it for the local sampler while it loads (env/aws_lambda.js init, run when LAMBDA_TASK_ROOT is set, " +
      "which Lambda always sets), before any request: the sampling decision is Lambda's, carried by the trace header.",
  },
  {
    module: "assert",
    importer: /cls-hooked\/context\.js$/,
    loads: "on-failed-assertion",
    reason:
      "cls-hooked (how the X-Ray SDK keeps the current segment across async calls) uses node:assert only as " +
      "assert.ok(value, message), to check its own invariants. Loading node:assert costs ~1 ms of CPU beyond what the " +
      "SDK clients load (Node 24 brings its diff and error-source helpers); the stand-in makes the same check and loads it only if an " +
      "invariant fails, to throw the same AssertionError.",
  },
];

/**
 * How every handler is bundled (and the benchmark's floor handler, so the comparison is fair).
 * Each choice was measured as bench/bundles.ts measures (fresh processes, interleaved; create-payment,
 * CPU time of its cold load, Node 24):
 * - `mainFields: ["module", "main"]`: on platform node esbuild resolves the `main` of a package
 *   without an `exports` map, which for the AWS SDK v3 clients is their CommonJS build, and
 *   CommonJS cannot be tree-shaken: every command and schema of a client is kept and run at load.
 *   Their ES module builds (`module`) shrink a bundle by about a quarter (782 → 581 KB) and its
 *   load by about as much (96 → 69 ms). (Powertools, @smithy/core and zod already resolve to ES
 *   modules through their `exports` maps; packages with only `main`, such as aws-xray-sdk-core,
 *   still resolve.)
 * - CommonJS output: the same bundle as an ES module (`.mjs`, loaded with `import()` as Lambda's
 *   runtime loads one) took 12–18 ms more CPU to load, even with the ES module loader already
 *   running as it is in Lambda's runtime (re-measured 2026-12-03: floor 39.4 → 57.2 ms,
 *   create-payment 62.1 → 78.6 ms), for no size gain.
 * - minify: 2.5 × smaller, a few ms less to parse and compile.
 * - no `keepNames`: it costs ~35 KB and ~5 ms, and nothing depends on class or function names —
 *   our errors, Powertools' and the SDK's set `name` explicitly.
 * - `legalComments: "none"`: licence comments add bytes and do nothing at run time.
 * - {@link LAMBDA_DEFERRALS}: modules the X-Ray SDK requires at load for features a Lambda function
 *   never uses are loaded when first used instead (scripts/deferred-require.ts).
 * - {@link sdkSchemaKeys}: the SDK clients' generated schemas write trait keys as computed keys, which
 *   esbuild must keep, so every shape of a client was bundled and built at load; written as the
 *   string literals they are, the shapes nothing uses are dropped (scripts/sdk-schema-keys.ts):
 *   process-payment 691 → 630 KB and its load ~69 → ~64 ms of CPU, write-report 566 → 508 KB, the
 *   Lambda-client steps 37 KB smaller; the floor's DynamoDB shapes were already shaken (no change).
 *
 * Measured and not taken (2026-12-04, the same way, the floor and the handlers built alike):
 * - ES module output with `splitting` (what the SDK imports dynamically, its credential providers,
 *   in chunks of their own), loaded with `import()`: the floor loads faster (33.3 → 29.9 ms of
 *   CPU) but `process-payment` slower (56.6 → 60.7 ms), 1.70 → 2.03 × the floor.
 * - Shipping Node's module compile cache (`NODE_COMPILE_CACHE`, `NODE_COMPILE_CACHE_PORTABLE=1`)
 *   in the archive: with a warm cache `process-payment` loaded in 41.6 ms of CPU instead of 58.8
 *   (the floor 27.6 instead of 35.5). It degrades safely: on a read-only directory Node logs
 *   "Cannot create cache directory: permission denied" to its debug channel and loads as usual.
 *   But Node files the cache under a key made of its version, the V8 flags it started with and
 *   the user id reading it (`v24.22.3-x64-964aae3f-0` as root here, `-65534` for another user,
 *   another hash with `--expose-gc`), and Lambda moves a function to new runtime versions on its
 *   own (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html) and starts Node with
 *   its own flags and user: a cache built here would be a silent miss in Lambda, so it would only
 *   flatter the bench.
 * - Functions compiled eagerly: V8's `//# allFunctionsCalledOnLoad` hint atop a bundle, or
 *   esbuild's module wrappers turned into parenthesised functions (which V8 compiles at once):
 *   within the noise, floor and handlers alike.
 */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  minify: true,
  platform: "node",
  target: "node24",
  format: "cjs",
  mainFields: ["module", "main"],
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  plugins: [deferRequire(LAMBDA_DEFERRALS), sdkSchemaKeys()],
} as const satisfies BuildOptions;

export interface BuiltBundle {
  name: string;
  outfile: string;
  bytes: number;
}

/**
 * Bundles one entry point into `<outDir>/<name>/index.js` with {@link LAMBDA_BUILD_OPTIONS}; a
 * handler's bundle (a `name` in the registry) carries its own environment list instead of the whole
 * registry (scripts/handler-environment.ts).
 */
export async function buildBundle(name: string, entry: string, outDir: string): Promise<BuiltBundle> {
  const dir = join(outDir, name);
  rmSync(dir, { recursive: true, force: true });
  const outfile = join(dir, "index.js");
  const handler = allFunctions.some((f) => f.name === name) ? [handlerEnvironment(name as HandlerName)] : [];
  const plugins = [...handler, ...LAMBDA_BUILD_OPTIONS.plugins];
  const result = await build({ ...LAMBDA_BUILD_OPTIONS, plugins, entryPoints: [entry], outfile });
  return { name, outfile, bytes: outputBytes(result.metafile) };
}

export async function buildHandlers(options: { outDir?: string; only?: string[] } = {}): Promise<BuiltBundle[]> {
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const all = allFunctions.map((f) => ({ name: f.name, entry: join(ROOT, handlerEntry(f.name)) }));
  const handlers = all.filter((h) => !options.only?.length || options.only.includes(h.name));
  if (options.only?.length && handlers.length !== options.only.length) {
    const known = all.map((h) => h.name);
    const unknown = options.only.filter((n) => !known.includes(n));
    throw new Error(`Unknown handler(s): ${unknown.join(", ")}. Known: ${known.join(", ")}`);
  }
  const results: BuiltBundle[] = [];
  for (const handler of handlers) results.push(await buildBundle(handler.name, handler.entry, outDir));
  return results;
}

function outputBytes(metafile: Metafile): number {
  return Object.values(metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
}

async function main() {
  const { values, positionals } = parseArgs({ options: { out: { type: "string" } }, allowPositionals: true });
  const bundles = await buildHandlers({ outDir: values.out ? resolve(values.out) : undefined, only: positionals });
  for (const b of bundles) console.log(`${b.name.padEnd(28)} ${(b.bytes / 1024).toFixed(1).padStart(8)} KB  ${b.outfile}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
