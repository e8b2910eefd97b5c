/**
 * `npm test`: the linters (package.json's `lint` script: Biome, dependency-cruiser) beside jest
 * rather than before it. Linting is ~3 s of mostly single-threaded work that used to hold jest
 * back on 2 cores; beside it, it overlaps the global setup's evaluation and `tsc`.
 *
 * jest's output streams as usual (arguments after `npm test --` go to jest); the linters' output
 * is held and printed after jest's, under its own heading, so the two never interleave. The run
 * fails if either fails, and the last line says which.
 */
const { spawn } = require("node:child_process");
const { join } = require("node:path");

const ROOT = join(__dirname, "..", "..");
const LINT = require(join(ROOT, "package.json")).scripts.lint;

/** Runs `command` in a shell (npm put node_modules/.bin on PATH), holding its output; resolves with its exit code and output. */
function held(command) {
  return new Promise((resolve) => {
    const child = spawn(command, { cwd: ROOT, shell: true, stdio: ["ignore", "pipe", "pipe"] });
    const output = [];
    child.stdout.on("data", (b) => output.push(b));
    child.stderr.on("data", (b) => output.push(b));
    child.on("error", (error) => resolve({ code: 1, output: `could not run ${command}: ${error.message}\n` }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(output).toString("utf8") }));
    children.push(child);
  });
}

/** Runs jest with this process's terminal; resolves with its exit code. */
function streamed(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve("jest/bin/jest"), ...args], { cwd: ROOT, stdio: "inherit" });
    child.on("error", () => resolve(1));
    child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    children.push(child);
  });
}

const children = [];
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });
}

async function main() {
  const [lint, jest] = await Promise.all([held(LINT), streamed(process.argv.slice(2))]);
  process.stdout.write(`\n── lint: ${LINT}\n${lint.output}`);
  const failed = [lint.code !== 0 && `lint (exit ${lint.code})`, jest !== 0 && `jest (exit ${jest})`].filter(Boolean);
  if (failed.length > 0) {
    process.stdout.write(`\nnpm test failed: ${failed.join(", ")}\n`);
    process.exitCode = 1;
  }
}

main();
