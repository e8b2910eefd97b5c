/**
 * Runs interrupted while holding the DR lease (issue 16: "Leases become short and renewable").
 *
 * A run can stop without its failure path: StopExecution by an operator, a States.Runtime error,
 * the execution's timeout, a Lambda failure no Catch covers. Its lease then stays until it
 * expires. A run in the same region (or in a peer whose region still answers) cannot take it over
 * by itself — only the "peer unreachable for 45 s" rule and the operator's --take-over-lease can —
 * so the lease's lifetime is how long automatic failover is blocked. These tests stop a run with
 * StopExecution in the simulated Step Functions and watch what the next run can do.
 *
 * What this cannot prove: AWS's own timing of StopExecution (the simulation stops at once).
 */
import { controlKeys, LEASE_LIFETIME_SECONDS } from "../../lib/control-schema";
import { drMachine } from "../../sim/deployment/deployment";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import type { ExecutionRecord } from "../../sim/stepfunctions/model";
import { stack } from "../support/stack";
import { alarmRun, outputsOf, primaryFencedData, primaryOutage, probe } from "./support/sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

/** Starts `input` in `region` and stops it (StopExecution) as soon as it has entered `state`. */
async function startAndStopAt(t: TestWorld, region: string, name: string, input: unknown, state: string): Promise<ExecutionRecord> {
  const record = t.world.sfn.start(region, drMachine(t.deployment, region).arn, name, JSON.stringify(input));
  await t.until(() => record.states.some((s) => s.name === state));
  t.world.sfn.stop(region, record.executionArn, "OperatorStopped", "stopped by hand");
  await t.until(() => record.status !== "RUNNING");
  return record;
}

describe("a run stopped while it holds the lease", () => {
  it("blocks automatic failover for at most the lease's lifetime: the next automatic run takes the lease and fails over", async () => {
    const t = await primaryOutage(aws);
    // A drill in the secondary is stopped by hand right after it took the lease (its failure path never runs).
    const drill = await startAndStopAt(t, t.secondary, "drill-stopped", { mode: "drill", targetRegion: t.secondary }, "NotifyRunStarted");
    const stoppedAt = t.now();
    expect(drill.status).toBe("ABORTED");
    expect(t.control(t.secondary, controlKeys.lease())).toMatchObject({ holder: "drill-stopped", mode: "drill" });

    // The primary is down; the secondary's peer-health alarm starts an automatic run in the
    // drill's own region, which answers: the 45 s "peer unreachable" rule does not apply.
    const alarm = alarmRun(t, { region: t.secondary, alarm: "peer-health-", subjectRegion: t.primary, eventId: "evt-stopped" });
    const result = await t.execute(t.secondary, alarm, { name: "alarm-after-stop" });

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).toContain("StandDownDuringOperatorRun");
    expect(result.states).toContain("PromoteLocalRegion");
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE" });
    // It got the lease once the stopped drill's lease had lapsed: within the lifetime of the
    // drill's last renewal (its AcquireLease), plus one re-check interval of the standing-down loop.
    const acquired = outputsOf(result.record, "AcquireLease").find((o) => o.steps.lease.Payload.acquired === true);
    expect(acquired?.steps.lease.Payload.holder).toBe("alarm-after-stop");
    const acquiredAt = acquired?.steps.lease.Payload.startedAt as number;
    expect(acquiredAt - stoppedAt).toBeLessThanOrEqual((LEASE_LIFETIME_SECONDS + 20 + 5) * 1000);
    expect(t.control(t.secondary, controlKeys.lease())).toBeUndefined();
  });
});

