/**
 * The order the default run starts its files in on a fresh clone (sequencer.js): the slowest first,
 * so that none of them runs alone at the end; with timings from an earlier run, jest's own order.
 */
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const Sequencer = require("./sequencer.js");
const { SLOWEST_FIRST } = Sequencer as { SLOWEST_FIRST: string[] };
const defaultConfig = require("../../jest.config.js");
const endToEnd: string[] = require("../e2e/in-process-files.js");

type FakeTest = {
  path: string;
  duration?: number;
  context: { config: { cache: boolean; rootDir: string }; hasteFS: { getSize(path: string): number } };
};

/** Test files as jest hands them to the sequencer: `bytes` is each one's size; no timings kept (a fresh clone). */
function freshClone(bytes: Record<string, number>): FakeTest[] {
  const context = { config: { cache: false, rootDir: ROOT }, hasteFS: { getSize: (path: string) => bytes[path.slice(ROOT.length + 1)] } };
  return Object.keys(bytes).map((file) => ({ path: join(ROOT, file), context }));
}
const names = (tests: FakeTest[]) => tests.map((t) => t.path.slice(ROOT.length + 1));

it("names only test files of the default run", () => {
  const ignored = (file: string) =>
    defaultConfig.testPathIgnorePatterns.some((p: string) => new RegExp(p.replace("<rootDir>", ROOT)).test(join(ROOT, file)));
  for (const file of SLOWEST_FIRST) {
    expect(require("node:fs").existsSync(join(ROOT, file)) ? file : `missing: ${file}`).toBe(file);
    expect(ignored(file) || endToEnd.includes(file) ? `not in the default run: ${file}` : file).toBe(file);
  }
  expect(defaultConfig.testSequencer).toBe("<rootDir>/test/setup/sequencer.js");
});

it("starts the slowest files first on a fresh clone, in their order, then the rest by size", () => {
  const [slowest, second] = SLOWEST_FIRST;
  const tests = freshClone({ "test/a.test.ts": 100, [second]: 10, "test/b.test.ts": 300, [slowest]: 20 });

  expect(names(new Sequencer({}).sort(tests))).toEqual([slowest, second, "test/b.test.ts", "test/a.test.ts"]);
});

it("keeps jest's order once it has timings: the slowest by the last run first", () => {
  const [slowest] = SLOWEST_FIRST;
  const tests = freshClone({ "test/a.test.ts": 100, [slowest]: 20 });
  const sequencer = new Sequencer({});
  (sequencer as { _cache: Map<unknown, unknown> })._cache.set(tests[0].context, {
    [join(ROOT, "test/a.test.ts")]: [1, 9000],
    [join(ROOT, slowest)]: [1, 100],
  });

  expect(names(sequencer.sort(tests))).toEqual(["test/a.test.ts", slowest]);
});
