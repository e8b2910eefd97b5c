/**
 * The one handler registry (lib/handlers) against the code and the stack: every handler folder is
 * registered and every registered handler exists; each handler reads its environment only through
 * `handlerEnv` and uses every variable it declares; and each one loads with exactly the environment
 * the evaluated stack gives its function, failing the cold start by name when a variable is missing.
 *
 * What this cannot prove: that a variable is read on every code path — only that it is read.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { allFunctions, handlerEntry, paymentFunctions, RUNBOOK_TASK_FUNCTIONS, runbookFunctions } from "../../lib/handlers";
import { PERMISSIONS, STACK_ENVIRONMENT } from "../../lib/handlers/spec";
import { ofType, REGIONS, stack } from "../support/stack";

const ROOT = join(__dirname, "..", "..");
const folders = (dir: string, except: string[] = []) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !except.includes(d.name) && existsSync(join(ROOT, dir, d.name, "index.ts")))
    .map((d) => d.name)
    .sort();
const sourceOf = (name: string) => {
  const dir = join(ROOT, dirname(handlerEntry(name)));
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n");
};

describe("the handler registry", () => {
  it("registers exactly the handler folders: functions/<name> for the payment path, runbooks/handlers/<name> for DR", () => {
    expect(paymentFunctions.map((f) => f.name).sort()).toEqual(folders("functions", ["domain"]));
    expect(runbookFunctions.map((f) => f.name).sort()).toEqual(folders(join("runbooks", "handlers")));
  });

  it("names each handler once, within the 64-character physical-name limit, with known variables and permissions", () => {
    const names = allFunctions.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const f of allFunctions) {
      // {service}-{region}-{environment} ≤ 64 with the longest region code and a 12-character environment.
      expect(`${f.name}-ap-southeast-2-abcdefghijkl`.length).toBeLessThanOrEqual(64);
      for (const e of f.environment) expect([f.name, Object.keys(STACK_ENVIRONMENT).includes(e)]).toEqual([f.name, true]);
      for (const p of f.permissions) expect([f.name, Object.keys(PERMISSIONS).includes(p)]).toEqual([f.name, true]);
      expect(new Set(f.environment).size).toBe(f.environment.length);
    }
  });

  it("gives the state machine every state-machine handler, and only those", () => {
    expect([...RUNBOOK_TASK_FUNCTIONS].sort()).toEqual(
      runbookFunctions
        .filter((f) => f.trigger.kind === "state-machine")
        .map((f) => f.name)
        .sort(),
    );
    expect(RUNBOOK_TASK_FUNCTIONS).not.toContain("canary");
    expect(RUNBOOK_TASK_FUNCTIONS).not.toContain("start-execution");
  });

  it.each(allFunctions.map((f) => f.name))(
    "has %s read its environment only through handlerEnv, and use every variable it declares",
    (name) => {
      const source = sourceOf(name);
      const spec = allFunctions.find((f) => f.name === name)!;
      const unused = spec.environment.filter((v) => !new RegExp(`env\\.${v}\\b|"${v}"`).test(source));

      if (spec.environment.length > 0) expect(source).toContain(`handlerEnv("${name}")`);
      expect(source).not.toMatch(/process\.env/);
      expect(unused).toEqual([]);
    },
  );
});

describe("each handler with its deployed environment", () => {
  let deployed: Map<string, Record<string, string>>;
  const original = process.env;
  // What Lambda sets besides the function's own variables (and the test setup's silencing).
  const RUNTIME = {
    AWS_REGION: REGIONS.secondary,
    AWS_ACCESS_KEY_ID: "t",
    AWS_SECRET_ACCESS_KEY: "t",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_TRACE_DISABLED: "true",
    POWERTOOLS_METRICS_DISABLED: "true",
    // As the test setup has it (test/setup/env.ts): without it each handler's X-Ray SDK loads in
    // automatic mode and enables one more process-wide async hook with destroy tracking, which
    // then stays for the worker's life and taxes every promise of every later test file it runs.
    AWS_XRAY_MANUAL_MODE: "true",
  };

  beforeAll(async () => {
    const ev = await stack();
    deployed = new Map(
      ofType(ev, "aws:lambda/function:Function", REGIONS.secondary).map((r) => [
        String(r.inputs.name).replace(/-us-east-2-dev$/, ""),
        r.inputs.environment.variables as Record<string, string>,
      ]),
    );
  });
  afterEach(() => {
    process.env = original;
  });

  function load(name: string, env: Record<string, string>): unknown {
    process.env = { ...env, ...RUNTIME };
    let error: unknown;
    jest.isolateModules(() => {
      try {
        const mod = require(join(ROOT, handlerEntry(name)));
        if (typeof mod.handler !== "function") error = new Error("no handler export");
      } catch (e) {
        error = e;
      }
    });
    return error;
  }

  it.each(allFunctions.map((f) => f.name))("loads %s with exactly the variables the stack gives its function", (name) => {
    const env = deployed.get(name);
    const spec = allFunctions.find((f) => f.name === name)!;

    expect(Object.keys(env ?? {}).sort()).toEqual([...spec.environment, "POWERTOOLS_LOG_LEVEL"].sort());
    expect(load(name, env!)).toBeUndefined();
  });

  // One load per handler with all of its variables gone (each load is the handler's whole module
  // tree): requireEnv checks each variable on its own, so naming every one of them in one error is
  // the same proof as one load per missing variable, at a twentieth of the cost.
  it.each(allFunctions.filter((f) => f.environment.length > 0).map((f) => f.name))(
    "fails the cold start of %s naming each variable it declares when they are missing",
    (name) => {
      const spec = allFunctions.find((f) => f.name === name)!;
      const env = { ...deployed.get(name)! };
      for (const variable of spec.environment) delete env[variable];

      const error = load(name, env) as { name?: string; missing?: string[]; message?: string };
      expect(error).toMatchObject({ name: "MissingEnvironmentError" });
      expect([...(error.missing ?? [])].sort()).toEqual([...spec.environment].sort());
      for (const variable of spec.environment) expect(error.message).toContain(variable);
    },
  );
});
