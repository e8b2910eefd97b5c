/**
 * Jest's TypeScript transform: esbuild strips the types of one file at a time, as tsx does for
 * `npm start` and as the Lambda build does, so tests run the same JavaScript the tools run.
 * Type-checking is one `tsc --noEmit` beside the tests (jest.config.js). No test uses jest.mock,
 * whose hoisting esbuild would not do (test/setup/no-jest-mock.test.ts keeps it that way).
 */
const { transformSync } = require("esbuild");

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith(".tsx") ? "tsx" : "ts",
      format: "cjs",
      target: "node24",
      sourcemap: "external",
      sourcesContent: false,
      sourcefile: filename,
    });
    return { code, map };
  },
};
