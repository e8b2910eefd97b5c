/**
 * The Lambda build (scripts/build-lambdas.ts) and what it defers (scripts/deferred-require.ts):
 * a deferred module loads on first use (or, for a module of functions, on first call) and behaves
 * as itself; each deferral in the X-Ray SDK still works when something uses it, and nothing of ours does; and a built payment handler, in
 * the environment Lambda gives it, answers and sends its trace subsegment to the X-Ray daemon.
 *
 * Bundles run in child processes (the X-Ray SDK turns on async hooks in whatever process loads it).
 * What this cannot prove: that a deferral saves time (bench/bundles.ts measures that), or that
 * X-Ray accepts the documents (the "daemon" here is a UDP socket that reads them).
 */
import { build, type Plugin } from "esbuild";
import { createSocket, type Socket } from "node:dgram";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childEnvironment } from "../../bench/bundles";
import { buildHandlers, LAMBDA_BUILD_OPTIONS, LAMBDA_DEFERRALS } from "../../scripts/build-lambdas";
import { type Deferral, deferRequire } from "../../scripts/deferred-require";
import { handlerEnvironment } from "../../scripts/handler-environment";
import { allFunctions, handlerSpec } from "../../lib/handlers";
import { ROOT, runChild } from "../setup/child-process";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "build-lambdas-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BUDGET = { cpuSeconds: 20 };

/**
 * Runs `script` in a fresh Node with exactly `env` (plus PATH: none of this process's variables, such
 * as the test setup's switches that turn tracing off), returning its stdout lines parsed as JSON.
 */
async function runNode(script: string, env: Record<string, string | undefined>): Promise<unknown[]> {
  const unset = Object.fromEntries(Object.keys(process.env).map((k) => [k, undefined]));
  const result = await runChild(process.execPath, ["-e", script], { budget: BUDGET, env: { ...unset, PATH: process.env.PATH, ...env } });
  if (result.code !== 0) throw new Error(`child failed (${result.code}): ${result.stderr}`);
  return result.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
}

