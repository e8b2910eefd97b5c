/**
 * `tsc --noEmit` alongside the tests, not before them. Type-checking is single-threaded (one core
 * for ~12 s, most of it reading @pulumi/aws's typings) and jest's two workers leave a core idle for
 * much of a run (while the global setup evaluates the program, while a test waits for a child
 * process, at the tail), so running them side by side takes ~12 s off `npm test` on 2 cores.
 *
 * jest's global setup starts it for a whole-suite run (`npm test`, `npx jest`); a run narrowed to
 * some files or tests (`npx jest test/sim`, `-t ...`, `--watch`) skips it — `npm run typecheck`
 * does it alone. The global teardown waits for it and fails the run, printing tsc's errors, if it
 * failed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

/**
 * tsc remembers what it checked in .cache/ (gitignored): a run after a small change re-checks what
 * the change can affect, ~6 s of CPU instead of ~15. The file records each source file's hash, so
 * an edited file is always checked again; a fresh clone (CI) checks everything. `npm run
 * typecheck` uses the same file.
 */
const INCREMENTAL = ["--incremental", "--tsBuildInfoFile", join(ROOT, ".cache", "tsc.tsbuildinfo")];

interface Running {
  child: ChildProcess;
  output: Buffer[];
  done: Promise<number>;
}

const KEY = Symbol.for("payments-dr.typecheck");
type WithTypecheck = typeof globalThis & { [KEY]?: Running };

/** What jest's global setup receives that tells a whole-suite run from a narrowed one. */
export interface RunScope {
  testPathPatterns?: { patterns?: string[] } | string[];
  testNamePattern?: string;
  watch?: boolean;
  watchAll?: boolean;
  onlyChanged?: boolean;
  findRelatedTests?: boolean;
  listTests?: boolean;
  nonFlagArgs?: string[];
}

/** True when jest runs every test once: the run `npm test` makes. */
export function isWholeSuite(scope: RunScope): boolean {
  const patterns = Array.isArray(scope.testPathPatterns) ? scope.testPathPatterns : (scope.testPathPatterns?.patterns ?? []);
  return (
    patterns.length === 0 &&
    (scope.nonFlagArgs ?? []).length === 0 &&
    !scope.testNamePattern &&
    !scope.watch &&
    !scope.watchAll &&
    !scope.onlyChanged &&
    !scope.findRelatedTests &&
    !scope.listTests
  );
}

export function startTypecheck(): void {
  const child = spawn(process.execPath, [require.resolve("typescript/bin/tsc"), "--noEmit", "--pretty", ...INCREMENTAL], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: Buffer[] = [];
  child.stdout?.on("data", (b: Buffer) => output.push(b));
  child.stderr?.on("data", (b: Buffer) => output.push(b));
  const done = new Promise<number>((resolve) => {
    child.on("error", (error) => {
      output.push(Buffer.from(`could not run tsc: ${error.message}\n`));
      resolve(1);
    });
    child.on("close", (code) => resolve(code ?? 1));
  });
  (globalThis as WithTypecheck)[KEY] = { child, output, done };
}

/** Waits for the type-check started by the global setup, if any; throws with tsc's report if it failed. */
export async function finishTypecheck(): Promise<void> {
  const running = (globalThis as WithTypecheck)[KEY];
  if (!running) return;
  delete (globalThis as WithTypecheck)[KEY];
  const code = await running.done;
  if (code !== 0) {
    const report = Buffer.concat(running.output).toString("utf8");
    process.stderr.write(`\n${report}\n`);
    throw new Error(`tsc --noEmit failed (exit ${code}): the type errors are above. Run it alone with: npm run typecheck`);
  }
}
