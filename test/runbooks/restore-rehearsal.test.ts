/**
 * The drill's restore-rehearsal steps (start-restore, check-restore, verify-restore,
 * delete-scratch-table), each invoked as Lambda invokes it, with its deployed environment and role,
 * in the simulated AWS: the payments table's replicas with point-in-time recovery (sim/dynamodb/
 * restore.ts), IAM from the stack's own policies.
 *
 * What this cannot prove: that AWS accepts these calls and policies (no AWS account here), or how
 * long a real restore takes (modelled: ten minutes).
 */
import { newPendingPayment, paymentIdFor } from "../../functions/domain/payments";
import { scratchTableName } from "../../runbooks/domain/restore-rehearsal";
import type { Run } from "../../runbooks/domain/run";
import type { RestoreStartStep, RestoreStatusStep, RestoreVerifyStep, ScratchCleanupStep } from "../../runbooks/domain/steps";
import { RESTORE_BASE_MS } from "../../sim/dynamodb/restore";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { healthy } from "../state-machines/support/sim";
import { stack } from "../support/stack";
import { runFor } from "./support/run-for";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const MINUTE = 60_000;
const iso = (t: number) => new Date(t).toISOString();

function drillRun(t: TestWorld, name = "drill-20300304T090130"): Promise<Run> {
  return runFor(t, t.secondary, { mode: "drill", targetRegion: t.secondary, restoreRehearsal: { table: "payments" } }, name);
}

/** A payment as create-payment writes it, acknowledged now in the primary (MRSC: in both replicas when the put returns). */
function acknowledge(t: TestWorld, key: string, amount = 1250): string {
  const paymentId = paymentIdFor(key);
  const at = iso(t.now());
  const request = { amount, currency: "EUR", merchantReference: `order-${key}`, sourceReference: `src-${key}` };
  t.world.dynamodb.put(t.primary, t.tables.payments, newPendingPayment({ paymentId, request, region: t.primary, at }));
  return paymentId;
}

function settle(t: TestWorld, paymentId: string): void {
  const at = iso(t.now());
  t.world.dynamodb.update(
    t.primary,
    t.tables.payments,
    { paymentId },
    "SET #s = :s, updatedAt = :at, settledAt = :at, version = version + :one",
    {
      names: { "#s": "status" },
      values: { ":s": "SETTLED", ":at": at, ":one": 1 },
    },
  );
}

const start = (t: TestWorld, run: Run) => t.invoke(t.secondary, "start-restore", { run }) as Promise<RestoreStartStep>;
const check = (t: TestWorld, run: Run, restore: RestoreStartStep, previous: Omit<RestoreStatusStep, "step">) =>
  t.invoke(t.secondary, "check-restore", { run, restore, previous }) as Promise<RestoreStatusStep>;
const verify = (t: TestWorld, run: Run, restore: RestoreStartStep, progress: RestoreVerifyStep["progress"] = null) =>
  t.invoke(t.secondary, "verify-restore", { run, restore, progress }) as Promise<RestoreVerifyStep>;
const cleanup = (t: TestWorld, run: Run) => t.invoke(t.secondary, "delete-scratch-table", { run }) as Promise<ScratchCleanupStep>;
const initial = (s: RestoreStartStep) => ({
  tableName: s.scratchTable,
  status: s.status,
  active: false,
  checkedAt: s.requestedAt,
  lastNotActiveAt: s.requestedAt,
  activeAt: null,
});

/**
 * The history these tests restore from: A acknowledged at 0 and settled at +2 min, B acknowledged
 * at +3 min, then (after the restore point, +5 min once the clock reads +10 min) C acknowledged at
 * +7 min and A written again at +9 min.
 */
async function history(t: TestWorld): Promise<{ a: string; b: string; c: string; t0: number }> {
  const t0 = t.now();
  const a = acknowledge(t, "payment-a-0001");
  await t.advance(2 * MINUTE);
  settle(t, a);
  await t.advance(MINUTE);
  const b = acknowledge(t, "payment-b-0002");
  await t.advance(4 * MINUTE);
  const c = acknowledge(t, "payment-c-0003");
  await t.advance(2 * MINUTE);
  t.world.dynamodb.update(t.primary, t.tables.payments, { paymentId: a }, "SET updatedAt = :at, description = :d", {
    values: { ":at": iso(t.now()), ":d": "written after the restore point" },
  });
  await t.advance(MINUTE);
  return { a, b, c, t0 };
}

