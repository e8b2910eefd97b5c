/**
 * Jest runs TypeScript through ts-jest in transpile-only mode (tsconfig has isolatedModules), so
 * no type information is computed per file (type-checking @pulumi/aws on every test file costs
 * ~8 s per file). Type-checking is one `tsc --noEmit`, which the global setup starts alongside the
 * tests of a whole-suite run (test/setup/typecheck.ts); `npm run typecheck` runs it alone.
 * ts-jest rather than @swc/jest: it is plain JavaScript, so `npm ci` never needs a platform
 * binary the registry may not carry.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The end-to-end runs (every scenario and the sweep as users run them, in child processes) are
  // `npm run test:e2e` (jest.e2e.config.js); the default run has their fast, in-process versions.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/"],
  transform: {
    "^.+\\.tsx?$": [
      "ts-jest",
      {
        tsconfig: { module: "commonjs", moduleResolution: "node10", ignoreDeprecations: "5.0", isolatedModules: true },
        diagnostics: false,
      },
    ],
  },
  globalSetup: "<rootDir>/test/setup/global-setup.ts",
  globalTeardown: "<rootDir>/test/setup/global-teardown.ts",
  setupFiles: ["<rootDir>/test/setup/env.ts"],
  // Each test is bounded by the CPU it uses, with a wall-clock backstop (timeouts.ts).
  setupFilesAfterEnv: ["<rootDir>/test/setup/matchers.ts", "<rootDir>/test/setup/timeouts.ts"],
  // After the default output: time per test folder and the slowest files (README, Testing).
  reporters: ["default", "<rootDir>/test/setup/timing-reporter.js"],
  // Jest defaults to cores - 1 workers: one worker on a 2-core CI machine, a serial run. The
  // parent is idle while tests run, so two workers use both cores (README, Testing, has the timings).
  maxWorkers: 2,
};
