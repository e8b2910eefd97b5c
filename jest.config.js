/**
 * Jest runs TypeScript through ts-jest in transpile-only mode (tsconfig has isolatedModules), so
 * no type information is computed per file. Type-checking is `tsc --noEmit`, a separate step of
 * `npm test`: type-checking @pulumi/aws on every test file costs ~8 s per file.
 * ts-jest rather than @swc/jest: it is plain JavaScript, so `npm ci` never needs a platform
 * binary the registry may not carry.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.tsx?$": ["ts-jest", { tsconfig: { module: "commonjs", moduleResolution: "node10", ignoreDeprecations: "5.0", isolatedModules: true }, diagnostics: false }],
  },
  setupFiles: ["<rootDir>/test/setup/env.ts"],
  setupFilesAfterEnv: ["<rootDir>/test/setup/matchers.ts"],
  testTimeout: 30000,
};
