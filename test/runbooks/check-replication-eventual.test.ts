import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import { replicationHeartbeatKey } from "../../lib/replication-heartbeat";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { healthy, heartbeats, probe } from "../state-machines/support/sim";
import { stack } from "../support/stack";
import { runFor } from "./support/run-for";

// Eventual mode (MREC): CheckReplication measures the RPO exposure of every table from the peer's
// heartbeat in that table (issue 15). The real handler, in the simulated AWS, under the stack's IAM.
// (Strong mode, exposure 0 by construction: handlers.test.ts.)
let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack(EVENTUAL_OFFLINE_OPTIONS));
});
afterAll(() => aws.dispose());

/** The primary goes dark (the secondary's canary: last healthy 30 s ago, 3 failures since); its heartbeats reached the secondary 32 s ago, or as `per` says. */
function primaryDownWith(t: TestWorld, per: { payments?: number; idempotency?: number } = {}) {
  const now = t.now();
  t.world.outage(t.primary);
  heartbeats(t, t.primary, now - 32_000, { regions: [t.secondary], per });
  t.seed("control", probe(t.secondary, t.primary, now - 1000, now - 30_000, 3), [t.secondary]);
}

describe("check-replication, eventual mode", () => {
  it("measures the payments table's own exposure when only its replication lags: lag-exceeded, every table's figures in the output", async () => {
    const t = healthy(aws);
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    // The control and idempotency tables are current; the payments table's last replicated heartbeat is 90 s older.
    primaryDownWith(t, { payments: t.now() - 122_000 });

    const out = (await t.invoke(t.secondary, "check-replication", { run, enforce: false })) as Record<string, any>;

    // Seen healthy until 30 s ago, the first failing probe 21 s ago (3 failures, 10 s apart): the
    // peer may have written until then, so a table's exposure is its heartbeat's age less 21 s.
    expect(out).toMatchObject({
      consistency: "eventual",
      verdict: "lag-exceeded",
      exposureSeconds: 101,
      peerHeartbeatAgeSeconds: 122,
      exposureByTable: [
        { table: "payments", heartbeatAgeSeconds: 122, exposureSeconds: 101 },
        { table: "idempotency", heartbeatAgeSeconds: 32, exposureSeconds: 11 },
        { table: "control", heartbeatAgeSeconds: 32, exposureSeconds: 11 },
      ],
    });
    expect(out.summary).toContain(`(payments table: ${t.primary}'s heartbeat here is 122 s old)`);
    // Read from the LOCAL replica of each table, under the stack's IAM (a denied read would be "unknown").
    const reads = t
      .calls({ service: "dynamodb", operation: "GetItem", region: t.secondary })
      .filter((c) => c.caller?.includes("check-replication") && c.outcome === "ok")
      .map((c) => c.input as { TableName: string; Key: Record<string, string>; ConsistentRead?: boolean });
    expect(reads).toContainEqual(
      expect.objectContaining({
        TableName: t.tables.payments,
        Key: { paymentId: replicationHeartbeatKey(t.primary) },
        ConsistentRead: true,
      }),
    );
    expect(reads).toContainEqual(
      expect.objectContaining({ TableName: t.tables.idempotency, Key: { id: replicationHeartbeatKey(t.primary) }, ConsistentRead: true }),
    );
    expect(t.world.iam.denials).toEqual([]);
  });

  it("is ok when every table's heartbeat is recent, and its exposure is the worst table's", async () => {
    const t = healthy(aws);
    const run = await runFor(t, t.secondary, { mode: "failover", targetRegion: t.secondary });
    primaryDownWith(t, { idempotency: t.now() - 40_000 });

    await expect(t.invoke(t.secondary, "check-replication", { run, enforce: true })).resolves.toMatchObject({
      verdict: "ok",
      exposureSeconds: 19,
      summary: expect.stringContaining("RPO exposure 19 s (objective 60 s), the idempotency table's"),
    });
  });

  it("enforced, fails with ReplicationLagExceededError naming the table when one table's heartbeat is missing", async () => {
    const t = healthy(aws);
    const run = await runFor(t, t.secondary, { mode: "drill", targetRegion: t.secondary });
    // No heartbeat of the primary in the idempotency table: what a freshly deployed stack has until
    // the canary's first probe. Nothing bounds that table's exposure.
    t.world.dynamodb.delete(t.secondary, t.tables.idempotency, { id: replicationHeartbeatKey(t.primary) });

    await expect(t.invoke(t.secondary, "check-replication", { run, enforce: true })).rejects.toMatchObject({
      name: "ReplicationLagExceededError",
      message: expect.stringContaining(`no heartbeat from ${t.primary} in the local idempotency replica`),
    });
  });
});
