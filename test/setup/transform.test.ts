/**
 * The TypeScript transform jest uses (esbuild-transform.js). It strips types and nothing else, so
 * two things it does not do must stay true of the tests: no `jest.mock` (babel-jest and ts-jest
 * hoist it above the imports; esbuild leaves it where it is, after the modules it meant to mock
 * were loaded), and line numbers in failures still point at the TypeScript (a source map).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "./child-process";

const transformer = require("./esbuild-transform.js") as { process(source: string, filename: string): { code: string; map: string } };

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe("jest's TypeScript transform", () => {
  it("is not asked to hoist: no test calls jest.mock", () => {
    const hoisted = ["mock", "unmock", "enableAutomock", "disableAutomock"].map((m) => `jest.${m}(`);
    const offenders = testFiles(join(ROOT, "test")).filter((f) => hoisted.some((call) => readFileSync(f, "utf8").includes(call)));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it("turns TypeScript into CommonJS with a source map of the original lines", () => {
    const { code, map } = transformer.process(
      'import { join } from "node:path";\nconst a: number = 1;\nexport const b = join(String(a));\n',
      "/x/y.ts",
    );
    expect(code).toContain('require("node:path")');
    expect(code).not.toContain(": number");
    expect(JSON.parse(map)).toMatchObject({ version: 3, sources: ["/x/y.ts"] });
  });
});