describe("start-restore", () => {
  it("restores the payments table's replica in the drill's region, at its latest restorable second, into this run's scratch table", async () => {
    const t = healthy(aws);
    const { t0 } = await history(t);
    const run = await drillRun(t);

    const started = await start(t, run);

    expect(started).toMatchObject({
      table: "payments",
      sourceTable: t.tables.payments,
      scratchTable: `payments-restore-${t.secondary}-${t.deployment.environment}-${run.executionName}`,
      region: t.secondary,
      consistency: "strong",
      status: "CREATING",
      alreadyStarted: false,
      // LatestRestorableDateTime "is typically 5 minutes before the current time"; DynamoDB restores to the second.
      restorePoint: t0 + 5 * MINUTE,
    });
    expect(started.latestRestorable - (t0 + 5 * MINUTE)).toBeGreaterThanOrEqual(0);
    expect(started.latestRestorable - (t0 + 5 * MINUTE)).toBeLessThan(1000);
    expect(started.earliestRestorable).toBeLessThanOrEqual(t0);
    // The calls, made in the secondary, as the stack's policy allows them.
    expect(t.calls({ caller: "start-restore", operation: "RestoreTableToPointInTime" }).map((c) => [c.region, c.outcome])).toEqual([
      [t.secondary, "ok"],
    ]);
    expect(t.world.iam.denials).toEqual([]);
  });

  it("finds its own restore when retried after an attempt whose answer was lost", async () => {
    const t = healthy(aws);
    await history(t);
    const run = await drillRun(t);
    const first = await start(t, run);
    await t.advance(MINUTE);

    const again = await start(t, run);

    expect(again).toMatchObject({ scratchTable: first.scratchTable, restorePoint: first.restorePoint, alreadyStarted: true });
    expect(t.world.dynamodb.pitr.inProgress()).toEqual([first.scratchTable]);
  });

  it("fails with ScratchTableConflictError, and leaves the table alone, when the scratch name holds another table's restore", async () => {
    const t = healthy(aws);
    await t.advance(10 * MINUTE);
    const run = await drillRun(t);
    const name = scratchTableName(`payments-restore-${t.secondary}-${t.deployment.environment}-`, run.executionName);
    t.world.dynamodb.pitr.restore(t.secondary, { source: t.tables.control, target: name, useLatest: true });

    await expect(start(t, run)).rejects.toMatchObject({ name: "ScratchTableConflictError" });
    expect(t.world.dynamodb.pitr.inProgress()).toEqual([name]);
  });

  it("fails with PointInTimeRecoveryUnavailableError when the replica has no point-in-time recovery, and starts nothing", async () => {
    const t = healthy(aws);
    await t.advance(10 * MINUTE);
    t.world.dynamodb.pitr.update(t.secondary, t.tables.payments, false);
    const run = await drillRun(t);

    await expect(start(t, run)).rejects.toMatchObject({ name: "PointInTimeRecoveryUnavailableError" });
    expect(t.calls({ operation: "RestoreTableToPointInTime" })).toEqual([]);
  });
});

describe("check-restore", () => {
  it("reports CREATING until the modelled restore time has passed, then ACTIVE, bracketing when it turned ACTIVE", async () => {
    const t = healthy(aws);
    await history(t);
    const run = await drillRun(t);
    const started = await start(t, run);

    await t.advance(RESTORE_BASE_MS - MINUTE);
    const creating = await check(t, run, started, initial(started));
    await t.advance(2 * MINUTE);
    const active = await check(t, run, started, creating);

    expect(creating).toMatchObject({ status: "CREATING", active: false, activeAt: null, lastNotActiveAt: creating.checkedAt });
    expect(active).toMatchObject({ status: "ACTIVE", active: true, activeAt: active.checkedAt, lastNotActiveAt: creating.checkedAt });
  });

  it("makes the copy unreadable until it is ACTIVE (ResourceNotFoundException, as DynamoDB answers for a table that is not ACTIVE)", async () => {
    const t = healthy(aws);
    await history(t);
    const run = await drillRun(t);
    const started = await start(t, run);

    const early = await verify(t, run, started).catch((e: Error) => e);

    expect(early).toMatchObject({ name: "ResourceNotFoundException" });
  });
});

