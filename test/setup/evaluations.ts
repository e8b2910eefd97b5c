/**
 * The evaluated Pulumi program for the tests: one evaluation per config per jest run, in a child
 * process and written to a JSON file in the run's snapshot folder, which every test file reads.
 *
 * Why a child process: evaluating the program inside a jest worker cost about twice the CPU of the
 * same evaluation under plain Node (Pulumi captures a stack trace per resource and jest wraps every
 * call site through its source maps). The configs a whole-suite run needs are evaluated in turn in
 * one child that the global setup starts (evaluate-in-turn.ts says why one process suffices and
 * saves CPU); the setup waits only for the default stack's file, and a file that needs another
 * config waits for its file (sharedEvaluation).
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
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { EvaluateOptions, Evaluation } from "../../infra/offline/evaluate";
import { doneLine, type EvaluationJob } from "./evaluate-in-turn";

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

/** A child process evaluating configs in turn (evaluate-in-turn.ts): each job's file, then all of them. */
export interface EvaluationRun {
  /** One per job: resolves once its file is in place, rejects if the process failed before. */
  ready: Promise<void>[];
  /** Resolves once every file is in place; rejects, naming the configs left, if the process failed. */
  done: Promise<void>;
}

/** The file a failed evaluation leaves beside its result, for the test files waiting for it (sharedEvaluation). */
export const failedMarker = (file: string) => `${file}.failed`;

/**
 * Evaluates the jobs' configs in turn in one fresh Node process (as `npm start` does, one process:
 * evaluate-in-turn.ts says why that is the same), writing each to its file atomically (a rename), so
 * a reader never sees half of one. If the process fails, every file it had not written gets a
 * failed marker with the error, so a test file waiting for one fails at once instead of waiting.
 */
export function evaluateInOneProcess(jobs: EvaluationJob[]): EvaluationRun {
  const settle = jobs.map(() => {
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A job nobody awaits must not turn its failure into an unhandled rejection: `done` reports it.
    promise.catch(() => {});
    return { promise, resolve, reject, settled: false };
  });
  // A marker an earlier run left would fail this run's waiting files before the evaluation is made.
  for (const job of jobs) rmSync(failedMarker(job.file), { force: true });
  const script = `require("./test/setup/evaluate-in-turn").evaluateInTurn(${JSON.stringify(jobs)})`;
  const done = new Promise<void>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ["--require", "tsx/cjs", "-e", script],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error) => {
        const left = jobs.filter((_, i) => !settle[i].settled);
        if (!error && left.length === 0) return resolve();
        const configs = left.map((job) => JSON.stringify(job.options ?? {})).join(", ");
        const failure = new Error(`evaluating the program with ${configs} failed: ${error?.message ?? "the process ended early"}`);
        for (const [i, job] of jobs.entries()) {
          if (settle[i].settled) continue;
          writeFileSync(failedMarker(job.file), failure.message);
          settle[i].settled = true;
          settle[i].reject(failure);
        }
        reject(failure);
      },
    );
    let pending = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const i = jobs.findIndex((_, index) => line === doneLine(index));
        if (i >= 0 && !settle[i].settled) {
          settle[i].settled = true;
          settle[i].resolve();
        }
      }
    });
    child.stderr?.pipe(process.stderr);
  });
  return { ready: settle.map((s) => s.promise), done };
}

/** Evaluates the program with `options` in a fresh Node process and writes the result to `file`. */
export function evaluateToFile(options: EvaluateOptions | undefined, file: string): Promise<void> {
  return evaluateInOneProcess([{ options, file }]).done;
}

/** Marks `file`'s evaluation as this run's to make (false if another file of the run took it first). */
export function claimEvaluation(lockDir: string, file: string): boolean {
  try {
    // The lock lives in this run's own folder: a run that died holding it cannot block the next.
    closeSync(openSync(join(lockDir, `${basename(file)}.lock`), "wx"));
    return true;
  } catch {
    return false;
  }
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
    // The global setup claims the configs it evaluates in the background; else the first file to ask does it.
    if (claimEvaluation(lockDir, file)) await evaluateToFile(options, file);
    else {
      const giveUpAt = performance.now() + WAIT_FOR_OTHER_MS;
      while (!existsSync(file) && performance.now() < giveUpAt) {
        if (existsSync(failedMarker(file))) throw new Error(readFileSync(failedMarker(file), "utf8"));
        await new Promise((resolve) => realSetTimeout(resolve, 50));
      }
      if (!existsSync(file)) await evaluateToFile(options, file);
    }
  }
  return JSON.parse(readFileSync(file, "utf8")) as Evaluation;
}
