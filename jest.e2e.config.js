/**
 * `npm run test:e2e`: the end-to-end runs that take minutes of CPU — every rehearsal scenario in
 * both consistency modes and the randomized sweep, run as users run them (`npm start`, `npm run
 * sweep`) in child processes, with their evidence read back and the README checked against what
 * they printed. `npm test` runs everything else, including in-process versions of these checks;
 * CI runs both (.ci/run). Same transform, setup and reporters as jest.config.js; no type-check
 * (`npm test` does it).
 * @type {import('jest').Config}
 */
const base = require("./jest.config.js");

module.exports = {
  ...base,
  displayName: "e2e",
  roots: ["<rootDir>/test/e2e"],
  testPathIgnorePatterns: ["/node_modules/"],
};
