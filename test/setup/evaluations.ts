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
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EvaluateOptions, Evaluation } from "../../infra/offline/evaluate";

const ROOT = join(__dirname, "..", "..");
/** Captured at import, before a simulated world fakes the global timers. */
const realSetTimeout = globalThis.setTimeout;

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
 * A config's evaluation in this run: read from its file if it exists; otherwise evaluated by the
 * first caller to take its lock while the others wait for the file (a lock holder that died leaves
 * the others to evaluate after WAIT_FOR_OTHER_MS).
 */
export async function sharedEvaluation(dir: string, options?: EvaluateOptions): Promise<Evaluation> {
  const file = evaluationFile(dir, options);
  if (!existsSync(file)) {
    let locked = false;
    try {
      closeSync(openSync(`${file}.lock`, "wx"));
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
