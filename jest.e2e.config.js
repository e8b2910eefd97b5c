/**
 * `npm run test:e2e`: the end-to-end runs that take minutes of CPU — every rehearsal scenario in
 * both consistency modes and the randomized sweep, run as users run them (`npm start`, `npm run
 * sweep`) in child processes, with their evidence read back and the README checked against what
 * they printed; and the whole-runbook executions and documented sessions listed in
 * test/e2e/in-process-files.js. `npm test` runs everything else, including fast versions of these;
 * CI runs both (.ci/run). Same transform, setup and reporters as jest.config.js; no type-check
 * (`npm test` does it).
 * @type {import('jest').Config}
 */
const base = require("./jest.config.js");
const END_TO_END_FILES = require("./test/e2e/in-process-files.js");

module.exports = {
  ...base,
  displayName: "e2e",
  roots: ["<rootDir>/test"],
  testMatch: undefined,
  // test/e2e, and the files elsewhere that execute a whole runbook or rehearsal (their list says why).
  testRegex: ["/test/e2e/.*\\.test\\.ts$", ...END_TO_END_FILES.map((file) => `/${file.replace(/\./g, "\\.")}$`)],
  testPathIgnorePatterns: ["/node_modules/"],
};
