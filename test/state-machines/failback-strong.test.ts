/**
 * Strong mode (the default): a failback is a handover — the primary ACTIVE and the secondary
 * STANDBY in ONE transition of the authority, so there is never a moment when neither region may
 * write, and a primary that dies right after leaves a STANDBY secondary that can take over again.
 */
import { RESTORE_TAG } from "../../runbooks/domain/write-function";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { failedOver, fenceAlarm, onControlChange, primaryFencedData, reportOf, witnessAnswer } from "./support/sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const failback = (t: TestWorld) => ({ mode: "failback", targetRegion: t.primary });

describe("failback (manual, in the primary), strong mode", () => {
  it("hands over in one transition: never a moment with no writer, and DNS returns to the primary", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    expect(aws.deployment.tables.every((table) => table.consistency === "STRONG")).toBe(true);
    const writers: (string | undefined)[] = [];
    t.world.dynamodb.onChange((c) => {
      if (c.table !== t.tables.control || c.key !== JSON.stringify("authority") || !c.local || !c.new) return;
      const states = c.new.states as Record<string, string>;
      writers.push(Object.keys(states).find((r) => states[r] === "ACTIVE"));
    });

    const result = await t.execute(PRIMARY, failback(t));

    expect(result.status).toBe("SUCCEEDED");
    // Every version of the authority written during the failback named a writer: first the
    // secondary (before), then the primary (the handover and after). None named nobody.
    expect(writers.length).toBeGreaterThan(0);
    expect(writers.every((w) => w !== undefined)).toBe(true);
    expect(writers[0]).toBe(PRIMARY); // the handover is the failback's first transition
    // The handover itself: one PutItem that makes the primary ACTIVE and the secondary STANDBY.
    const handover = t
      .calls({ service: "dynamodb", operation: "PutItem" })
      .filter((c) => c.outcome === "ok" && (c.input.Item as { pk?: string }).pk === "authority")[0];
    expect((handover.input.Item as { states: Record<string, string> }).states).toEqual({ [PRIMARY]: "ACTIVE", [SECONDARY]: "STANDBY" });
    expect(String((handover.input.Item as { reason: string }).reason)).toContain("handover");
    // One transition, so nothing is in progress between two: strong mode records no handover window.
    expect(handover.input.Item).not.toHaveProperty("handover");
    // Both replicas agree at once (MRSC): no replication to wait for.
    for (const replica of [PRIMARY, SECONDARY]) {
      expect(t.regionRecord(replica, PRIMARY)).toMatchObject({ state: "ACTIVE" });
      expect(t.regionRecord(replica, SECONDARY)).toMatchObject({ state: "STANDBY" });
    }
    expect(primaryFencedData(t).at(-1)).toMatchObject({ value: 0 });
    expect(witnessAnswer(t)).toBe(PRIMARY);
    expect(t.control(PRIMARY, "lease")).toBeUndefined();
  });

  it("leaves a STANDBY secondary the reconciler fails over to when the primary dies right after the handover", async () => {
    const t = await failedOver(aws, { canaries: true });
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    // The primary fails the moment its handover is written (through whichever replica the step uses).
    onControlChange(
      t,
      (item, { local }) => local && item?.pk === "authority" && (item.states as Record<string, string>)[PRIMARY] === "ACTIVE",
      () => t.world.outage(PRIMARY),
    );

    let diedAt = 0;
    let promotedAt = 0;
    t.world.reachability.onChange((region, up) => {
      if (region === PRIMARY && !up) diedAt = t.now();
    });
    t.world.dynamodb.onChange((c) => {
      const states = c.new?.states as Record<string, string> | undefined;
      if (diedAt && !promotedAt && c.local && c.key === JSON.stringify("authority") && states?.[SECONDARY] === "ACTIVE") promotedAt = c.at;
    });
    // The failback's own execution, stuck in a dead region, ends only by its timeouts: do not wait for it.
    void t.execute(PRIMARY, failback(t)).catch(() => undefined);
    await t.settle(
      new Promise<void>((resolve) => t.world.reachability.onChange((r, up) => r === PRIMARY && !up && resolve())),
      10 * 60_000,
    );
    // The handover was acknowledged, so it is committed (MRSC: durable in a second region — here the
    // witness, as the primary died before its own replica passed it on): a strongly consistent
    // read in the secondary sees it, though its local replica has not caught up yet.
    const committed = t.world.dynamodb.get(SECONDARY, t.tables.control, { pk: "authority" }, true) as { states: Record<string, string> };
    expect(committed.states).toEqual({ [PRIMARY]: "ACTIVE", [SECONDARY]: "STANDBY" });
    // No alarm transition reports this (the secondary's peer-health alarm never left ALARM); the
    // reconciler, after the canary's probes, starts a run that promotes the secondary again.
    await t.advance(3 * 60_000);
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE" });
    const reconciled = t.executions(SECONDARY).filter((e) => e.name.startsWith("reconcile-writer-unreachable-"));
    expect(reconciled.map((e) => e.status)).toContain("SUCCEEDED");
    // Promoted within two minutes of the primary's death: 30 s of failed probes, the stuck failback's
    // lease abandoned after 45 s without an answer, the re-check every 20 s, then the failover.
    expect(diedAt).toBeGreaterThan(0);
    expect(promotedAt - diedAt).toBeGreaterThan(0);
    expect(promotedAt - diedAt).toBeLessThan(120_000);
  });
});