describe("a live run keeps its lease", () => {
  it("renews it as it goes: at every step of a failover the lease is the run's and has not lapsed", async () => {
    const t = await primaryOutage(aws);
    const seen: { state: string; at: number; holder?: unknown; expiresAt?: unknown }[] = [];
    t.world.sfn.on("state", (record, ev) => {
      if (record.name !== "alarm-keeps-lease" || ev.state?.type !== "Task") return;
      // The lease as the run's own region holds it when the Task is entered, i.e. after the
      // longest gap since the previous renewal (waits, the steps that do not renew).
      const lease = t.control(t.secondary, controlKeys.lease());
      seen.push({ state: ev.state.name, at: t.now(), holder: lease?.holder, expiresAt: lease?.expiresAt });
    });
    const alarm = alarmRun(t, { region: t.secondary, alarm: "peer-health-", subjectRegion: t.primary, eventId: "evt-keeps" });

    const result = await t.execute(t.secondary, alarm, { name: "alarm-keeps-lease" });

    expect(result.status).toBe("SUCCEEDED");
    const held = seen.filter((s) => !["ValidateInput", "AcquireLease"].includes(s.state));
    expect(held.map((s) => s.state)).toEqual(
      expect.arrayContaining(["AssessRegions", "FenceOldPrimary", "PromoteLocalRegion", "ReleaseLease"]),
    );
    for (const s of held) {
      expect({ state: s.state, holder: s.holder }).toEqual({ state: s.state, holder: "alarm-keeps-lease" });
      expect((s.expiresAt as number) * 1000).toBeGreaterThanOrEqual(s.at);
    }
    // Renewed, not merely long-lived: the last renewal was after the first step that renews.
    expect(new Set(held.map((s) => s.expiresAt)).size).toBeGreaterThan(1);
  });

  it("fails closed when another run took the lease while it waited: LeaseLostError, nothing fenced, notified", async () => {
    const t = await primaryOutage(aws);
    const result = await t.execute(
      t.secondary,
      { mode: "failover", targetRegion: t.secondary, requireApproval: true },
      {
        name: "waits-for-approval",
        approval: async () => {
          // Meanwhile an operator's run took the lease over (drctl --take-over-lease) and holds it.
          const now = t.now();
          t.seed("control", {
            pk: controlKeys.lease(),
            holder: "operator-run",
            mode: "failover",
            region: t.secondary,
            acquiredAt: now,
            expiresAt: Math.floor(now / 1000) + LEASE_LIFETIME_SECONDS,
          });
          return { approved: true, approvedBy: "alice@example.com" };
        },
      },
    );

    expect(result).toMatchObject({ status: "FAILED", error: "LeaseLostError" });
    expect(result.cause).toContain("operator-run");
    expect(t.regionRecord(t.secondary, t.primary)).toMatchObject({ state: "ACTIVE", epoch: 0 });
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "STANDBY" });
    expect(primaryFencedData(t)).toEqual([]);
    expect(t.control(t.secondary, controlKeys.lease())).toMatchObject({ holder: "operator-run" });
    expect(t.notifications(t.secondary).at(-1)?.attributes.event).toBe("failed");
  });

  it("takes its lapsed lease again when it resumes after a long approval and nobody else took it, and acts", async () => {
    const t = await primaryOutage(aws);
    let lapsed: unknown;
    const result = await t.execute(
      t.secondary,
      { mode: "failover", targetRegion: t.secondary, requireApproval: true },
      {
        name: "approved-late",
        approval: async () => {
          await t.advance((LEASE_LIFETIME_SECONDS + 60) * 1000);
          const lease = t.control(t.secondary, controlKeys.lease());
          lapsed = lease && (lease.expiresAt as number) * 1000 < t.now();
          return { approved: true, approvedBy: "alice@example.com" };
        },
      },
    );

    expect(lapsed).toBe(true);
    expect(result.status).toBe("SUCCEEDED");
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE" });
    expect(t.control(t.secondary, controlKeys.lease())).toBeUndefined();
  });
});

describe("a lease that is gone", () => {
  it("is taken again by the next step of its run (swept after it lapsed during an approval), which then acts", async () => {
    const t = await primaryOutage(aws);
    const retaken: unknown[] = [];
    t.world.sfn.on("state", (record, ev) => {
      if (record.name === "approved-after-sweep" && ev.state?.name === "StopOldPrimaryWrites")
        retaken.push(t.control(t.secondary, controlKeys.lease()));
    });
    const result = await t.execute(
      t.secondary,
      { mode: "failover", targetRegion: t.secondary, requireApproval: true },
      {
        name: "approved-after-sweep",
        approval: async () => {
          await t.advance((LEASE_LIFETIME_SECONDS + 60) * 1000);
          // The sweeper deletes a lease 5 minutes after it lapsed (strong mode); here, by hand.
          t.world.dynamodb.delete(t.secondary, t.tables.control, { pk: controlKeys.lease() });
          return { approved: true, approvedBy: "alice@example.com" };
        },
      },
    );

    expect(result.status).toBe("SUCCEEDED");
    expect(retaken[0]).toMatchObject({ holder: "approved-after-sweep", mode: "failover", region: t.secondary });
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "ACTIVE" });
  });
});

describe("abandoned-peer takeover with a renewed lease", () => {
  it("does not take over a peer run's lease renewed within 45 s, even when this region's canary got no answer from the peer", async () => {
    const t = await primaryOutage(aws);
    const now = t.now();
    // A failback in the primary took the lease two minutes ago and renewed it 5 s ago (so it is
    // alive, e.g. reaching the witness); this region's canary has had no answer from it for 60 s.
    t.seed("control", {
      pk: controlKeys.lease(),
      holder: "failback-renewing",
      mode: "failback",
      region: t.primary,
      acquiredAt: now - 120_000,
      renewedAt: now - 5_000,
      expiresAt: Math.floor(now / 1000) + LEASE_LIFETIME_SECONDS - 5,
    });
    t.seed("control", { ...probe(t.secondary, t.primary, now - 1000, now - 60_000, 6), lastStatus: 0 }, [t.secondary]);
    const alarm = alarmRun(t, { region: t.secondary, alarm: "peer-health-", subjectRegion: t.primary, eventId: "evt-renewed" });
    const started = t.world.sfn.start(t.secondary, drMachine(t.deployment, t.secondary).arn, "alarm-renewed", JSON.stringify(alarm));

    await t.until(() => started.states.some((s) => s.name === "WaitBeforeLeaseRecheck"));

    const first = outputsOf(started, "AcquireLease")[0].steps.lease.Payload;
    expect(first).toMatchObject({ acquired: false, heldBy: { holder: "failback-renewing" } });
    expect(first.takenOverFrom).toBeUndefined();
    t.world.sfn.stop(t.secondary, started.executionArn);
  });
});
