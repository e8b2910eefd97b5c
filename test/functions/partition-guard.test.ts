/**
 * Eventual mode's partition guard (functions/domain/partition-guard.ts): its truth table, row by
 * row, and how often the payment path reads the canary's record. The handler's side (a refused
 * payment writes nothing and is redirected) is in create-payment-partition.test.ts.
 */
import type { ControlTable, ProbeRecord } from "../../lib/control-record";
import { PartitionGuard, partitionDecision, silentProbes, type PartitionContext } from "../../functions/domain/partition-guard";

const PRIMARY = "us-east-1";
const SECONDARY = "us-east-2";
const INTERVAL = 10_000;
const NOW = Date.parse("2030-03-04T09:02:00.000Z");
const ctx: PartitionContext = { region: PRIMARY, peer: SECONDARY, now: NOW, probeIntervalMs: INTERVAL };

/** The canary's record after its latest probe at `checkedAt`: `silent` probes in a row got no answer. */
function record(silent: number, witness: string[] | "unanswered" | "not asked", checkedAt = NOW - 2000): ProbeRecord {
  return {
    pk: `probe#${PRIMARY}#${SECONDARY}`,
    observer: PRIMARY,
    target: SECONDARY,
    lastCheckedAt: checkedAt,
    lastStatus: silent > 0 ? 0 : 200,
    consecutiveFailures: silent,
    lastHealthyAt: checkedAt - silent * INTERVAL,
    lastAnsweredAt: checkedAt - silent * INTERVAL,
    ...(silent > 0 ? { firstFailedAt: checkedAt - (silent - 1) * INTERVAL } : {}),
    ...(witness === "not asked" ? {} : { witnessCheckedAt: checkedAt }),
    ...(Array.isArray(witness) ? { witnessAnswers: witness } : {}),
  };
}

describe("partitionDecision: the truth table", () => {
  it.each([
    // peer answered the latest probe: DNS alone never stops payments
    ["the peer answered, the witness names the peer", true, record(0, [SECONDARY])],
    ["the peer answered, no name server answered", true, record(0, "unanswered")],
    // one missed probe is noise
    ["the peer missed one probe, the witness names the peer", true, record(1, [SECONDARY])],
    // the peer silent for two probes or more
    ["the peer silent, the witness names this region", true, record(3, [PRIMARY])],
    ["the peer silent, the witness names both regions", true, record(3, [PRIMARY, SECONDARY])],
    ["the peer silent, the name servers answered with no witness", true, record(3, [])],
    ["the peer silent, the canary did not ask the witness", true, record(3, "not asked")],
    ["the peer silent, the witness names the peer", false, record(2, [SECONDARY])],
    ["the peer silent, no name server answered", false, record(2, "unanswered")],
    // no usable evidence
    ["no probe record", true, undefined],
    ["a stale record (the canary stopped 31 s ago)", true, record(5, [SECONDARY], NOW - 31_000)],
  ] as const)("%s → allowed: %s", (_, allowed, probe) => {
    expect(partitionDecision(probe, ctx).allowed).toBe(allowed);
  });

  it("redirects to the peer, at once, when the peer is silent and Route 53 names it", () => {
    expect(partitionDecision(record(4, [SECONDARY]), ctx)).toEqual({
      allowed: false,
      reason: "PEER_PROMOTED",
      detail: `${SECONDARY} has not answered 4 probes and Route 53's DNS witness names ${SECONDARY}: ${PRIMARY} may be the cut-off side of a failover`,
      retryAfterSeconds: 0,
      writer: SECONDARY,
    });
  });

  it("refuses with 503 and names no writer when neither the peer nor any name server answers (fail closed)", () => {
    const decision = partitionDecision(record(2, "unanswered"), ctx);

    expect(decision).toMatchObject({ allowed: false, reason: "PEER_AND_WITNESS_UNREACHABLE", retryAfterSeconds: 5 });
    expect(decision).not.toHaveProperty("writer");
  });

  it("uses the record up to three probe intervals old, and not beyond", () => {
    expect(partitionDecision(record(3, [SECONDARY], NOW - 3 * INTERVAL), ctx).allowed).toBe(false);
    expect(partitionDecision(record(3, [SECONDARY], NOW - 3 * INTERVAL - 1), ctx).allowed).toBe(true);
  });

  it("does not count a peer that answers 503 as silent: it is reachable, only failing", () => {
    const failing: ProbeRecord = { ...record(3, [SECONDARY]), lastStatus: 503, lastAnsweredAt: NOW - 2000 };

    expect(silentProbes(failing, INTERVAL)).toBe(0);
    expect(partitionDecision(failing, ctx).allowed).toBe(true);
  });

  it("counts only the probes since the peer's last answer as silent", () => {
    // Four failures: the first two answered 503, the last two got no answer at all.
    const probe: ProbeRecord = { ...record(4, [SECONDARY]), lastAnsweredAt: NOW - 2000 - 2 * INTERVAL };

    expect(silentProbes(probe, INTERVAL)).toBe(2);
  });
});

describe("PartitionGuard: what the payment path reads, and how often", () => {
  function guardReading(results: (ProbeRecord | undefined | Error)[]) {
    let now = NOW;
    const reads: unknown[][] = [];
    const table = {
      getProbe: async (...args: unknown[]) => {
        reads.push(args);
        const next = results.shift();
        if (next instanceof Error) throw next;
        return next;
      },
    } as unknown as ControlTable;
    const guard = new PartitionGuard(table, { region: PRIMARY, peer: SECONDARY, probeIntervalMs: INTERVAL }, 5000, () => now);
    return { guard, reads, advance: (ms: number) => (now += ms) };
  }

  it("reads this region's probe record of the peer, strongly, from the local replica, once per cache bound", async () => {
    const { guard, reads, advance } = guardReading([record(0, [PRIMARY]), record(2, [SECONDARY], NOW + 3000)]);

    expect((await guard.check()).allowed).toBe(true);
    advance(4999);
    expect((await guard.check()).allowed).toBe(true);
    expect(reads).toEqual([[PRIMARY, SECONDARY, { consistentRead: true }]]);

    advance(1);
    expect(await guard.check()).toMatchObject({ allowed: false, reason: "PEER_PROMOTED" });
    expect(reads).toHaveLength(2);
  });

  it("treats an unreadable record as none (allowed), says why, and reads again on the next request", async () => {
    const throttled = Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" });
    const { guard, reads } = guardReading([throttled, record(2, [SECONDARY])]);

    expect(await guard.check()).toMatchObject({ allowed: true, readError: "ProvisionedThroughputExceededException" });
    expect(await guard.check()).toMatchObject({ allowed: false, reason: "PEER_PROMOTED" });
    expect(reads).toHaveLength(2);
  });
});
