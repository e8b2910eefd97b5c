/**
 * Evaluates the Pulumi program once per jest run (default config, in a child process, exactly as
 * `npm start` does) and leaves the captured resources in a temporary snapshot that every test file
 * reads through test/support/stack.ts. Without it a dozen files would each spend 3-8 s evaluating
 * the same, deterministic stack. A whole-suite run also evaluates the eventual-mode stack here,
 * side by side with the default one (nine files use it); other configs are evaluated by the first
 * file that needs them (evaluations.ts).
 *
 * A whole-suite run also starts `tsc --noEmit` here, alongside the tests (typecheck.ts); the
 * global teardown waits for it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import { evaluateToFile, evaluationFile } from "./evaluations";
import { isWholeSuite, type RunScope, startTypecheck } from "./typecheck";

export const SNAPSHOT_ENV = "PAYMENTS_DR_STACK_SNAPSHOT";

export default async function globalSetup(
  globalConfig: RunScope,
  projectConfig?: { displayName?: string | { name?: string } },
): Promise<void> {
  const name = typeof projectConfig?.displayName === "string" ? projectConfig.displayName : projectConfig?.displayName?.name;
  // The end-to-end run (jest.e2e.config.js) is not the whole suite: `npm test` type-checks.
  const wholeSuite = isWholeSuite(globalConfig);
  if (wholeSuite && name !== "e2e") startTypecheck();
  const dir = mkdtempSync(join(tmpdir(), "payments-dr-stack-"));
  await Promise.all([
    evaluateToFile(undefined, evaluationFile(dir)),
    ...(wholeSuite ? [evaluateToFile(EVENTUAL_OFFLINE_OPTIONS, evaluationFile(dir, EVENTUAL_OFFLINE_OPTIONS))] : []),
  ]);
  process.env[SNAPSHOT_ENV] = evaluationFile(dir);
}
