/**
 * Bundles every Lambda handler with esbuild: one folder per function under dist/lambda/<name>/,
 * minified, CommonJS, for the nodejs24.x runtime. The handlers are the registry's
 * (lib/handlers/index.ts); a handler's name is its folder's name everywhere (bundle, registry,
 * physical name).
 *
 * The AWS SDK is bundled, not taken from the runtime: the code that ships is the exact SDK
 * version the tests ran against, and a runtime SDK update cannot change behaviour under us.
 * (bench/bundles.ts measures the size and cold-load cost of that choice.)
 *
 * Usage: tsx scripts/build-lambdas.ts [--out dir] [name ...]
 */
import { build, type Metafile } from "esbuild";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { allFunctions, handlerEntry } from "../lib/handlers";

export const ROOT = resolve(__dirname, "..");
export const DEFAULT_OUT_DIR = join(ROOT, "dist", "lambda");

export interface BuiltBundle {
  name: string;
  outfile: string;
  bytes: number;
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
  for (const handler of handlers) {
    const dir = join(outDir, handler.name);
    rmSync(dir, { recursive: true, force: true });
    const outfile = join(dir, "index.js");
    const result = await build({
      entryPoints: [handler.entry],
      outfile,
      bundle: true,
      minify: true,
      platform: "node",
      target: "node24",
      format: "cjs",
      metafile: true,
      legalComments: "none",
      logLevel: "warning",
    });
    results.push({ name: handler.name, outfile, bytes: outputBytes(result.metafile) });
  }
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
