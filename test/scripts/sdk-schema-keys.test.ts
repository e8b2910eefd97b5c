/**
 * scripts/sdk-schema-keys.ts: every AWS SDK client schemas file installed, rewritten as the Lambda
 * build rewrites it, exports exactly what the original exports (every shape, trait, member and
 * lazily referenced shape, compared value by value); and with the rewrite esbuild drops the shapes
 * a bundle never uses.
 *
 * What this cannot prove: that the smaller bundle loads faster (bench/bundles.ts measures that).
 */
import { build } from "esbuild";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LAMBDA_BUILD_OPTIONS } from "../../scripts/build-lambdas";
import { literalSchemaKeys, SDK_SCHEMAS_FILE, sdkSchemaKeys } from "../../scripts/sdk-schema-keys";
import { ROOT, runChild } from "../setup/child-process";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sdk-schema-keys-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every generated schemas file of the installed clients and nested clients. */
function installedSchemaFiles(): string[] {
  const sdk = join(ROOT, "node_modules", "@aws-sdk");
  return readdirSync(sdk, { recursive: true, encoding: "utf8" })
    .map((f) => join(sdk, f))
    .filter((f) => SDK_SCHEMAS_FILE.test(f));
}

describe("literalSchemaKeys", () => {
  it("writes a computed key naming a string constant of the file as that string, and leaves every other key alone", () => {
    const source = [
      'const _hH = "httpHeader";',
      'const _q = "a \\"quoted\\" value";',
      "let _v = 1;",
      "export var A$ = [3, n0, _A, { [_hH]: _xa, [_q]: 1 }, [_hH], { [_v]: 2, [_other]: 3 }];",
    ].join("\n");

    expect(literalSchemaKeys(source).split("\n").at(-1)).toBe(
      'export var A$ = [3, n0, _A, { "httpHeader": _xa, "a \\"quoted\\" value": 1 }, [_hH], { [_v]: 2, [_other]: 3 }];',
    );
  });
});

describe("the SDK's schemas as the Lambda build bundles them", () => {
  it("finds the schemas file of every client the handlers use", () => {
    const files = installedSchemaFiles().map((f) => f.slice(f.indexOf("@aws-sdk")));

    expect(files).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/client-dynamodb\/dist-es\/schemas\/schemas_0\.js$/),
        expect.stringMatching(/client-s3\/dist-es\/schemas\/schemas_0\.js$/),
        expect.stringMatching(/client-sqs\/dist-es\/schemas\/schemas_0\.js$/),
        expect.stringMatching(/client-lambda\/dist-es\/schemas\/schemas_0\.js$/),
        expect.stringMatching(/nested-clients\/dist-es\/submodules\/sts\/schemas\/schemas_0\.js$/),
      ]),
    );
  });

  it("exports, from every client's schemas file, exactly what the original exports", async () => {
    const files = installedSchemaFiles();
    const pairs: { file: string; original: string; rewritten: string }[] = [];
    for (const [i, file] of files.entries()) {
      const bundle = async (name: string, plugins: NonNullable<Parameters<typeof build>[0]["plugins"]>) => {
        const outfile = join(dir, `${i}-${name}.js`);
        await build({
          stdin: { contents: `export * from ${JSON.stringify(file)};`, resolveDir: ROOT, loader: "js" },
          bundle: true,
          platform: "node",
          format: "cjs",
          mainFields: ["module", "main"],
          logLevel: "silent",
          outfile,
          plugins,
        });
        return outfile;
      };
      pairs.push({ file, original: await bundle("original", []), rewritten: await bundle("rewritten", [sdkSchemaKeys()]) });
    }

    // Compared in a child: both copies register their errors with @smithy/core's type registries.
    const script = `
      const pairs = ${JSON.stringify(pairs)};
      const seen = new Map();
      const differences = [];
      const same = (a, b, path) => {
        if (differences.length > 5) return;
        if (typeof a !== typeof b) return differences.push(path + ": " + typeof a + " vs " + typeof b);
        if (typeof a === "function") {
          if (a.name !== b.name || a.length !== b.length) return differences.push(path + ": function " + a.name + " vs " + b.name);
          // A lazily referenced shape (() => X$) is compared by what it returns; a class by its name.
          if (!a.prototype && a.length === 0) same(a(), b(), path + "()");
          return;
        }
        if (typeof a !== "object" || a === null || b === null) {
          if (!Object.is(a, b)) differences.push(path + ": " + JSON.stringify(a) + " vs " + JSON.stringify(b));
          return;
        }
        if (seen.get(a) === b) return;
        seen.set(a, b);
        if (Array.isArray(a) !== Array.isArray(b)) return differences.push(path + ": array vs object");
        const ka = Reflect.ownKeys(a).map(String), kb = Reflect.ownKeys(b).map(String);
        if (JSON.stringify(ka) !== JSON.stringify(kb)) return differences.push(path + ": keys " + ka.join() + " vs " + kb.join());
        for (const k of ka) same(a[k], b[k], path + "." + k);
      };
      let exports = 0;
      for (const { file, original, rewritten } of pairs) {
        const a = require(original), b = require(rewritten);
        exports += Object.keys(a).length;
        same(a, b, file.slice(file.indexOf("@aws-sdk")));
      }
      console.log(JSON.stringify({ files: pairs.length, exports, differences }));`;
    const result = await runChild(process.execPath, ["-e", script], { budget: { cpuSeconds: 30 } });
    if (result.code !== 0) throw new Error(result.stderr);

    const seen = JSON.parse(result.stdout);
    expect(seen.differences).toEqual([]);
    expect(seen.files).toBe(files.length);
    expect(seen.exports).toBeGreaterThan(3000);
  });

  it("keeps only the S3 shapes a bundle that sends PutObject uses", async () => {
    const schemasBytes = async (withRewrite: boolean) => {
      const result = await build({
        ...LAMBDA_BUILD_OPTIONS,
        plugins: withRewrite ? LAMBDA_BUILD_OPTIONS.plugins : LAMBDA_BUILD_OPTIONS.plugins.filter((p) => p.name !== "sdk-schema-keys"),
        stdin: {
          contents: 'import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3"; export const c = [S3Client, PutObjectCommand];',
          resolveDir: ROOT,
          loader: "js",
        },
        write: false,
        outfile: join(dir, "s3.js"),
      });
      const [output] = Object.values(result.metafile.outputs);
      const [, schemas] = Object.entries(output.inputs).find(([path]) => /client-s3\/dist-es\/schemas\/schemas_0\.js$/.test(path)) ?? [];
      return { schemas: schemas?.bytesInOutput ?? 0, text: result.outputFiles[0].text };
    };

    const before = await schemasBytes(false);
    const after = await schemasBytes(true);

    expect(before.text).toContain("x-id=UploadPartCopy");
    expect(after.text).not.toContain("x-id=UploadPartCopy");
    expect(after.text).toContain("x-id=PutObject");
    expect(after.schemas).toBeLessThan(before.schemas / 4);
  });
});
