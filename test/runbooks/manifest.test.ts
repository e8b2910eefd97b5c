/**
 * The DR functions of the registry (lib/handlers/dr-functions.ts): placement, reserved concurrency,
 * and no Route 53 API on the DR path. (Environment and registration: test/lib/handlers.test.ts.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { handlerEntry, paymentFunctions, runbookFunctions, runbookReservedConcurrencyPerRegion } from "../../lib/handlers";

const ROOT = join(__dirname, "../..");
const sourceOf = (name: string) => join(ROOT, handlerEntry(name));

describe("runbook manifest", () => {
  it("runs every DR function outside the VPC", () => {
    for (const f of runbookFunctions) expect([f.name, f.vpc]).toEqual([f.name, false]);
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
    for (const f of runbookFunctions)
      expect([f.name, readFileSync(sourceOf(f.name), "utf8")]).not.toEqual([f.name, expect.stringMatching(/client-route-53/)]);
  });
});
