import { controlKeys } from "../../lib/control-schema";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { healthy, isRead, runbookCalls } from "./support/sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

/** What a run could change: every item of every replica, the objects in every bucket, every function's concurrency and tags. */
function snapshot(t: TestWorld) {
  return JSON.stringify({
    items: t.deployment.tables.flatMap((table) => table.regions.map((r) => [r, table.name, t.world.dynamodb.items(r, table.name)])),
    objects: t.deployment.buckets.map((b) => [b.name, t.world.s3.keys(b.name)]),
    functions: t.deployment.functions.map((f) => [
      f.arn,
      t.world.lambda.getReserved(f.region, f.arn),
      t.world.lambda.getTags(f.region, f.arn),
    ]),
  });
}

describe("dry-run", () => {
  it("checks every precondition, sends one summary and changes nothing", async () => {
    const t = healthy(aws);
    const before = snapshot(t);

    const result = await t.execute(t.secondary, { mode: "dry-run", checkMode: "drill" });

    expect(result.status).toBe("SUCCEEDED");
    expect(snapshot(t)).toBe(before);
    // Of every AWS call in the world (the runbook's and /health answering Route 53's checkers), one changed something.
    expect(t.world.calls.filter((c) => !isRead(c)).map((c) => `${c.service}:${c.operation}`)).toEqual(["sns:Publish"]);
    expect(runbookCalls(t).length).toBeGreaterThan(1);
    const notes = t.notifications();
    expect(notes).toHaveLength(1);
    expect(notes[0].subject).toContain("READY");
    for (const check of ["lease", "decision", "replication", "dns", "approval", "anti-flap"]) {
      expect(notes[0].message).toContain(check);
    }
    expect(result.states).toEqual(
      expect.arrayContaining(["InspectLease", "AssessRegionsForDryRun", "CheckReplicationForDryRun", "CheckDnsForDryRun"]),
    );
  });

  it("fails with PreconditionFailedError, still changing nothing, when a run would not proceed", async () => {
    const t = healthy(aws);
    const now = t.now();
    t.seed("control", {
      pk: controlKeys.lease(),
      holder: "someone",
      mode: "failover",
      region: t.primary,
      acquiredAt: now,
      expiresAt: Math.floor(now / 1000) + 600,
    });
    const before = snapshot(t);

    const result = await t.execute(t.secondary, { mode: "dry-run" });

    expect(result).toMatchObject({ status: "FAILED", error: "PreconditionFailedError" });
    expect(result.cause).toContain("lease: held by someone");
    expect(snapshot(t)).toBe(before);
    expect(t.notifications().map((n) => n.subject)).toEqual([expect.stringContaining("NOT READY")]);
  });
});