describe("deferRequire", () => {
  /**
   * Bundles main.js (by default `module.exports = { lib: require(module) }`), whose `require(module)`
   * is deferred as `deferral` says, and returns the bundle's path. lib.js counts its loads.
   */
  async function bundleWithDeferred(
    libSource: string,
    deferral: Partial<Pick<Deferral, "module" | "loads" | "functions" | "reason">> = {},
    main?: string,
  ): Promise<string> {
    const { module = "./lib", reason = "test", loads, functions } = deferral;
    const src = join(dir, `src-${Math.random().toString(36).slice(2)}`);
    mkdirSync(src);
    writeFileSync(join(src, "lib.js"), `globalThis.libLoads = (globalThis.libLoads ?? 0) + 1;\n${libSource}`);
    writeFileSync(join(src, "main.js"), main ?? `const lib = require(${JSON.stringify(module)});\nmodule.exports = { lib };`);
    const outfile = join(src, "out.js");
    await build({
      entryPoints: [join(src, "main.js")],
      outfile,
      bundle: true,
      platform: "node",
      format: "cjs",
      logLevel: "silent",
      plugins: [deferRequire([{ module, importer: /main\.js$/, reason, loads, functions }])],
    });
    return outfile;
  }

  it("loads the module on first use, once, and forwards reads, writes and `in` to it", async () => {
    const outfile = await bundleWithDeferred("module.exports = { n: 1, bump() { this.n += 1; return this.n; } };");

    const [seen] = await runNode(
      `const { lib } = require(${JSON.stringify(outfile)});
       const before = globalThis.libLoads ?? 0;
       const n = lib.n, bumped = lib.bump(), after = lib.n, has = "bump" in lib, keys = Object.keys(lib);
       lib.n = 10;
       console.log(JSON.stringify({ before, n, bumped, after, has, keys, set: lib.n, loads: globalThis.libLoads }));`,
      {},
    );

    expect(seen).toEqual({ before: 0, n: 1, bumped: 2, after: 2, has: true, keys: ["n", "bump"], set: 10, loads: 1 });
  });

  it("fails on first use, naming the module, when the module exports a function", async () => {
    const outfile = await bundleWithDeferred("module.exports = function lib() {};");

    const [seen] = await runNode(
      `const { lib } = require(${JSON.stringify(outfile)});
       try { lib.name; console.log(JSON.stringify({ threw: false })); }
       catch (e) { console.log(JSON.stringify({ threw: true, type: e.constructor.name, message: e.message })); }`,
      {},
    );

    expect(seen).toEqual({
      threw: true,
      type: "TypeError",
      message: expect.stringContaining('deferred require("./lib") must export an object'),
    });
  });

  it("loads a module of functions when one is first called, calling the real function with the same this and arguments", async () => {
    const outfile = await bundleWithDeferred(
      "module.exports = { add(a, b) { return a + b; }, self() { return this; } };",
      { loads: "on-call", functions: ["add", "self"] },
      'const add = require("./lib").add;\nmodule.exports = { add, lib: require("./lib") };',
    );

    const [seen] = await runNode(
      `const { add, lib } = require(${JSON.stringify(outfile)});
       const before = globalThis.libLoads ?? 0;
       const sum = add(2, 3), target = { self: lib.self }, self = target.self() === target;
       console.log(JSON.stringify({ before, sum, self, names: [add.name, Object.keys(lib)], loads: globalThis.libLoads }));`,
      {},
    );

    expect(seen).toEqual({ before: 0, sum: 5, self: true, names: ["add", ["add", "self"]], loads: 1 });
  });

  it("leaves a module it never loads out of the bundle, each listed function throwing with the module and the reason", async () => {
    const outfile = await bundleWithDeferred("module.exports = { add(a, b) { return a + b; } };", {
      loads: "never",
      functions: ["add"],
      reason: "nothing may add here",
    });

    const [seen] = await runNode(
      `const { lib } = require(${JSON.stringify(outfile)});
       let message; try { lib.add(2, 3); } catch (e) { message = e.message; }
       console.log(JSON.stringify({ message, loads: globalThis.libLoads ?? 0 }));`,
      {},
    );

    expect(seen).toEqual({ message: "add: ./lib is not in this bundle (scripts/build-lambdas.ts): nothing may add here", loads: 0 });
    expect(readFileSync(outfile, "utf8")).not.toContain("libLoads");
  });

  it("checks assertions without loading node:assert, and loads it to throw its own AssertionError when one fails", async () => {
    const outfile = await bundleWithDeferred("", { module: "assert", loads: "on-failed-assertion" });

    const [seen] = await runNode(
      `const assertLoaded = () => process.moduleLoadList.includes("NativeModule assert");
       const { lib: assert } = require(${JSON.stringify(outfile)});
       assert.ok(1, "holds"); assert(true, "holds too");
       const loadedWhileHolding = assertLoaded();
       const failure = (f) => { try { f(); return null; } catch (e) { return { type: e.constructor.name, code: e.code, message: e.message }; } };
       const failedOk = failure(() => assert.ok(0, "context must be provided"));
       const failedCall = failure(() => assert(false, "called"));
       const noValue = failure(() => assert.ok());
       const strict = failure(() => assert.strictEqual(1, 2));
       console.log(JSON.stringify({ loadedWhileHolding, failedOk, failedCall, noValue, strict, loadedAfter: assertLoaded() }));`,
      {},
    );

    expect(seen).toEqual({
      loadedWhileHolding: false,
      failedOk: { type: "AssertionError", code: "ERR_ASSERTION", message: "context must be provided" },
      failedCall: { type: "AssertionError", code: "ERR_ASSERTION", message: "called" },
      noValue: { type: "AssertionError", code: "ERR_ASSERTION", message: "No value argument passed to `assert.ok()`" },
      strict: expect.objectContaining({ type: "AssertionError", code: "ERR_ASSERTION" }),
      loadedAfter: true,
    });
  });
});

/** The modules the build defers or leaves out (and semver, which only the omitted aws_p requires), marked to tell when their code runs. */
const MARKED =
  /node_modules\/(?:aws-xray-sdk-core\/dist\/lib\/(?:middleware\/sampling|patchers|segments\/plugins)\/)?(semver|default_sampler|aws_p|http_p|ec2_plugin|ecs_plugin|elastic_beanstalk_plugin)(?:\/index)?\.js$/;

