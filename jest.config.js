/**
 * Jest runs TypeScript through @swc/jest (transpile only). Type-checking is `tsc --noEmit`, a
 * separate step of `npm test`: ts-jest type-checks @pulumi/aws on every file and is ~8 s per file.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.tsx?$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  setupFiles: ["<rootDir>/test/setup/env.ts"],
  setupFilesAfterEnv: ["<rootDir>/test/setup/matchers.ts"],
  testTimeout: 30000,
};
