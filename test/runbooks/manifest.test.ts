/**
 * runbooks/manifest.ts is what the stack builds from: each function gets exactly the environment
 * and permissions declared there. These tests hold the declarations to the code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PERMISSIONS, STACK_ENVIRONMENT } from "../../functions/lib/lambda-manifest";
import { paymentFunctions } from "../../functions/manifest";
import { runbookFunctions, runbookReservedConcurrencyPerRegion } from "../../runbooks/manifest";
import { regionEnvironment } from "../state-machines/support/harness";

const ROOT = join(__dirname, "../..");
const sourceOf = (name: string) => join(ROOT, name === "canary" ? "functions" : "runbooks/handlers", name, "index.ts");

describe("runbook manifest", () => {
  it("declares every function once, outside the VPC, with names that fit the physical-name limit", () => {
    const names = runbookFunctions.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const f of runbookFunctions) {
      expect([f.name, f.vpc]).toEqual([f.name, false]);
      // {service}-{region}-{environment} ≤ 64 with the longest region code and a 12-character environment.
      expect(`${f.name}-ap-southeast-2-abcdefghijkl`.length).toBeLessThanOrEqual(64);
      for (const e of f.environment) expect(Object.keys(STACK_ENVIRONMENT)).toContain(e);
      for (const p of f.permissions) expect(Object.keys(PERMISSIONS)).toContain(p);
    }
  });

  it.each(runbookFunctions.map((f) => [f.name, f] as const))("%s requires exactly the environment it declares", (name, spec) => {
    const source = readFileSync(sourceOf(name), "utf8");
    const match = /requireEnv\(\[([^\]]*)\]\)/.exec(source);
    const read = match ? [...match[1].matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]) : [];
    expect([...read].sort()).toEqual([...spec.environment].sort());
    // And it loads with that environment and nothing more.
    const saved = process.env;
    const declared = Object.fromEntries(spec.environment.map((e) => [e, regionEnvironment("us-east-2")[e]]));
    // Plus what Lambda (or the test setup) provides; the SDK's Node-version notice stays off.
    const runtime = { POWERTOOLS_LOG_LEVEL: "SILENT", AWS_REGION: "us-east-2", AWS_ACCESS_KEY_ID: "t", AWS_SECRET_ACCESS_KEY: "t" };
    process.env = { ...declared, ...runtime };
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        expect(typeof require(sourceOf(name)).handler).toBe("function");
      });
    } finally {
      process.env = saved;
    }
  });

  it("reserves concurrency for every DR function: 2 for each step handler and the trigger, 2 for the canary", () => {
    expect(runbookFunctions.filter((f) => f.reservedConcurrency !== 2).map((f) => `${f.name}: ${f.reservedConcurrency}`)).toEqual([]);
    expect(runbookFunctions.map((f) => f.name)).toEqual(expect.arrayContaining(["start-execution", "canary", "check-fence-alarm"]));
    expect(runbookReservedConcurrencyPerRegion()).toBe(2 * runbookFunctions.length);
  });

  it("states the reservation per region, and the quota it needs, in docs/architecture.md", () => {
    // Lambda keeps 100 of a region's concurrency unreserved; everything the stack reserves comes on top.
    const payment = paymentFunctions.reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0);
    const dr = runbookReservedConcurrencyPerRegion();
    const doc = readFileSync(join(ROOT, "docs/architecture.md"), "utf8").replace(/\s+/g, " ");
    expect(doc).toContain(`**${dr} per region** for the DR functions, ${dr + payment} with the payment path's`);
    expect(doc).toContain(`quota is below ${dr + payment + 100} in either region`);
  });

  it("keeps the DR path free of the Route 53 API", () => {
    for (const f of runbookFunctions) expect([f.name, readFileSync(sourceOf(f.name), "utf8")]).not.toEqual([f.name, expect.stringMatching(/client-route-53/)]);
  });
});
