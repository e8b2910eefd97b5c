import { controlKeys } from "../../lib/control-schema";
import { DEFAULT_OFFLINE_CONFIG } from "../../infra/offline/evaluate";
import { approve, reject, SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { alarmRun, healthy, primaryFencedData, primaryOutage } from "./support/sim";

// autoFailover=false: alarm-started runs assess, notify and wait for a human. The stack is
// evaluated with that setting (AUTO_FAILOVER=false reaches the functions as deployed).
let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack({ config: { ...DEFAULT_OFFLINE_CONFIG, autoFailover: false } }));
}, 60_000);
afterAll(() => aws.dispose());

const alarm = (t: TestWorld, eventId: string) =>
  alarmRun(t, { region: t.secondary, alarm: "peer-health-", subjectRegion: t.primary, eventId });

describe("autoFailover=false: approval gate", () => {
  it("deploys AUTO_FAILOVER=false to the functions that read it", () => {
    const readers = aws.deployment.functions.filter((f) => f.env.AUTO_FAILOVER !== undefined);
    expect(readers.length).toBeGreaterThan(0);
    expect(readers.map((f) => f.env.AUTO_FAILOVER)).toEqual(readers.map(() => "false"));
  });

  it("waits for an approval with the token stored for drctl, then proceeds when approved", async () => {
    const t = await primaryOutage(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    const seen: { execution: string; token: string }[] = [];

    const result = await t.execute(SECONDARY, alarm(t, "a1"), {
      approval: async (request) => {
        seen.push(request);
        // While waiting: nothing has changed yet, and on-call has been asked.
        expect(t.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE" });
        expect(t.control(SECONDARY, controlKeys.approval(request.execution))).toMatchObject({ taskToken: request.token });
        expect(t.notifications(SECONDARY).at(-1)?.subject).toContain("APPROVAL NEEDED");
        return approve(request);
      },
    });

    expect(seen).toHaveLength(1);
    expect(result.status).toBe("SUCCEEDED");
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
  });

  it("fails cleanly when rejected: nothing fenced, lease released, failure notified", async () => {
    const t = await primaryOutage(aws);

    const result = await t.execute(t.secondary, alarm(t, "a2"), { approval: reject });

    expect(result).toMatchObject({ status: "FAILED", error: "ApprovalRejectedError" });
    expect(t.regionRecord(t.secondary, t.primary)).toMatchObject({ state: "ACTIVE", epoch: 0 });
    expect(primaryFencedData(t)).toEqual([]);
    expect(t.control(t.secondary, "lease")).toBeUndefined();
    expect(t.notifications(t.secondary).at(-1)?.attributes.event).toBe("failed");
  });

  it("fails with ApprovalTimedOutError when nobody answers", async () => {
    const t = await primaryOutage(aws);

    const result = await t.execute(t.secondary, alarm(t, "a3"));

    expect(result).toMatchObject({ status: "FAILED", error: "ApprovalTimedOutError" });
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "STANDBY" });
    expect(t.control(t.secondary, "lease")).toBeUndefined();
  });

  it("treats a callback without approved=true as a rejection", async () => {
    const t = await primaryOutage(aws);

    const result = await t.execute(t.secondary, alarm(t, "a4"), { approval: async () => ({ approved: false }) });

    expect(result).toMatchObject({ status: "FAILED", error: "ApprovalRejectedError" });
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "STANDBY" });
  });

  it("re-checks the peer when the approval comes: a primary that recovered meanwhile is not fenced (stale approval)", async () => {
    const t = await primaryOutage(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;

    const result = await t.execute(SECONDARY, alarm(t, "a5"), {
      approval: async (request) => {
        // On-call deliberates; the primary comes back and the secondary's canary sees it answer.
        t.world.recover(PRIMARY);
        await t.advance(30_000);
        await t.invoke(SECONDARY, "canary", { offsetSeconds: 0 });
        return approve(request);
      },
    });

    expect(result).toMatchObject({ status: "FAILED", error: "PeerRecoveredError" });
    expect(result.cause).toContain(`${PRIMARY} answered /health healthy`);
    expect(t.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 0 });
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
    expect(primaryFencedData(t).filter((d) => d.value === 1)).toEqual([]); // the canary republishes 0: the primary is ACTIVE
    expect(t.notifications(SECONDARY).at(-1)?.attributes.event).toBe("failed");
  });

  it("does not gate operator-started runs without requireApproval", async () => {
    const t = healthy(aws);

    const result = await t.execute(t.secondary, { mode: "failover", targetRegion: t.secondary }, { approval: reject });

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).not.toContain("RequestApproval");
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE" });
  });
});
