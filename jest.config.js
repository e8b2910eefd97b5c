/**
 * Jest runs TypeScript through esbuild, one file at a time, types stripped and nothing checked
 * (test/setup/esbuild-transform.js): the same transform tsx gives `npm start` and the Lambda build
 * gives the bundles. esbuild is already a dependency for that build, so `npm ci` fetches no other
 * platform binary; on a fresh clone (CI: an empty transform cache) it made the suite ~20 s of CPU
 * cheaper than ts-jest in transpile-only mode. Type-checking is one `tsc --noEmit`, which the
 * global setup starts alongside the tests of a whole-suite run (test/setup/typecheck.ts); `npm run
 * typecheck` runs it alone.
 * @type {import('jest').Config}
 */
const END_TO_END_FILES = require("./test/e2e/in-process-files.js");

module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The end-to-end runs (every scenario and the sweep as users run them, in child processes, and
  // the whole-runbook executions listed in test/e2e/in-process-files.js) are `npm run test:e2e`
  // (jest.e2e.config.js); the default run has their fast versions.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/", ...END_TO_END_FILES.map((file) => `<rootDir>/${file}$`)],
  transform: { "^.+\\.tsx?$": "<rootDir>/test/setup/esbuild-transform.js" },
  globalSetup: "<rootDir>/test/setup/global-setup.ts",
  globalTeardown: "<rootDir>/test/setup/global-teardown.ts",
  setupFiles: ["<rootDir>/test/setup/env.ts"],
  // Each test is bounded by the CPU it uses, with a wall-clock backstop (timeouts.ts).
  setupFilesAfterEnv: ["<rootDir>/test/setup/timeouts.ts", "<rootDir>/test/setup/async-hooks-guard.ts"],
  // A fresh clone starts the slowest files first (jest has no timings of its own there).
  testSequencer: "<rootDir>/test/setup/sequencer.js",
  // After the default output: time per test folder and the slowest files (README, Testing).
  reporters: ["default", "<rootDir>/test/setup/timing-reporter.js"],
  // Jest defaults to cores - 1 workers: one worker on a 2-core CI machine, a serial run. The
  // parent is idle while tests run, so two workers use both cores (README, Testing, has the timings).
  maxWorkers: 2,
};
