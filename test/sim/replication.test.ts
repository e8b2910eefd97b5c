/**
 * Global-table replication as the rehearsal simulates it: asynchronous, in write order per link,
 * last-writer-wins per item, paused while a region is down (nothing is lost, it arrives on
 * recovery), and every applied change — local or replicated — reported (the region's stream).
 * A hand-driven scheduler stands in for the virtual clock.
 */
import { DynamoDbService, type Change } from "../../sim/dynamodb/model";
import { Replicator } from "../../sim/dynamodb/replication";

const A = "us-east-1";
const B = "us-east-2";
const TABLE = "payments-global-test";

const OTHER = "dr-control-global-test";

function setup(lagMs = 1000) {
  let now = 1_000_000;
  const timers: { at: number; fn: () => void }[] = [];
  const down = new Set<string>();
  const paused = new Set<string>();
  const lagOf = new Map<string, number>();
  const db = new DynamoDbService(
    [
      { name: TABLE, hashKey: "paymentId", regions: [A, B], streamEnabled: true, consistency: "EVENTUAL" },
      { name: OTHER, hashKey: "pk", regions: [A, B], streamEnabled: false, consistency: "EVENTUAL" },
    ],
    () => now,
  );
  const changes: Change[] = [];
  db.onChange((c) => changes.push(c));
  const latencies: number[] = [];
  const replicator = new Replicator(db, {
    now: () => now,
    after: (ms, fn) => timers.push({ at: now + ms, fn }),
    canDeliver: (from, to) => !down.has(from) && !down.has(to),
    lagMs: (table) => lagOf.get(table) ?? lagMs,
    paused: (table, to) => paused.has(`${table}|${to}`),
    onDelivered: (_f, _t, _table, latency) => latencies.push(latency),
  });
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      timers.sort((x, y) => x.at - y.at);
      const next = timers[0];
      if (!next || next.at > end) break;
      timers.shift();
      now = next.at;
      next.fn();
    }
    now = end;
  };
  return { db, replicator, changes, latencies, advance, down, paused, lagOf, tick: (ms: number) => (now += ms) };
}

describe("replication between the replicas of a global table", () => {
  it("delivers a write to the peer after the link's lag, not before", () => {
    const w = setup(800);
    w.db.put(A, TABLE, { paymentId: "p1", status: "PENDING" });
    w.advance(799);
    expect(w.db.get(B, TABLE, { paymentId: "p1" })).toBeUndefined();
    w.advance(1);
    expect(w.db.get(B, TABLE, { paymentId: "p1" })).toEqual({ paymentId: "p1", status: "PENDING" });
    expect(w.latencies).toEqual([800]);
  });

  it("reports replicated changes to the receiving region's listeners (its stream carries them too)", () => {
    const w = setup();
    w.db.put(A, TABLE, { paymentId: "p1", status: "PENDING" });
    w.advance(1000);
    expect(w.changes.map((c) => [c.region, c.local])).toEqual([
      [A, true],
      [B, false],
    ]);
  });

  it("keeps the newer write when both regions wrote the same item (last writer wins)", () => {
    const w = setup(1000);
    w.db.put(A, TABLE, { paymentId: "p1", v: "from A" });
    w.tick(10);
    w.db.put(B, TABLE, { paymentId: "p1", v: "from B" });
    w.advance(2000);
    expect(w.db.get(A, TABLE, { paymentId: "p1" })).toEqual({ paymentId: "p1", v: "from B" });
    expect(w.db.get(B, TABLE, { paymentId: "p1" })).toEqual({ paymentId: "p1", v: "from B" });
  });

  it("holds the writes of a region that went down and delivers them, in order, when it recovers", () => {
    const w = setup(1000);
    w.db.put(A, TABLE, { paymentId: "p1" });
    w.db.put(A, TABLE, { paymentId: "p2" });
    w.down.add(A);
    w.advance(60_000);
    expect(w.db.get(B, TABLE, { paymentId: "p1" })).toBeUndefined();
    expect(w.replicator.pending(A, B).map((p) => p.key)).toEqual(['"p1"', '"p2"']);
    w.down.delete(A);
    w.replicator.resume();
    w.advance(0);
    expect(w.db.items(B, TABLE).map((i) => i.paymentId)).toEqual(["p1", "p2"]);
    expect(w.replicator.quiescent()).toBe(true);
  });

  it("fails a conditional write against the local replica only (conditions are not global)", () => {
    const w = setup(1000);
    w.db.put(A, TABLE, { paymentId: "p1" });
    const inB = w.db.put(B, TABLE, { paymentId: "p1" }, { expression: "attribute_not_exists(paymentId)" });
    const inA = w.db.put(A, TABLE, { paymentId: "p1" }, { expression: "attribute_not_exists(paymentId)" });
    expect(inB.ok).toBe(true);
    expect(inA.ok).toBe(false);
  });

  it("replicates each table on its own: one table's lag or pause holds back only that table", () => {
    const w = setup(1000);
    w.lagOf.set(TABLE, 90_000);
    w.paused.add(`${OTHER}|${B}`);
    w.db.put(A, TABLE, { paymentId: "p1" });
    w.db.put(A, OTHER, { pk: "heartbeat#us-east-1" });
    w.advance(5_000);

    // The payments table lags 90 s; the control table is paused into B: neither arrived.
    expect(w.db.get(B, TABLE, { paymentId: "p1" })).toBeUndefined();
    expect(w.db.get(B, OTHER, { pk: "heartbeat#us-east-1" })).toBeUndefined();
    expect(w.replicator.pending(A, B, TABLE)).toHaveLength(1);
    expect(w.replicator.pending(A, B, OTHER)).toHaveLength(1);

    w.paused.delete(`${OTHER}|${B}`);
    w.replicator.resume();
    w.advance(1);
    expect(w.db.get(B, OTHER, { pk: "heartbeat#us-east-1" })).toEqual({ pk: "heartbeat#us-east-1" });
    expect(w.db.get(B, TABLE, { paymentId: "p1" })).toBeUndefined();
    w.advance(90_000);
    expect(w.db.get(B, TABLE, { paymentId: "p1" })).toEqual({ paymentId: "p1" });
  });
});
