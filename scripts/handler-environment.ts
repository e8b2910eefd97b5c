/**
 * An esbuild plugin that gives a handler's bundle its own entry of the handler registry instead of
 * the whole registry. Handlers read their variables with `handlerEnv("<their name>")`
 * (lib/handlers/index.ts), which looks the name up in the registry of every handler: each spec's
 * description, permissions, trigger and environment, about 12 KB that every bundle carried and built
 * at load to use one list. In a handler's bundle, lib/handlers/index.ts becomes a module with that
 * handler's list only and the same `handlerEnv`: each variable required, a missing one failing the
 * cold start with the same MissingEnvironmentError (lib/env.ts).
 *
 * The registry stays the one source (the list is read from it at build time), and TypeScript still
 * checks handlers against it. A bundle asked for another handler's environment throws, naming both:
 * a handler reads its own variables only. A handler importing anything else from lib/handlers
 * fails the build (esbuild: no matching export), so nothing can silently go missing.
 */
import type { Plugin } from "esbuild";
import { dirname } from "node:path";
import { handlerSpec, type HandlerName } from "../lib/handlers";

/** lib/handlers/index.ts, wherever the repository is. */
const REGISTRY_MODULE = /[\\/]lib[\\/]handlers[\\/]index\.ts$/;

/** The source that replaces the registry module in `handler`'s bundle. */
function handlerEnvironmentModule(handler: HandlerName): string {
  const { environment } = handlerSpec(handler);
  return [
    `import { requireEnv } from "../env";`,
    `const HANDLER = ${JSON.stringify(handler)};`,
    `const ENVIRONMENT = ${JSON.stringify(environment)};`,
    "export function handlerEnv(name, env = process.env) {",
    "  if (name !== HANDLER) throw new Error(`This is the bundle of ${HANDLER}: it holds no environment for ${name}`);",
    "  return requireEnv(ENVIRONMENT, env);",
    "}",
    "",
  ].join("\n");
}

export function handlerEnvironment(handler: HandlerName): Plugin {
  return {
    name: "handler-environment",
    setup(build) {
      build.onLoad({ filter: REGISTRY_MODULE }, (args) => ({
        contents: handlerEnvironmentModule(handler),
        loader: "js",
        resolveDir: dirname(args.path),
      }));
    },
  };
}
