/**
 * The child process that evaluates the Pulumi program for the tests (evaluations.ts starts it): one
 * process evaluates several configs in turn, writing each evaluation to its file as soon as it is
 * done, so the first (the default stack every test file reads) is ready while the others are still
 * being evaluated.
 *
 * Why one process for several: a fresh process pays ~1.5 s of CPU before it evaluates anything
 * (Node, tsx, @pulumi/pulumi's thousand modules, the program's own modules); an evaluation after
 * another in the same process costs only the program itself. The three configs of `npm test` took
 * 10.7 and 9.9 s of CPU in one process against 14.1 and 13.6 s in three (interleaved, on the
 * shared 2-core VM at load average 8; the command that started them included). That matters on a
 * fresh clone (CI), where nothing is cached and the suite evaluates all three.
 *
 * Why it is the same evaluation as a fresh process's: the program (infra/index.ts) and every module
 * of this repository it loads are dropped from the module cache before each evaluation, so each
 * runs from the start with its module-level state new; @pulumi/pulumi stays loaded, and
 * `setMocks` (in evaluateProgram) resets its runtime state — the monitor, project, stack, config
 * and feature flags — as it does between the unit tests of Pulumi's own testing guide
 * (https://www.pulumi.com/docs/iac/guides/testing/unit/). test/setup/evaluate-in-turn.test.ts (in
 * the end-to-end run) holds each evaluation made second or third to be equal to one made alone.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import type { EvaluateOptions } from "../../infra/offline/evaluate";

const ROOT = join(__dirname, "..", "..");

export interface EvaluationJob {
  options?: EvaluateOptions;
  /** Where the evaluation goes, as JSON (written to a partial file beside it, then renamed). */
  file: string;
}

/** The line the child prints once job `index`'s file is in place. */
export const doneLine = (index: number) => `evaluated ${index}`;

/** Drops every module of this checkout but node_modules' from the module cache: the program loads anew. */
function forgetProgramModules(): void {
  const own = `${ROOT}${sep}`;
  const dependencies = `${sep}node_modules${sep}`;
  for (const id of Object.keys(require.cache)) {
    if (id.startsWith(own) && !id.includes(dependencies)) delete require.cache[id];
  }
}

/** Evaluates each job's config in turn, in this process, and prints doneLine(i) after each file is written. */
export async function evaluateInTurn(jobs: EvaluationJob[]): Promise<void> {
  for (const [index, job] of jobs.entries()) {
    forgetProgramModules();
    const { evaluateProgram } = require("../../infra/offline/evaluate") as typeof import("../../infra/offline/evaluate");
    const evaluation = await evaluateProgram(job.options ?? {});
    // This process's own partial file: a test file that gave up waiting may be writing the same evaluation.
    const partial = `${job.file}.${process.pid}.partial`;
    writeFileSync(partial, JSON.stringify(evaluation));
    renameSync(partial, job.file);
    process.stdout.write(`${doneLine(index)}\n`);
  }
}
