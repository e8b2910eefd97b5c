import { controlKeys } from "../../lib/control-schema";
import { type RunResult, SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { alarmRun, healthy, isRead, regionRecord, runbookCalls } from "./support/sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

/** A run the secondary's peer-health alarm starts (about the primary). */
const peerAlarm = (t: TestWorld, eventId: string) =>
  alarmRun(t, { region: t.secondary, alarm: "peer-health-", subjectRegion: t.primary, eventId });

function lease(t: TestWorld, holder: string, mode: string, region: string) {
  const now = t.now();
  return { pk: controlKeys.lease(), holder, mode, region, acquiredAt: now, expiresAt: Math.floor(now / 1000) + 600 };
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
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
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

    const result = await t.execute(SECONDARY, peerAlarm(t, "evt-3"));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).not.toContain("AssessRegions");
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    expect(t.notifications(SECONDARY).at(-1)?.subject).toContain("suppressed");
  });

  it("records an automatic run so the next one within the interval is suppressed", async () => {
    const t = healthy(aws);
    const SECONDARY = t.secondary;

    const first = await t.execute(SECONDARY, peerAlarm(t, "evt-4"), { name: "auto-1" });
    const again = await t.execute(SECONDARY, peerAlarm(t, "evt-5"), { name: "auto-2" });

    expect(first.states).toContain("PromoteLocalRegion");
    expect(t.control(SECONDARY, controlKeys.automaticRun(SECONDARY))).toMatchObject({ executionName: "auto-1" });
    expect(again.states).not.toContain("AssessRegions");
  });

  it.each([
    ["drill", "drill-1"],
    ["failback", "failback-1"],
  ])("stands an automatic run down quietly while a %s holds the lease", async (mode, holder) => {
    const t = healthy(aws);
    t.seed("control", lease(t, holder, mode, t.secondary));

    const result = await t.execute(t.secondary, peerAlarm(t, "evt-6"));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states.at(-1)).toBe("StandDownDuringOperatorRun");
    expect(t.control(t.secondary, "lease")).toMatchObject({ holder });
    expect(t.notifications()).toEqual([]);
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
    t.seed("control", regionRecord(PRIMARY, "ACTIVE", 2, t.now() - 90_000)); // a failback finished 90 s ago

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
    t.seed("control", regionRecord(PRIMARY, "ACTIVE", 0, t.now() - 3_600_000)); // ACTIVE for an hour

    const result = await t.execute(PRIMARY, ownAlarm(t, "evt-7"));

    expect(result.status).toBe("SUCCEEDED");
    expect(t.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "DRAINED", epoch: 0 });
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