describe("the X-Ray SDK as the Lambda build bundles it", () => {
  let xray: string;
  let inputs: string[];
  beforeAll(async () => {
    xray = join(dir, "xray.js");
    // The Lambda build, plus a marker at the end of each deferred module: `globalThis.ran` lists the ones whose code ran.
    const marker: Plugin = {
      name: "mark-deferred-modules",
      setup(b) {
        b.onLoad({ filter: MARKED }, (args) => ({
          contents: `${readFileSync(args.path, "utf8")}\n;(globalThis.ran ??= []).push(${JSON.stringify(args.path.match(MARKED)?.[1])});`,
          loader: "js",
        }));
      },
    };
    const result = await build({
      ...LAMBDA_BUILD_OPTIONS,
      plugins: [...LAMBDA_BUILD_OPTIONS.plugins, marker],
      stdin: { contents: 'module.exports = require("aws-xray-sdk-core");', resolveDir: ROOT, loader: "js" },
      outfile: xray,
    });
    inputs = Object.keys(result.metafile.inputs);
  });
  const lambdaEnv = () => childEnvironment() as Record<string, string>;
  const serverEnv = () => Object.fromEntries(Object.entries(lambdaEnv()).filter(([k]) => k !== "LAMBDA_TASK_ROOT"));

  it("defers every listed require, each from a file that makes it", () => {
    const deferred = inputs.filter((i) => i.startsWith("deferred-require:"));

    expect(deferred.map((i) => i.slice("deferred-require:".length).split("?")[0]).sort()).toEqual(
      LAMBDA_DEFERRALS.map((d) => d.module).sort(),
    );
  });

  it("leaves out the AWS SDK v2 and http patchers: each of their functions throws why, and neither patcher nor semver is bundled", async () => {
    const [seen] = await runNode(
      `const xray = require(${JSON.stringify(xray)});
       const messages = ["captureAWS", "captureAWSClient", "captureHTTPs", "captureHTTPsGlobal"].map((f) => {
         try { xray[f]({}); return "no error"; } catch (e) { return e.message; }
       });
       console.log(JSON.stringify({ messages, ran: globalThis.ran ?? [] }));`,
      lambdaEnv(),
    );

    expect(seen).toEqual({
      messages: [
        expect.stringMatching(
          /^captureAWS: \.\/patchers\/aws_p is not in this bundle \(scripts\/build-lambdas\.ts\): captureAWS and captureAWSClient patch an AWS SDK v2/,
        ),
        expect.stringMatching(/^captureAWSClient: \.\/patchers\/aws_p is not in this bundle/),
        expect.stringMatching(/^captureHTTPs: \.\/patchers\/http_p is not in this bundle .*captureHTTPsRequests: false/),
        expect.stringMatching(/^captureHTTPsGlobal: \.\/patchers\/http_p is not in this bundle/),
      ],
      ran: [],
    });
    const bundled = inputs.filter((i) => /aws-xray-sdk-core\/dist\/lib\/patchers\/(aws_p|http_p)\.js$|node_modules\/semver\//.test(i));
    expect(bundled).toEqual([]);
  });

  it("still hands the EC2, ECS and Elastic Beanstalk plugins to AWSXRay.config, loading each when it is read", async () => {
    const [seen] = await runNode(
      `const xray = require(${JSON.stringify(xray)});
       const ranAtLoad = globalThis.ran ?? [];
       const { EC2Plugin, ECSPlugin, ElasticBeanstalkPlugin } = xray.plugins;
       const origins = [EC2Plugin.originName, ECSPlugin.originName, ElasticBeanstalkPlugin.originName];
       const getters = [EC2Plugin, ECSPlugin, ElasticBeanstalkPlugin].map((p) => typeof p.getData);
       console.log(JSON.stringify({ ranAtLoad, origins, getters, ranAfter: globalThis.ran }));`,
      lambdaEnv(),
    );

    expect(seen).toEqual({
      ranAtLoad: [],
      origins: ["AWS::EC2::Instance", "AWS::ECS::Container", "AWS::ElasticBeanstalk::Environment"],
      getters: ["function", "function", "function"],
      ranAfter: ["ec2_plugin", "ecs_plugin", "elastic_beanstalk_plugin"],
    });
  });

  it("samples locally in Lambda, where the centralized sampler is never loaded, and keeps centralized sampling elsewhere", async () => {
    const probe = `const s = require(${JSON.stringify(xray)}).middleware.sampler;
       const probed = { samples: typeof s.shouldSample === "function", centralized: "rulePoller" in s, started: s.started };
       console.log(JSON.stringify({ ...probed, ran: globalThis.ran ?? [] }));`;

    const [inLambda] = await runNode(probe, lambdaEnv());
    const [onAServer] = await runNode(probe, serverEnv());

    expect(inLambda).toEqual({ samples: true, centralized: false, ran: [] });
    expect(onAServer).toEqual({ samples: true, centralized: true, started: false, ran: ["default_sampler"] });
  });
});

describe("our code and the deferred X-Ray features", () => {
  const sources = (folder: string): string[] =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(ROOT, folder, f))
      .filter((f) => statSync(f).isFile());

  it("never asks the X-Ray SDK to patch AWS SDK v2, and has no SDK v2 to patch", () => {
    const files = ["lib", "functions", "runbooks", "cli", "sim", "infra"].flatMap(sources);
    const offenders = files.filter((f) => /\bcaptureAWS(Client)?\s*\(|["']aws-sdk["']/.test(readFileSync(f, "utf8")));
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

    expect(files.length).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
    expect({ ...pkg.dependencies, ...pkg.devDependencies }).not.toHaveProperty("aws-sdk");
  });

  it("never patches Node's http modules through X-Ray, and makes every Tracer with captureHTTPsRequests off", () => {
    const files = ["lib", "functions", "runbooks", "cli", "sim", "infra"].flatMap(sources);
    const patching = files.filter((f) => /\bcaptureHTTPs(Global)?\s*\(/.test(readFileSync(f, "utf8")));
    const tracers = files.filter((f) => /new Tracer\s*\(/.test(readFileSync(f, "utf8")));

    expect(patching).toEqual([]);
    expect(tracers).toEqual([join(ROOT, "lib", "observability.ts")]);
    expect(readFileSync(tracers[0], "utf8")).toMatch(/new Tracer\(\{[^}]*captureHTTPsRequests: false[^}]*\}\)/);
  });
});

describe("the libraries behind each deferral", () => {
  it("X-Ray's deferred patchers export exactly the functions their stand-ins forward, and the SDK reads only those", () => {
    const lib = join(ROOT, "node_modules", "aws-xray-sdk-core", "dist", "lib");
    const entry = readFileSync(join(lib, "aws-xray.js"), "utf8");

    for (const deferral of LAMBDA_DEFERRALS.filter((d) => d.loads === "on-call" || d.loads === "never")) {
      const exported = Object.entries(require(join(lib, deferral.module)) as Record<string, unknown>);
      const read = [...entry.matchAll(new RegExp(`require\\('${deferral.module.replace(/[./]/g, "\\$&")}'\\)(\\.\\w+)?`, "g"))].map(
        (m) => m[1],
      );

      expect(exported.map(([name, value]) => [name, typeof value]).sort()).toEqual(
        [...(deferral.functions ?? [])].map((f) => [f, "function"]).sort(),
      );
      expect(read.length).toBeGreaterThan(0);
      expect(read.filter((property) => !deferral.functions?.includes(property?.slice(1) ?? ""))).toEqual([]);
    }
  });

  it("X-Ray's plugins, deferred on first use, each export an object", () => {
    const lib = join(ROOT, "node_modules", "aws-xray-sdk-core", "dist", "lib");
    const plugins = LAMBDA_DEFERRALS.filter((d) => d.module.startsWith("./segments/plugins/"));

    expect(plugins).toHaveLength(3);
    for (const plugin of plugins) expect(typeof require(join(lib, plugin.module))).toBe("object");
  });

  /** The argument lists of every `assert.ok(...)` in `source`, split at top-level commas. */
  const assertOkCalls = (source: string): string[][] =>
    [...source.matchAll(/assert\.ok\(/g)].map((m) => {
      const args: string[] = [];
      let depth = 0;
      let current = "";
      for (const ch of source.slice((m.index ?? 0) + m[0].length)) {
        if (depth === 0 && ch === ")") break;
        if (depth === 0 && ch === ",") {
          args.push(current.trim());
          current = "";
          continue;
        }
        if ("([{".includes(ch)) depth++;
        if (")]}".includes(ch)) depth--;
        current += ch;
      }
      return [...args, current.trim()];
    });

  it("cls-hooked uses node:assert only as assert.ok(value, message), which the stand-in answers without loading it", () => {
    const source = readFileSync(require.resolve("cls-hooked/context.js"), "utf8");

    const uses = [...source.matchAll(/\bassert\b(\.\w+)?/g)].map((m) => m[0]);
    expect(new Set(uses)).toEqual(new Set(["assert", "assert.ok"]));
    expect(uses.filter((u) => u === "assert")).toHaveLength(2);
    expect(source).toContain("const assert = require('assert');"); // the only bare uses: this line's two
    expect(assertOkCalls(source).length).toBeGreaterThan(5);
    expect(assertOkCalls(source).filter((args) => args.length !== 2)).toEqual([]);
  });
});

describe("a handler's bundle carries its own environment list, not the registry", () => {
  let bundle: string;
  beforeAll(async () => {
    [{ outfile: bundle }] = await buildHandlers({ outDir: join(dir, "own-env"), only: ["create-payment"] });
  });

  it("holds no other handler's spec", () => {
    const source = readFileSync(bundle, "utf8");
    const others = allFunctions.filter((f) => f.name !== "create-payment");
    expect(others.length).toBeGreaterThan(30);
    expect(others.filter((f) => source.includes(f.description)).map((f) => f.name)).toEqual([]);
  });

  it("still requires every variable of its spec: a missing one fails the cold start, naming it", async () => {
    const env = { ...childEnvironment(), CONTROL_TABLE: undefined, PEER_API_ORIGIN: undefined };
    const result = await runChild(process.execPath, ["-e", `require(${JSON.stringify(bundle)})`], {
      budget: BUDGET,
      env: { ...Object.fromEntries(Object.keys(process.env).map((k) => [k, undefined])), ...env },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Missing required environment variable(s): CONTROL_TABLE, PEER_API_ORIGIN");
  });

  it("refuses to read another handler's environment", async () => {
    const outfile = join(dir, "own-env", "registry-only.js");
    await build({
      ...LAMBDA_BUILD_OPTIONS,
      plugins: [handlerEnvironment("create-payment")],
      stdin: { contents: 'module.exports = require("./lib/handlers").handlerEnv;', resolveDir: ROOT, loader: "js" },
      outfile,
    });
    const handlerEnv = require(outfile) as (name: string, env: NodeJS.ProcessEnv) => Record<string, string>;
    expect(() => handlerEnv("get-payment", {})).toThrow("This is the bundle of create-payment: it holds no environment for get-payment");
    const env = Object.fromEntries(handlerSpec("create-payment").environment.map((name) => [name, `value of ${name}`]));
    expect(handlerEnv("create-payment", { ...env, UNRELATED: "x" })).toEqual(env);
  });
});

describe("a payment handler's bundle in the Lambda runtime's environment", () => {
  let daemon: Socket;
  const datagrams: string[] = [];
  beforeAll(async () => {
    daemon = createSocket("udp4");
    daemon.on("message", (m) => datagrams.push(m.toString("utf8")));
    await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
  });
  afterAll(() => daemon.close());

  it("answers a request and sends the handler's subsegment to the X-Ray daemon, without ever loading node:assert", async () => {
    const [bundle] = await buildHandlers({ outDir: join(dir, "lambda"), only: ["create-payment"] });
    const traceId = "1-6761f0a8-0123456789abcdef01234567";

    const [response] = await runNode(
      `const { handler } = require(${JSON.stringify(bundle.outfile)});
       handler({ headers: {}, body: "{}" }, { awsRequestId: "req-1", functionName: "create-payment" })
         .then((r) => console.log(JSON.stringify({ statusCode: r.statusCode, assertLoaded: process.moduleLoadList.includes("NativeModule assert") })));`,
      {
        ...childEnvironment(),
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
        _X_AMZN_TRACE_ID: `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1`,
        POWERTOOLS_METRICS_DISABLED: "true",
      },
    );
    // The child has exited, so its datagram is in this socket's buffer: a few turns of the event loop read it.
    for (let turn = 0; turn < 20 && datagrams.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve));

    expect(response).toEqual({ statusCode: 400, assertLoaded: false });
    const documents = datagrams.map((d) => JSON.parse(d.slice(d.indexOf("\n") + 1)));
    expect(documents).toContainEqual(
      expect.objectContaining({
        name: "## create-payment",
        type: "subsegment",
        trace_id: traceId,
        annotations: { ColdStart: true, Service: "create-payment" },
      }),
    );
  });
});
