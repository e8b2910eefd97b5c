import { controlKeys } from "../../lib/control-schema";
import { type RunResult, SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { alarmRun, authorityWith, healthy, isRead, loopBound, outputsOf, primaryOutage, probe, runbookCalls } from "./support/sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

/** A run the secondary's peer-health alarm starts (about the primary). */
const peerAlarm = (t: TestWorld, eventId: string) =>
  alarmRun(t, { region: t.secondary, alarm: "peer-health-", subjectRegion: t.primary, eventId });

function lease(t: TestWorld, holder: string, mode: string, region: string, options: { ttlSeconds?: number; acquiredAgoMs?: number } = {}) {
  const now = t.now();
  return {
    pk: controlKeys.lease(),
    holder,
    mode,
    region,
    acquiredAt: now - (options.acquiredAgoMs ?? 0),
    expiresAt: Math.floor(now / 1000) + (options.ttlSeconds ?? 600),
  };
}

describe("one run at a time", () => {
  it("refuses a concurrent second run with LeaseHeldError and leaves the first run's lease alone", async () => {
    const t = healthy(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    let second: RunResult | undefined;
    let whileWaiting: Record<string, unknown> = {};

    // The first run waits for its operator; while it waits, an alarm starts a second run.
    const first = await t.execute(
      SECONDARY,
      { mode: "failover", targetRegion: SECONDARY, requireApproval: true },
      {
        name: "first",
        approval: async () => {
          second = await t.execute(SECONDARY, peerAlarm(t, "evt-2"), { name: "second" });
          whileWaiting = { lease: t.control(SECONDARY, "lease"), secondary: t.regionRecord(SECONDARY, SECONDARY) };
          return { approved: true, approvedBy: "alice@example.com" };
        },
      },
    );

    expect(second).toMatchObject({ status: "FAILED", error: "LeaseHeldError" });
    expect(second?.cause).toContain("held by first");
    expect(second?.states).not.toContain("ReleaseLeaseAfterFailure");
    expect(whileWaiting.lease).toMatchObject({ holder: "first", mode: "failover" });
    expect(whileWaiting.secondary).toMatchObject({ state: "STANDBY" });
    expect(first.status).toBe("SUCCEEDED");
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(t.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "FENCED" });
  });

  it("suppresses an automatic run that comes sooner than MIN_AUTO_INTERVAL_SECONDS after the last one", async () => {
    const t = healthy(aws);
    const SECONDARY = t.secondary;
    t.seed("control", {
      pk: controlKeys.automaticRun(SECONDARY),
      region: SECONDARY,
      executionName: "earlier",
      startedAt: t.now() - 60_000,
    });
    // An automatic run changed the regions since (a last run that changed nothing holds nothing back).
    t.seed("control", {
      ...authorityWith(t, {}, 1, t.now() - 50_000),
      executionId: `arn:aws:states:${SECONDARY}:123456789012:execution:dr-orchestrator-${SECONDARY}-dev:alarm-earlier`,
    });

    const result = await t.execute(SECONDARY, peerAlarm(t, "evt-3"));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).not.toContain("AssessRegions");
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    expect(t.notifications(SECONDARY).at(-1)?.subject).toContain("suppressed");
  });

  it("records an automatic run so the next one within the interval is suppressed", async () => {
    const t = await primaryOutage(aws);
    const SECONDARY = t.secondary;

    const first = await t.execute(SECONDARY, peerAlarm(t, "evt-4"), { name: "alarm-auto-1" });
    const again = await t.execute(SECONDARY, peerAlarm(t, "evt-5"), { name: "alarm-auto-2" });

    expect(first.states).toContain("PromoteLocalRegion");
    expect(t.control(SECONDARY, controlKeys.automaticRun(SECONDARY))).toMatchObject({ executionName: "alarm-auto-1" });
    expect(again.states).not.toContain("AssessRegions");
  });

  it.each([
    ["drill", "drill-1"],
    ["failback", "failback-1"],
  ])("stands an automatic run down while a %s holds the lease: says so once, re-checks, changes nothing", async (mode, holder) => {
    const t = healthy(aws);
    t.seed("control", lease(t, holder, mode, t.secondary, { ttlSeconds: 3600 }));

    const result = await t.execute(t.secondary, peerAlarm(t, "evt-6"));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).toContain("StandDownDuringOperatorRun");
    expect(result.states.at(-1)).toBe("RunStoodDown");
    // Level-triggered: it looked again, within the loop's bound, and never acted.
    const rechecks = result.states.filter((s) => s === "CountLeaseRecheck").length;
    expect(rechecks).toBe(loopBound(t, t.secondary, "IsLeaseRecheckLeft"));
    expect(result.states).not.toContain("AssessRegions");
    expect(t.control(t.secondary, "lease")).toMatchObject({ holder });
    const notes = t.notifications(t.secondary);
    expect(notes.map((n) => n.attributes.event)).toEqual(["stood-down"]);
    expect(notes[0].subject).toContain(`(${mode} ${holder} holds the lease)`);
    expect(notes[0].message).toContain(`--take-over-lease ${holder}`);
  });

  it("acts once the run holding the lease has finished, when its alarm's condition still holds (level-triggered)", async () => {
    const t = await primaryOutage(aws);
    t.seed("control", lease(t, "drill-2", "drill", t.secondary));
    // The drill ends (its lease released) a minute after the alarm run stood down.
    t.world.clock.after(60_000, () => {
      t.world.dynamodb.delete(t.secondary, t.tables.control, { pk: controlKeys.lease() });
    });

    const result = await t.execute(t.secondary, peerAlarm(t, "evt-10"));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).toContain("StandDownDuringOperatorRun");
    expect(result.states).toContain("PromoteLocalRegion");
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE" });
  });

  it("takes over the lease of a run whose region has given no answer for 45 s, and acts", async () => {
    const t = await primaryOutage(aws);
    // A failback in the primary holds the lease; the primary has not answered the secondary's canary for 60 s.
    t.seed("control", lease(t, "failback-9", "failback", t.primary, { acquiredAgoMs: 120_000 }));
    t.seed("control", { ...probe(t.secondary, t.primary, t.now() - 1000, t.now() - 60_000, 6), lastStatus: 0 }, [t.secondary]);

    const result = await t.execute(t.secondary, peerAlarm(t, "evt-11"));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).not.toContain("StandDownDuringOperatorRun");
    expect(result.states).toContain("PromoteLocalRegion");
    expect(outputsOf(result.record, "AcquireLease")[0].steps.lease.Payload).toMatchObject({
      acquired: true,
      takenOverFrom: { holder: "failback-9" },
    });
  });

  it("does not take over the lease of a run whose region still answers, even unhealthy", async () => {
    const t = healthy(aws);
    t.seed("control", lease(t, "failback-8", "failback", t.primary, { ttlSeconds: 3600, acquiredAgoMs: 300_000 }));
    // The primary answers 503 (fenced): alive, its run carries on.
    t.seed(
      "control",
      { ...probe(t.secondary, t.primary, t.now() - 120_000, t.now() - 120_000, 12), lastStatus: 503, lastAnsweredAt: t.now() - 1000 },
      [t.secondary],
    );

    const result = await t.execute(t.secondary, peerAlarm(t, "evt-12"));

    expect(result.states).toContain("StandDownDuringOperatorRun");
    expect(result.states).not.toContain("AssessRegions");
    expect(t.control(t.secondary, "lease")).toMatchObject({ holder: "failback-8" });
  });

  it("lets an operator take over an abandoned lease by naming its holder (drctl --take-over-lease), and only that holder", async () => {
    const t = await primaryOutage(aws);
    t.seed("control", lease(t, "failback-7", "failback", t.primary));

    const wrong = await t.execute(
      t.secondary,
      { mode: "failover", targetRegion: t.secondary, takeOverLease: "failback-6" },
      { name: "wrong" },
    );
    expect(wrong).toMatchObject({ status: "FAILED", error: "LeaseHeldError" });
    expect(t.control(t.secondary, "lease")).toMatchObject({ holder: "failback-7" });

    const right = await t.execute(
      t.secondary,
      { mode: "failover", targetRegion: t.secondary, takeOverLease: "failback-7" },
      { name: "right" },
    );
    expect(right.status).toBe("SUCCEEDED");
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE" });
    expect(t.control(t.secondary, "lease")).toBeUndefined();
  });

  it("fails an automatic run with LeaseHeldError, leaving the lease alone, while another automatic failover holds it", async () => {
    const t = healthy(aws);
    t.seed("control", lease(t, "alarm-x", "failover", t.primary));

    const result = await t.execute(t.secondary, peerAlarm(t, "evt-9"));

    expect(result).toMatchObject({ status: "FAILED", error: "LeaseHeldError" });
    expect(t.control(t.secondary, "lease")).toMatchObject({ holder: "alarm-x" });
  });
});

