/**
 * Evaluates the Pulumi program once per jest run (default config, in a child process, exactly as
 * `npm start` does) — or reuses the last run's evaluation when no source it reads has changed
 * (evaluations.ts) — and leaves the captured resources in a snapshot that every test file reads
 * through test/support/stack.ts. Without it a dozen files would each spend 3-8 s evaluating
 * the same, deterministic stack. A whole-suite run also evaluates the eventual-mode stack here,
 * side by side with the default one (nine files use it); other configs are evaluated by the first
 * file that needs them (evaluations.ts).
 *
 * A whole-suite run also starts `tsc --noEmit` here, alongside the tests (typecheck.ts); the
 * global teardown waits for it.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import { evaluateToFile, evaluationCacheDir, evaluationFile } from "./evaluations";
import { isWholeSuite, type RunScope, startTypecheck } from "./typecheck";

export const SNAPSHOT_ENV = "PAYMENTS_DR_STACK_SNAPSHOT";
/** This run's own temporary folder (evaluation locks), removed by the global teardown. */
export const RUN_DIR_ENV = "PAYMENTS_DR_TEST_RUN_DIR";

export default async function globalSetup(
  globalConfig: RunScope,
  projectConfig?: { displayName?: string | { name?: string } },
): Promise<void> {
  const name = typeof projectConfig?.displayName === "string" ? projectConfig.displayName : projectConfig?.displayName?.name;
  // The end-to-end run (jest.e2e.config.js) is not the whole suite: `npm test` type-checks.
  const wholeSuite = isWholeSuite(globalConfig);
  if (wholeSuite && name !== "e2e") startTypecheck();
  const dir = evaluationCacheDir();
  const needed = wholeSuite ? [undefined, EVENTUAL_OFFLINE_OPTIONS] : [undefined];
  await Promise.all(
    needed.map((options) => evaluationFile(dir, options)).flatMap((file, i) => (existsSync(file) ? [] : [evaluateToFile(needed[i], file)])),
  );
  process.env[SNAPSHOT_ENV] = evaluationFile(dir);
  process.env[RUN_DIR_ENV] = mkdtempSync(join(tmpdir(), "payments-dr-test-run-"));
}
