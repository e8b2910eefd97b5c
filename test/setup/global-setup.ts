/**
 * Evaluates the Pulumi program once per jest run (default config, in a child process, exactly as
 * `npm start` does) and leaves the captured resources in a temporary snapshot that every test
 * file reads through test/support/stack.ts. Without it a dozen files would each spend 3-8 s
 * evaluating the same, deterministic stack. Files that need another config still evaluate their
 * own (test/infra/config-variants.test.ts).
 *
 * A whole-suite run also starts `tsc --noEmit` here, alongside the tests (typecheck.ts); the
 * global teardown waits for it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isWholeSuite, type RunScope, startTypecheck } from "./typecheck";

export const SNAPSHOT_ENV = "PAYMENTS_DR_STACK_SNAPSHOT";

export default async function globalSetup(
  globalConfig: RunScope,
  projectConfig?: { displayName?: string | { name?: string } },
): Promise<void> {
  const name = typeof projectConfig?.displayName === "string" ? projectConfig.displayName : projectConfig?.displayName?.name;
  // The end-to-end run (jest.e2e.config.js) is not the whole suite: `npm test` type-checks.
  if (isWholeSuite(globalConfig) && name !== "e2e") startTypecheck();
  const file = join(mkdtempSync(join(tmpdir(), "payments-dr-stack-")), "evaluation.json");
  const script = `require("./infra/offline/evaluate").evaluateProgram().then((ev) => require("node:fs").writeFileSync(${JSON.stringify(file)}, JSON.stringify(ev)))`;
  // Asynchronous, so the type-check's output is read while the evaluation runs.
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.execPath, ["--require", "tsx/cjs", "-e", script], { cwd: join(__dirname, "..", "..") }, (error) =>
      error ? reject(error) : resolve(),
    );
    child.stderr?.pipe(process.stderr);
  });
  process.env[SNAPSHOT_ENV] = file;
}
