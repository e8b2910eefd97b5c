/**
 * An esbuild plugin that lets esbuild drop the AWS SDK schemas a bundle never uses.
 *
 * Each SDK v3 client describes every shape of its API in `dist-es/schemas/schemas_0.js`: one array
 * per shape (`export var PutObjectRequest$ = [3, n0, _POR, 0, [...members], [...traits]]`), whose
 * trait objects are written with computed keys naming module-level string constants
 * (`const _hH = "httpHeader"; ... { [_hH]: _xaa }`). esbuild treats a computed key as a possible
 * side effect (evaluating it could run a getter or a `toString`) and keeps every statement that has
 * one, used or not, so a bundle that sends one S3 command carries, and builds at load, all ~470 S3
 * shapes (https://github.com/evanw/esbuild/issues/4373, reported from
 * https://github.com/aws/aws-sdk-js-v3/issues/7607). The SDK's code generator is being changed to
 * write those keys as string literals for exactly this reason
 * (https://github.com/smithy-lang/smithy-typescript/pull/1889); until a release does, this plugin
 * makes the same change while bundling: `[_hH]:` becomes `"httpHeader":` wherever `_hH` is a
 * `const` string declared in the same file. The objects are the same (a computed key naming a
 * string constant is that string); esbuild can then see that a shape nothing refers to has no side
 * effect, and drops it. Nothing else in the file changes, and no other file is touched.
 *
 * test/scripts/sdk-schema-keys.test.ts checks, for every client schemas file installed, that the
 * rewritten module exports exactly what the original does.
 */
import type { Plugin } from "esbuild";
import { readFileSync } from "node:fs";

/** A client's (or a nested client's) generated schemas file, e.g. @aws-sdk/client-s3/dist-es/schemas/schemas_0.js. */
export const SDK_SCHEMAS_FILE =
  /[\\/]node_modules[\\/]@aws-sdk[\\/](?:client-[^\\/]+|nested-clients)[\\/]dist-es[\\/](?:submodules[\\/][^\\/]+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/** `const _x = "literal";` at the start of a line: the string constants the generated files declare. */
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;
/** `[_x]:`, a computed key naming an identifier. */
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/** The source with every computed key that names one of its own string constants written as that string. */
export function literalSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) constants.set(name, literal);
  return source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? key : `${literal}:`;
  });
}

/** Applies {@link literalSchemaKeys} to every {@link SDK_SCHEMAS_FILE} the bundle includes. */
export function sdkSchemaKeys(): Plugin {
  return {
    name: "sdk-schema-keys",
    setup(build) {
      build.onLoad({ filter: SDK_SCHEMAS_FILE }, (args) => ({
        contents: literalSchemaKeys(readFileSync(args.path, "utf8")),
        loader: "js",
      }));
    },
  };
}
