/**
 * `npm test` and `npm run test:e2e` split the test files between them: every file runs in exactly
 * one of the two, and the end-to-end run has every file test/e2e/in-process-files.js lists. A file
 * in neither would never run, in CI or anywhere.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(__dirname, "..", "..");
const defaultConfig = require("../../jest.config.js");
const e2eConfig = require("../../jest.e2e.config.js");
const listed: string[] = require("../e2e/in-process-files.js");

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

const all = testFiles(join(ROOT, "test"));
const regex = (pattern: string) => new RegExp(pattern.replace("<rootDir>", ROOT));
const inDefault = all.filter((file) => !defaultConfig.testPathIgnorePatterns.some((p: string) => regex(p).test(file)));
const inE2e = all.filter(
  (file) =>
    e2eConfig.testRegex.some((p: string) => regex(p).test(file)) &&
    !e2eConfig.testPathIgnorePatterns.some((p: string) => regex(p).test(file)),
);
const rel = (files: string[]) => files.map((file) => relative(ROOT, file)).sort();

it("lists only files that exist", () => {
  for (const file of listed) expect(existsSync(join(ROOT, file)) ? file : `missing: ${file}`).toBe(file);
});

it("runs every test file in exactly one of npm test and npm run test:e2e", () => {
  const both = rel(inDefault.filter((file) => inE2e.includes(file)));
  const neither = rel(all.filter((file) => !inDefault.includes(file) && !inE2e.includes(file)));
  expect({ both, neither }).toEqual({ both: [], neither: [] });
});

it("runs test/e2e and the listed files end to end, and nothing else", () => {
  const expected = [...rel(all.filter((file) => relative(ROOT, file).startsWith("test/e2e/"))), ...listed].sort();
  expect(rel(inE2e)).toEqual(expected);
});
