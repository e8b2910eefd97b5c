/**
 * An esbuild plugin that defers a CommonJS `require` made at the top of a bundled module until the
 * required module's exports are first used. The module is still bundled, the same file at the same
 * version; only the moment its top-level code runs changes: from the bundle's load (every cold
 * start pays it) to the first read of one of its exports (only code that uses it pays it).
 *
 * For libraries that require, at load, modules that only a feature we never use needs — not for
 * anything a request needs: deferring that would move its cost from the cold start to the first
 * request, not remove it. scripts/build-lambdas.ts lists each deferral with the reason it is
 * never on a request's path; test/scripts/build-lambdas.test.ts checks the deferred modules still
 * work when they are used.
 *
 * Two kinds of stand-in:
 * - "first use" (the default): a Proxy that loads the module on the first `get`, `set`, `has`,
 *   `delete` or key listing and forwards every one of them (methods see the Proxy as `this`, whose
 *   reads and writes reach the real object). It is not callable: a module whose `module.exports` is
 *   a function or a class cannot be deferred this way, and it throws a TypeError naming it on first use.
 * - "failed assertion", for `assert` used as `assert.ok(value, message)`: `ok` makes the check itself
 *   (a truthy value passes) and loads the module only when an assertion fails, for the module to
 *   throw its own AssertionError with the same arguments. Any other export loads it on first read.
 *   One difference remains: an assertion without a message gets a message Node generates from the
 *   source of the call, which is now the stand-in's; give a message (the build checks the importer does).
 * - "call", for a module whose importer reads some of its exported functions while it loads
 *   (`captureAWS: require("./patchers/aws_p").captureAWS`): a Proxy would load the module right
 *   there. The stand-in exports one function per listed name, each loading the module on its first
 *   call and calling the real function with the same `this` and arguments. Only the listed names
 *   exist on the stand-in; test/scripts/build-lambdas.test.ts checks they are every export the
 *   module has, so a library update that adds one fails the build's tests instead of losing it.
 * - "never": for a module of functions that nothing a Lambda function here runs may call (tests
 *   hold our code to that). The stand-in exports the listed functions, each throwing an Error that
 *   names the module and why it is not in the bundle; the module itself, and what only it requires,
 *   are left out of the bundle, so a cold start neither parses nor sets them up.
 */
import type { Plugin } from "esbuild";

export interface Deferral {
  /** The specifier exactly as the importer writes it: `require("semver")` → "semver". */
  module: string;
  /** The importing file(s): a require of `module` from any other file is left alone. */
  importer: RegExp;
  /** Why nothing on a request's path reads the module's exports (kept with the build options). */
  reason: string;
  /** When the module loads (see the header): on first use (the default), when an assertion fails, when one of its functions is called, or never (not bundled). */
  loads?: "on-first-use" | "on-failed-assertion" | "on-call" | "never";
  /** For "on-call" and "never": the module's exports, every one a function. */
  functions?: readonly string[];
}

const NAMESPACE = "deferred-require";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The stand-in module's source: `module.exports` is a Proxy over the module, loaded on first use. */
export function standInSource(specifier: string): string {
  const name = JSON.stringify(specifier);
  return [
    "let loaded;",
    `const load = () => {`,
    `  if (loaded === undefined) {`,
    `    loaded = require(${name});`,
    `    if (typeof loaded !== "object" || loaded === null)`,
    `      throw new TypeError(${JSON.stringify(`deferred require(${name}) must export an object; scripts/deferred-require.ts cannot stand in for a function`)});`,
    `  }`,
    `  return loaded;`,
    `};`,
    "module.exports = new Proxy({}, {",
    "  get: (_, key) => Reflect.get(load(), key),",
    "  set: (_, key, value) => Reflect.set(load(), key, value),",
    "  has: (_, key) => Reflect.has(load(), key),",
    "  deleteProperty: (_, key) => Reflect.deleteProperty(load(), key),",
    "  ownKeys: () => Reflect.ownKeys(load()),",
    "  getOwnPropertyDescriptor: (_, key) => {",
    "    const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);",
    "    return descriptor === undefined ? undefined : { ...descriptor, configurable: true };",
    "  },",
    "});",
  ].join("\n");
}

/** The stand-in for an `assert` module: `assert.ok` and `assert(...)` check the value, and load the module only to fail. */
export function assertionStandInSource(specifier: string): string {
  const name = JSON.stringify(specifier);
  return [
    "let loaded;",
    `const load = () => (loaded ??= require(${name}));`,
    "function ok(...args) {",
    "  if (!args[0]) load().ok(...args);",
    "}",
    "module.exports = new Proxy(ok, {",
    '  get: (_, key) => (key === "ok" ? ok : Reflect.get(load(), key)),',
    "  apply: (_, __, args) => ok(...args),",
    "});",
  ].join("\n");
}

/** The stand-in for a module of functions: each listed export loads the module when it is first called. */
export function functionsStandInSource(specifier: string, functions: readonly string[]): string {
  const name = JSON.stringify(specifier);
  return [
    "let loaded;",
    `const load = () => (loaded ??= require(${name}));`,
    "module.exports = {",
    // Methods named by string keys: their `name` is the export's, whatever a minifier does to identifiers.
    ...functions.map((f) => `  ${JSON.stringify(f)}(...args) { return load()[${JSON.stringify(f)}].apply(this, args); },`),
    "};",
  ].join("\n");
}

/** The stand-in for a module left out of the bundle: each listed export throws, naming the module and why. */
export function omittedStandInSource(specifier: string, functions: readonly string[], reason: string): string {
  const message = `${specifier} is not in this bundle (scripts/build-lambdas.ts): ${reason}`;
  return [
    "module.exports = {",
    ...functions.map((f) => `  ${JSON.stringify(f)}() { throw new Error(${JSON.stringify(`${f}: ${message}`)}); },`),
    "};",
  ].join("\n");
}

/** Replaces each listed `require(module)` from a matching importer by a stand-in that requires it on first use. */
export function deferRequire(deferrals: readonly Deferral[]): Plugin {
  return {
    name: NAMESPACE,
    setup(build) {
      for (const deferral of deferrals) {
        build.onResolve({ filter: new RegExp(`^${escapeRegExp(deferral.module)}$`) }, (args) => {
          // The stand-in's own require of the module resolves normally, from the importer's folder.
          if (args.namespace === NAMESPACE) return undefined;
          if (args.kind !== "require-call" || !deferral.importer.test(args.importer)) return undefined;
          return {
            path: `${deferral.module}?from=${args.resolveDir}`,
            namespace: NAMESPACE,
            pluginData: {
              resolveDir: args.resolveDir,
              loads: deferral.loads ?? "on-first-use",
              functions: deferral.functions,
              reason: deferral.reason,
            },
          };
        });
      }
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const { resolveDir, loads, functions, reason } = args.pluginData as Pick<Deferral, "loads" | "functions" | "reason"> & {
          resolveDir: string;
        };
        const specifier = args.path.slice(0, args.path.indexOf("?from="));
        if ((loads === "on-call" || loads === "never") && !functions?.length)
          throw new Error(`deferred require("${specifier}") loads ${loads === "never" ? "never" : "on call"} but lists no functions`);
        const contents =
          loads === "on-failed-assertion"
            ? assertionStandInSource(specifier)
            : loads === "on-call"
              ? functionsStandInSource(specifier, functions ?? [])
              : loads === "never"
                ? omittedStandInSource(specifier, functions ?? [], reason)
                : standInSource(specifier);
        return { contents, loader: "js", resolveDir };
      });
    },
  };
}
