/**
 * Evaluates the Pulumi program for the run (in a child process, exactly as `npm start` does) — or
 * reuses the last run's evaluations when no source they read has changed (evaluations.ts) — and
 * leaves the default stack's evaluation in a snapshot that every test file reads through
 * test/support/stack.ts. Without it a dozen files would each spend 3-8 s evaluating the same,
 * deterministic stack.
 *
 * A whole-suite run evaluates every config its project's files share (test/support/configs.ts:
 * PROJECT_CONFIGS) in the same child, in turn, after the default stack; the setup returns as soon
 * as the default stack is written, and the tests start while the others are evaluated (a file
 * that needs one waits for its file). On a fresh clone the tests start after one evaluation
 * instead of two side by side, and one process for the three saves ~3.5 s of CPU
 * (evaluate-in-turn.ts).
 * Other configs are evaluated by the first file that needs them (evaluations.ts).
 *
 * A whole-suite run also starts `tsc --noEmit` here, alongside the tests (typecheck.ts); the
 * global teardown waits for it, and for the evaluations still running.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EvaluateOptions } from "../../infra/offline/evaluate";
import { PROJECT_CONFIGS } from "../support/configs";
import type { EvaluationJob } from "./evaluate-in-turn";
import { claimEvaluation, evaluateInOneProcess, evaluationCacheDir, evaluationFile } from "./evaluations";
import { isWholeSuite, type RunScope, startTypecheck } from "./typecheck";

export const SNAPSHOT_ENV = "PAYMENTS_DR_STACK_SNAPSHOT";
/** This run's own temporary folder (evaluation locks), removed by the global teardown. */
export const RUN_DIR_ENV = "PAYMENTS_DR_TEST_RUN_DIR";

const BACKGROUND = Symbol.for("payments-dr.background-evaluations");
type WithBackground = typeof globalThis & { [BACKGROUND]?: Promise<void> };

export default async function globalSetup(
  globalConfig: RunScope,
  projectConfig?: { displayName?: string | { name?: string } },
): Promise<void> {
  const name = typeof projectConfig?.displayName === "string" ? projectConfig.displayName : projectConfig?.displayName?.name;
  // The end-to-end run (jest.e2e.config.js) is not the whole suite: `npm test` type-checks.
  const wholeSuite = isWholeSuite(globalConfig);
  if (wholeSuite && name !== "e2e") startTypecheck();
  const runDir = mkdtempSync(join(tmpdir(), "payments-dr-test-run-"));
  process.env[RUN_DIR_ENV] = runDir;
  const dir = evaluationCacheDir();
  process.env[SNAPSHOT_ENV] = evaluationFile(dir);

  const configs: (EvaluateOptions | undefined)[] = [undefined, ...(wholeSuite ? PROJECT_CONFIGS[name === "e2e" ? "e2e" : "default"] : [])];
  const jobs: EvaluationJob[] = configs
    .map((options) => ({ options, file: evaluationFile(dir, options) }))
    .filter((job) => !existsSync(job.file));
  if (jobs.length === 0) return;
  // The files of this run wait for these instead of evaluating them again (evaluations.ts).
  for (const job of jobs) claimEvaluation(runDir, job.file);
  const run = evaluateInOneProcess(jobs);
  // Reported by the teardown (and to the files waiting, at once): not an unhandled rejection meanwhile.
  run.done.catch(() => {});
  (globalThis as WithBackground)[BACKGROUND] = run.done;
  // Only the default stack is waited for here: it comes first, and nearly every file reads it.
  if (jobs[0].options === undefined) await run.ready[0];
}

/** Waits for the evaluations the setup left running (the global teardown); throws if one failed. */
export async function finishBackgroundEvaluations(): Promise<void> {
  const running = (globalThis as WithBackground)[BACKGROUND];
  delete (globalThis as WithBackground)[BACKGROUND];
  await running;
}
