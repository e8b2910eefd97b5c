/**
 * The evaluated Pulumi program for the tests: one evaluation per config per jest run, each in a
 * child process and written to a JSON file in the run's snapshot folder, which every test file
 * reads.
 *
 * Why a child process: evaluating the program inside a jest worker cost about twice the CPU of the
 * same evaluation under plain Node (Pulumi captures a stack trace per resource and jest wraps every
 * call site through its source maps), and the program can be evaluated only once per process.
 * Why one per run: the evaluation is deterministic, and nine files share the eventual-mode stack;
 * a lock file makes the first file to need a config evaluate it and the others wait for its file.
 *
 * Across runs: the files live in .cache/evaluations/<fingerprint>/ (gitignored), where the
 * fingerprint hashes every source file the program can read (everything in the checkout but the
 * tests, docs, benches and scripts), the lockfile and the Node version. A run after a change to
 * any of them evaluates afresh; a run after a change to tests only reuses the last evaluation
 * (~4 s of CPU per config saved). Without git (an exported tree) nothing is reused.
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { EvaluateOptions, Evaluation } from "../../infra/offline/evaluate";

const ROOT = join(__dirname, "..", "..");
/** Captured at import, before a simulated world fakes the global timers. */
const realSetTimeout = globalThis.setTimeout;

/** What the evaluation is not read from: tests, docs, benches, scripts, CI and prose. */
const NOT_PROGRAM_INPUT = /^(test|docs|bench|scripts|\.ci|\.cache|reports)\/|\.md$/;

/** A hash of everything the offline evaluation can depend on (see above); random without git. */
export function sourceFingerprint(): string {
  let files: string[];
  try {
    files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter((file) => file !== "" && !NOT_PROGRAM_INPUT.test(file))
      .sort();
  } catch {
    return randomUUID();
  }
  const hash = createHash("sha256").update(process.version);
  for (const file of files) {
    hash.update(`\0${file}\0`);
    const path = join(ROOT, file);
    if (existsSync(path) && statSync(path).isFile()) hash.update(readFileSync(path));
  }
  return hash.digest("hex").slice(0, 20);
}

/** This checkout's folder of evaluations for its sources as they are; folders unused for a week are removed. */
export function evaluationCacheDir(): string {
  const parent = join(ROOT, ".cache", "evaluations");
  const dir = join(parent, sourceFingerprint());
  mkdirSync(dir, { recursive: true });
  const weekAgo = Date.now() - 7 * 24 * 3600_000;
  for (const entry of readdirSync(parent)) {
    const path = join(parent, entry);
    if (path !== dir && statSync(path).mtimeMs < weekAgo) rmSync(path, { recursive: true, force: true });
  }
  return dir;
}

/** The file holding a config's evaluation in the run's snapshot folder (the default config: evaluation.json). */
export function evaluationFile(dir: string, options?: EvaluateOptions): string {
  if (!options) return join(dir, "evaluation.json");
  const key = createHash("sha256").update(JSON.stringify(options)).digest("hex").slice(0, 16);
  return join(dir, `evaluation-${key}.json`);
}

/**
 * Evaluates the program with `options` in a fresh Node process (as `npm start` does) and writes the
 * result to `file`, atomically (a rename), so a reader never sees half of it.
 */
export function evaluateToFile(options: EvaluateOptions | undefined, file: string): Promise<void> {
  const script = [
    `const { writeFileSync, renameSync } = require("node:fs");`,
    `require("./infra/offline/evaluate").evaluateProgram(${JSON.stringify(options ?? {})}).then((ev) => {`,
    `  writeFileSync(${JSON.stringify(`${file}.partial`)}, JSON.stringify(ev));`,
    `  renameSync(${JSON.stringify(`${file}.partial`)}, ${JSON.stringify(file)});`,
    `});`,
  ].join("\n");
  return new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, ["--require", "tsx/cjs", "-e", script], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (error) =>
      error ? reject(new Error(`evaluating the program with ${JSON.stringify(options ?? {})} failed: ${error.message}`)) : resolve(),
    );
    child.stderr?.pipe(process.stderr);
  });
}

/** How long a file waits for another file's evaluation of the same config before doing it itself. */
const WAIT_FOR_OTHER_MS = 180_000;

/**
 * A config's evaluation: read from its file if it exists; otherwise evaluated by the first file of
 * this run to take its lock (in `lockDir`) while the others wait for the file (a lock holder that
 * died leaves the others to evaluate after WAIT_FOR_OTHER_MS).
 */
export async function sharedEvaluation(dir: string, lockDir: string, options?: EvaluateOptions): Promise<Evaluation> {
  const file = evaluationFile(dir, options);
  if (!existsSync(file)) {
    let locked = false;
    try {
      // The lock lives in this run's own folder: a run that died holding it cannot block the next.
      closeSync(openSync(join(lockDir, `${file.split("/").pop()}.lock`), "wx"));
      locked = true;
    } catch {
      // Another file is evaluating this config.
    }
    if (locked) await evaluateToFile(options, file);
    else {
      const giveUpAt = performance.now() + WAIT_FOR_OTHER_MS;
      while (!existsSync(file) && performance.now() < giveUpAt) await new Promise((resolve) => realSetTimeout(resolve, 50));
      if (!existsSync(file)) await evaluateToFile(options, file);
    }
  }
  return JSON.parse(readFileSync(file, "utf8")) as Evaluation;
}