describe("what a region does with an alarm", () => {
  /** A run the primary's own payment-failures alarm starts (about the primary itself), the alarm having changed state now. */
  const ownAlarm = (t: TestWorld, eventId: string) =>
    alarmRun(t, { region: t.primary, alarm: "payment-failures-", subjectRegion: t.primary, eventId });

  it("does not drain itself on its own alarm when it became ACTIVE moments before (the alarm may judge the time before)", async () => {
    const t = healthy(aws);
    const PRIMARY = t.primary;
    t.seed("control", authorityWith(t, { [PRIMARY]: "ACTIVE" }, 2, t.now() - 90_000)); // a failback finished 90 s ago

    const result = await t.execute(PRIMARY, ownAlarm(t, "evt-8"));

    expect(result.status).toBe("SUCCEEDED");
    expect(t.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(result.states).not.toContain("DrainLocalRegion");
    expect(t.notifications(PRIMARY).find((n) => n.attributes.event === "decision")?.message).toContain(
      "became ACTIVE only 90 s before it fired",
    );
  });

  it("drains itself, and promotes nothing, when its own alarm fires while it is ACTIVE", async () => {
    const t = healthy(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    t.seed("control", authorityWith(t, { [PRIMARY]: "ACTIVE" }, 0, t.now() - 3_600_000)); // ACTIVE for an hour

    const result = await t.execute(PRIMARY, ownAlarm(t, "evt-7"));

    expect(result.status).toBe("SUCCEEDED");
    expect(t.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "DRAINED", epoch: 1 });
    expect(t.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
    expect(result.states).not.toContain("PromoteLocalRegion");
    expect(t.notifications(PRIMARY).find((n) => n.attributes.event === "succeeded")?.message).toContain("drained itself");
  });

  it("only notifies when the peer looks unhealthy from the ACTIVE region", async () => {
    const t = healthy(aws);
    const input = alarmRun(t, { region: t.primary, alarm: "peer-health-", subjectRegion: t.secondary, eventId: "evt-8" });

    const result = await t.execute(t.primary, input);

    expect(result.status).toBe("SUCCEEDED");
    const pkOf = (c: { input: Record<string, unknown> }) => ((c.input.Item ?? c.input.Key) as { pk?: string } | undefined)?.pk ?? "";
    const writes = runbookCalls(t).filter((c) => c.service === "dynamodb" && !isRead(c));
    expect(writes.map(pkOf)).toContain("lease"); // the run did write (its lease): the filter below sees writes
    expect(writes.filter((c) => pkOf(c).startsWith("region#"))).toEqual([]);
    expect(t.notifications(t.primary).find((n) => n.attributes.event === "decision")?.subject).toContain("no-action");
  });
});
