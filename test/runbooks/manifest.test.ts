/**
 * The DR functions of the registry (lib/handlers/dr-functions.ts): placement, reserved concurrency,
 * and no Route 53 API on the DR path. (Environment and registration: test/lib/handlers.test.ts.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { handlerEntry, paymentFunctions, runbookFunctions, runbookReservedConcurrencyPerRegion } from "../../lib/handlers";

const ROOT = join(__dirname, "../..");
const sourceOf = (name: string) => join(ROOT, handlerEntry(name));

/** The drill's restore-rehearsal steps: they read a copy of the payments table, so they run in the VPC. */
const RESTORE_STEPS = ["start-restore", "check-restore", "verify-restore", "delete-scratch-table"];

describe("runbook manifest", () => {
  it("runs every DR function outside the VPC but the restore rehearsal's steps, which run in it", () => {
    for (const f of runbookFunctions) expect([f.name, f.vpc]).toEqual([f.name, RESTORE_STEPS.includes(f.name)]);
  });

  it("gives the restore rehearsal's steps DynamoDB permissions only (the region's key only through DynamoDB): the VPC's DynamoDB endpoint is all they need", () => {
    const permissions = runbookFunctions.filter((f) => RESTORE_STEPS.includes(f.name)).flatMap((f) => f.permissions);
    expect([...new Set(permissions)].sort()).toEqual([
      "payments-table:read",
      "payments-table:restore",
      "payments-table:scan",
      "scratch-tables:delete",
      "scratch-tables:describe",
      "scratch-tables:read",
    ]);
  });

  it("reserves concurrency for every DR function: 2 for each step handler and the trigger, 2 for the canary, 1 for each restore step", () => {
    const expected = (name: string) => (RESTORE_STEPS.includes(name) ? 1 : 2);
    expect(
      runbookFunctions.filter((f) => f.reservedConcurrency !== expected(f.name)).map((f) => `${f.name}: ${f.reservedConcurrency}`),
    ).toEqual([]);
    expect(runbookFunctions.map((f) => f.name)).toEqual(
      expect.arrayContaining(["start-execution", "canary", "check-fence-alarm", ...RESTORE_STEPS]),
    );
    expect(runbookReservedConcurrencyPerRegion()).toBe(2 * runbookFunctions.length - RESTORE_STEPS.length);
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