describe("verify-restore", () => {
  async function restored(t: TestWorld) {
    const h = await history(t);
    const run = await drillRun(t);
    const started = await start(t, run);
    await t.advance(RESTORE_BASE_MS + MINUTE);
    return { ...h, run, started };
  }

  it("passes a copy that holds the table as it was at the restore point: counts equal, nothing later, recent payments identical", async () => {
    const t = healthy(aws);
    const { a, b, c, run, started } = await restored(t);

    const result = await verify(t, run, started);

    expect(result).toMatchObject({
      done: true,
      passed: true,
      problems: [],
      // A and B were acknowledged before the restore point; C after it (in the source only).
      scratch: { total: 2, before: 2, after: 0, boundary: 0, other: 0 },
      source: { total: 3, before: 2, after: 1, boundary: 0, other: 0 },
      // A was written again after the restore point: not compared; B is.
      spotChecks: [{ key: b, result: "identical", differences: [] }],
    });
    // Point-in-time: the copy has A as it was (settled), not its later write; and no C.
    const copy = (key: string) => t.world.dynamodb.get(t.secondary, started.scratchTable, { paymentId: key });
    expect(copy(a)).toMatchObject({ status: "SETTLED" });
    expect(copy(a)?.description).toBeUndefined();
    expect(copy(c)).toBeUndefined();
  });

  it("fails the check when a payment acknowledged before the restore point is missing from the copy", async () => {
    const t = healthy(aws);
    const { b, run, started } = await restored(t);
    t.world.dynamodb.delete(t.secondary, started.scratchTable, { paymentId: b });

    const result = await verify(t, run, started);

    expect(result.passed).toBe(false);
    expect(result.problems).toEqual([
      "1 of 2 payments acknowledged 60 s or more before the restore point are missing from the copy",
      `payment ${b} (acknowledged ${result.spotChecks?.[0].acknowledgedAt}) is missing from the copy`,
    ]);
    expect(result.summary).toMatch(/^1 of 2 payments .* missing/);
  });

  it("fails the check when a restored payment differs from the source, naming the attributes and not their values", async () => {
    const t = healthy(aws);
    const { b, run, started } = await restored(t);
    const copy = t.world.dynamodb.get(t.secondary, started.scratchTable, { paymentId: b });
    t.world.dynamodb.put(t.secondary, started.scratchTable, { ...copy, amount: 99 });

    const result = await verify(t, run, started);

    expect(result).toMatchObject({ passed: false, spotChecks: [{ key: b, result: "different", differences: ["amount"] }] });
    expect(JSON.stringify(result)).not.toContain("order-payment-b");
  });

  it("fails the check when the source holds no payment acknowledged before the restore point (nothing to compare)", async () => {
    const t = healthy(aws);
    await t.advance(10 * MINUTE);
    const run = await drillRun(t);
    const started = await start(t, run);
    await t.advance(RESTORE_BASE_MS + MINUTE);

    const result = await verify(t, run, started);

    expect(result).toMatchObject({ done: true, passed: false });
    expect(result.problems?.[0]).toMatch(/^nothing to compare/);
  });

  it("resumes where the previous invocation stopped when the tables take longer to read than one invocation may", async () => {
    const t = healthy(aws);
    const { run, started } = await restored(t);
    // Each Scan page takes 13 s: one page per invocation (no new page after 12 s).
    t.world.faults.inject({ action: "api-latency", delayMs: 13_000, service: "dynamodb", operations: ["Scan"] });

    const first = await verify(t, run, started);
    const second = await verify(t, run, started, first.progress);

    expect(first).toMatchObject({ done: false, passed: null, progress: { phase: "source", pages: 1, scratch: { total: 2 } } });
    expect(second).toMatchObject({ done: true, passed: true, pages: 2, itemsRead: 5 });
  });
});

describe("delete-scratch-table", () => {
  it("deletes an ACTIVE scratch table, and answers a retry that it is gone", async () => {
    const t = healthy(aws);
    await history(t);
    const run = await drillRun(t);
    const started = await start(t, run);
    await t.advance(RESTORE_BASE_MS + MINUTE);

    const deleted = await cleanup(t, run);
    const retried = await cleanup(t, run);
    await t.advance(5 * MINUTE);
    const later = await cleanup(t, run);

    expect(deleted).toMatchObject({ tableName: started.scratchTable, deleted: true, status: "DELETING" });
    expect(retried).toMatchObject({ deleted: true, status: "DELETING" });
    expect(later).toMatchObject({ deleted: true, status: "NOT_FOUND" });
    expect(t.world.dynamodb.pitr.existing()).toEqual([]);
  });

  it("cannot delete a table still CREATING: says so, with the command to run once it is ACTIVE", async () => {
    const t = healthy(aws);
    await history(t);
    const run = await drillRun(t);
    const started = await start(t, run);

    const result = await cleanup(t, run);

    expect(result).toMatchObject({
      deleted: false,
      status: "CREATING",
      command: `aws dynamodb delete-table --region ${t.secondary} --table-name ${started.scratchTable}`,
    });
  });

  it("reports nothing to delete when no restore started", async () => {
    const t = healthy(aws);
    const run = await drillRun(t);

    await expect(cleanup(t, run)).resolves.toMatchObject({ deleted: true, status: "NOT_FOUND" });
  });
});