describe("failback: the writer's write function after the promotion", () => {
  it("restores the primary's write function again after promoting, when a racing run stopped it after the first restore", async () => {
    const t = await failedOver(aws);
    const write = t.functionName(t.primary, "create-payment");
    const configured = aws.deployment.functions.find((f) => f.region === t.primary && f.handler === "create-payment")?.reservedConcurrency;
    // What a failover racing this failback does (StopOldPrimaryWrites, eventual mode, where both can
    // run): it stops the primary's write function once the failback's first restore is done.
    onControlChange(
      t,
      (item, { region }) =>
        region === t.primary && item?.pk === "authority" && (item.states as Record<string, string>)[t.primary] === "ACTIVE",
      () => {
        t.world.lambda.tag(t.primary, write, { [RESTORE_TAG]: String(configured) });
        t.world.lambda.setReserved(t.primary, write, 0);
      },
    );

    const result = await t.execute(t.primary, failback(t));

    expect(result.status).toBe("SUCCEEDED");
    expect(t.world.lambda.getReserved(t.primary, write)).toBe(configured);
    const states = result.states;
    expect(states.indexOf("RestoreWriteFunctionAfterPromotion")).toBe(states.indexOf("PromotePrimary") + 1);
  });
});

/**
 * Issue 16's open question: a strong-mode failback whose secondary is dead, or dies during the run.
 * The handover is written through the local replica (MRSC: the quorum is the primary and the witness),
 * so the writer is restored; what must not happen is a run that then fails on steps that need the
 * dead region (the sentinel, the fence metric and alarm in its CloudWatch) and leaves on-call reading
 * FAILED after the failback's goal was reached — or one that claims a clean failback.
 */
describe("failback, strong mode, whose secondary is dead", () => {
  const UNREACHABLE = "failed-back-secondary-unreachable";

  it("hands over through the witness without a sentinel, sees DNS answer the primary, and ends with an outcome that names what is left for when the secondary returns", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    t.world.outage(SECONDARY);
    // Route 53's checkers see the secondary fail (3 × 10 s); its record is unhealthy, and the primary's
    // guard keeps the fence alarm's last known status (ALARM): every record unhealthy, Route 53 fails open.
    await t.advance(60_000);
    expect(witnessAnswer(t)).toBe(PRIMARY);
    const noWriter: number[] = [];
    t.world.dynamodb.onChange((c) => {
      if (c.table !== t.tables.control || c.key !== JSON.stringify("authority") || !c.local || !c.new) return;
      const states = c.new.states as Record<string, string>;
      if (!Object.values(states).includes("ACTIVE")) noWriter.push(c.at);
    });

    const result = await t.execute(PRIMARY, failback(t));

    expect([result.status, result.error]).toEqual(["SUCCEEDED", undefined]);
    // The handover is the proof in strong mode: no sentinel through the dead region.
    expect(result.states).not.toContain("WriteSentinel");
    expect(result.states).toContain("PromotePrimary");
    expect(noWriter).toEqual([]);
    const committed = t.world.dynamodb.get(PRIMARY, t.tables.control, { pk: "authority" }, true) as { states: Record<string, string> };
    expect(committed.states).toEqual({ [PRIMARY]: "ACTIVE", [SECONDARY]: "STANDBY" });
    expect(witnessAnswer(t)).toBe(PRIMARY);
    const report = reportOf(t, PRIMARY, result.name);
    expect(report?.outcome).toBe(UNREACHABLE);
    expect(report?.measurements.rtoSeconds).not.toBeNull();
    const done = t
      .notifications(PRIMARY)
      .filter((n) => n.attributes.execution === result.name)
      .at(-1);
    expect(done?.subject).toContain(UNREACHABLE);
    // What on-call must know: the fence alarm it could not clear, and what clears it.
    expect(done?.message).toContain(fenceAlarm(t).name);
    expect(done?.message).toMatch(/canary/);
    expect(t.control(PRIMARY, "lease")).toBeUndefined();
  });

  it("dies right after the handover: the run ends failed-back-secondary-unreachable, and on its return the secondary's canary clears the fence so DNS answers the primary by health", async () => {
    const t = await failedOver(aws, { canaries: true });
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    onControlChange(
      t,
      (item, { local }) => local && item?.pk === "authority" && (item.states as Record<string, string>)[PRIMARY] === "ACTIVE",
      () => t.world.outage(SECONDARY),
    );

    const result = await t.execute(PRIMARY, failback(t));

    expect([result.status, result.error]).toEqual(["SUCCEEDED", undefined]);
    expect(reportOf(t, PRIMARY, result.name)?.outcome).toBe(UNREACHABLE);
    expect(witnessAnswer(t)).toBe(PRIMARY);
    // The secondary returns; its canary republishes PrimaryFenced from the authority (0: the primary is ACTIVE).
    t.world.recover(SECONDARY);
    await t.advance(3 * 60_000);
    const fence = fenceAlarm(t);
    expect(t.world.alarms.state(fence.name, fence.region)).toBe("OK");
    const guard = t.deployment.healthChecks.find((c) => c.referenceName === "primary-guard");
    expect(guard && t.world.route53.healthy(guard.id)).toBe(true);
    expect(witnessAnswer(t)).toBe(PRIMARY);
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
  });
});
