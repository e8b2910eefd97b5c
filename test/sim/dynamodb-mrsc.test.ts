/**
 * Multi-Region strongly consistent (MRSC) global tables as the simulated world models them: a
 * write is acknowledged only when a second region (the other replica or the witness) can be
 * reached; conditions and strongly consistent reads see the latest version in any region; a
 * region that reaches neither fails writes and strong reads; writes racing on one item from two
 * regions conflict; eventually consistent reads may lag; a replica cut off catches up when it
 * reaches its quorum again.
 *
 * What this cannot prove: AWS's own error name for an isolated region (undocumented; the
 * simulation answers InternalServerError, a 5xx the SDK retries), nor its real latencies.
 */
import { DynamoDbService } from "../../sim/dynamodb/model";
import { Reachability } from "../../sim/network";

const A = "us-east-1";
const B = "us-east-2";
const W = "us-west-2";
const TABLE = "control-global-test";

function setup() {
  let now = 1_000_000;
  const network = new Reachability([A, B], [W]);
  const db = new DynamoDbService(
    [{ name: TABLE, hashKey: "pk", regions: [A, B], streamEnabled: false, consistency: "STRONG", witness: W }],
    () => now,
    network,
  );
  return { db, network, tick: (ms: number) => (now += ms) };
}

const isolated = /neither another replica nor the witness can be reached/;

describe("MRSC global tables", () => {
  it("acknowledges a write that another replica receives at once, and serves the latest version to a strong read anywhere", () => {
    const { db } = setup();
    db.put(A, TABLE, { pk: "writer", region: A, epoch: 1 });

    expect(db.get(B, TABLE, { pk: "writer" }, true)).toEqual({ pk: "writer", region: A, epoch: 1 });
    expect(db.get(B, TABLE, { pk: "writer" }, false)).toEqual({ pk: "writer", region: A, epoch: 1 });
  });

  it("evaluates a condition against the latest version in any region, so two regions cannot both win the same transition", () => {
    const { db, network, tick } = setup();
    db.seed(TABLE, { pk: "writer", region: A, epoch: 1 }, 0, A);
    network.cut(A, B, { paths: ["replication"] }); // both still reach the witness
    const promote = (region: string) =>
      db.put(region, TABLE, { pk: "writer", region, epoch: 2 }, { expression: "epoch = :e", values: { ":e": 1 } });

    const first = promote(B);
    tick(100);
    const second = promote(A);

    expect(first.ok).toBe(true);
    expect(second.ok).toBe(false);
    expect(db.get(A, TABLE, { pk: "writer" }, true)).toEqual({ pk: "writer", region: B, epoch: 2 });
  });

  it("keeps serving both regions while each reaches the witness (the replicas are cut off from each other)", () => {
    const { db, network, tick } = setup();
    network.cut(A, B, { paths: ["replication"] });

    expect(db.put(A, TABLE, { pk: "p1" }).ok).toBe(true);
    tick(1000);
    expect(db.get(B, TABLE, { pk: "p1" }, true)).toEqual({ pk: "p1" });
    expect(db.put(B, TABLE, { pk: "p1", v: 2 }).ok).toBe(true);
    expect(db.get(A, TABLE, { pk: "p1" }, true)).toEqual({ pk: "p1", v: 2 });
  });

  it("fails writes and strong reads in a region that reaches neither the other replica nor the witness, and serves its stale copy to eventually consistent reads", () => {
    const { db, network, tick } = setup();
    db.put(A, TABLE, { pk: "p1", v: 1 });
    network.cut(A, B, { paths: ["replication"] });
    network.cut(A, W, { paths: ["replication"] });
    tick(1000);
    db.put(B, TABLE, { pk: "p1", v: 2 });

    expect(() => db.put(A, TABLE, { pk: "p2" })).toThrow(isolated);
    expect(() => db.get(A, TABLE, { pk: "p1" }, true)).toThrow(isolated);
    expect(db.get(A, TABLE, { pk: "p1" }, false)).toEqual({ pk: "p1", v: 1 });
  });

  it("brings a cut-off replica up to date when it reaches its quorum again", () => {
    const { db, network } = setup();
    const healB = network.cut(A, B, { paths: ["replication"] });
    const healW = network.cut(A, W, { paths: ["replication"] });
    db.put(B, TABLE, { pk: "p1", v: 2 });

    healW();
    healB();

    expect(db.get(A, TABLE, { pk: "p1" }, false)).toEqual({ pk: "p1", v: 2 });
  });

  it("delivers a cut-off replica every item it missed, once each, in the order the items were first committed", () => {
    const { db, network, tick } = setup();
    db.seed(TABLE, { pk: "old", v: 0 }, 0, A);
    db.seed(TABLE, { pk: "seeded-behind", v: 1 }, 0, B, [B]); // A never got it
    const arrived: string[] = [];
    db.onChange((c) => {
      if (c.region === A && !c.local) arrived.push(`${JSON.parse(c.key)}=${JSON.stringify(c.new?.v)}`);
    });
    // The first cut is a network change: A still reaches the witness, so it catches up at once.
    const healB = network.cut(A, B, { paths: ["replication"] });
    expect(arrived).toEqual(["seeded-behind=1"]);
    const healW = network.cut(A, W, { paths: ["replication"] });
    db.put(B, TABLE, { pk: "p1", v: 1 });
    tick(1000);
    db.put(B, TABLE, { pk: "p2", v: 1 });
    tick(1000);
    db.put(B, TABLE, { pk: "old", v: 9 }); // committed first, long ago; updated last
    tick(1000);
    db.put(B, TABLE, { pk: "p1", v: 2 }); // updated twice while A was cut off

    healW();
    healB();

    expect(arrived).toEqual(["seeded-behind=1", "old=9", "p1=2", "p2=1"]);
    expect(db.lagging(TABLE)).toEqual([]);
    // Nothing more to deliver: a second catch-up (another network change) sends nothing again.
    network.cut(A, B, { paths: ["replication"] })();
    expect(arrived).toHaveLength(4);
  });

  it("refuses a write to an item another region is writing at that moment (ReplicatedWriteConflictException), and accepts the retry", () => {
    const { db, tick } = setup();
    db.put(A, TABLE, { pk: "lease", holder: "a" });

    expect(() => db.put(B, TABLE, { pk: "lease", holder: "b" })).toThrow(
      expect.objectContaining({ name: "ReplicatedWriteConflictException" }),
    );
    tick(1000);
    expect(db.put(B, TABLE, { pk: "lease", holder: "b" }).ok).toBe(true);
  });

  it("charges a write one round trip to the nearest quorum member: the other replica, or the witness when the replica is cut off", () => {
    const { db, network } = setup();
    const near = db.quorumLatencyMs(A, TABLE);
    network.cut(A, B, { paths: ["replication"] });
    const far = db.quorumLatencyMs(A, TABLE);

    expect(near).toBe(2 * network.latencyMs(A, B));
    expect(far).toBe(2 * network.latencyMs(A, W));
    expect(far).toBeGreaterThan(near);
  });
});
