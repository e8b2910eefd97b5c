import { controlKeys } from "../../lib/control-schema";
import { RESTORE_TAG } from "../../runbooks/domain/write-function";
import { SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import { tableName } from "../../sim/experiments";
import {
  failedOver,
  fenceAlarm,
  healthy,
  onControlChange,
  authorityWith,
  paymentsDuringHold,
  reportBody,
  reportOf,
  witnessAnswer,
} from "./support/sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack());
});
afterAll(() => aws.dispose());

const MINUTE = 60_000;
/** When the drill's CheckHoldPayments ran. */
const checkedAt = (result: { record: { states: { name: string; at: number }[] } }) =>
  result.record.states.find((s) => s.name === "CheckHoldPayments")?.at ?? Number.NaN;
const drill = (t: TestWorld, extra: Record<string, unknown> = {}) => ({ mode: "drill", targetRegion: t.secondary, ...extra });

/** When the secondary's canary first recorded the primary failing (the probe record's lastCheckedAt). */
function firstFailingProbe(t: TestWorld): { at?: number } {
  const seen: { at?: number } = {};
  t.world.dynamodb.onChange((change) => {
    const item = change.new as { pk?: string; consecutiveFailures?: number; lastCheckedAt?: number } | undefined;
    if (seen.at !== undefined || !change.local || change.table !== t.tables.control) return;
    if (item?.pk === controlKeys.probe(t.secondary, t.primary) && (item.consecutiveFailures ?? 0) > 0) seen.at = item.lastCheckedAt;
  });
  return seen;
}

describe("drill (in the secondary)", () => {
  it("drains the primary, measures detection and DNS, promotes, holds, fails back through the primary's machine and writes the report", async () => {
    // The canaries run: the secondary's detects the drain as it would in a real drill.
    const t = healthy(aws, { canaries: true });
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    const detected = firstFailingProbe(t);
    // Clients pay while the drill holds traffic in the secondary: its check must see them accepted.
    const payments = paymentsDuringHold(t, SECONDARY);

    // A short hold (the old fixture held 0 s). With none, the primary's failback can start within
    // milliseconds of the promotion, read its own replica before the promotion has replicated
    // there (~1 s) and fail fencing the secondary at the epoch it saw (EpochConflictError): it did
    // so here whenever DNS had already shifted at the first check.
    const result = await t.execute(SECONDARY, drill(t, { holdSeconds: 10 }));
    payments.stop();

    expect(result.status).toBe("SUCCEEDED");
    // The failback ran as its own execution in the primary, under the drill's lease.
    expect(t.executions(PRIMARY).map((e) => [e.name, e.status])).toEqual([[`${result.name}-failback`, "SUCCEEDED"]]);
    // Back to normal: the primary serves, the secondary is on standby. Two transitions of the
    // authority, both handovers (strong mode): the drill's drain (primary DRAINED, secondary ACTIVE;
    // PromoteSecondary finds it made) and its failback's (primary ACTIVE, secondary STANDBY;
    // PromotePrimary and MarkSecondaryStandby find it made).
    expect(t.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 2 });
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY", epoch: 2 });
    expect(witnessAnswer(t)).toBe(PRIMARY);
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    expect(t.control(PRIMARY, "lease")).toBeUndefined();

    const report = reportOf(t, SECONDARY, result.name);
    expect(report).toMatchObject({
      outcome: "drill-completed",
      execution: { mode: "drill", status: "SUCCEEDED" },
      evaluation: { passed: true, rto: "pass", rpo: "pass" },
    });
    // Detection is the real canary's: its first failing probe after the drain (the old fixture
    // wrote one 2 s after it; the canary probes every 10 s, so it is up to a probe interval plus
    // /health's region-state cache).
    const drainedAt = Date.parse(report?.measurements.outageStartedAt);
    expect(detected.at).toBeGreaterThan(drainedAt);
    expect(report?.measurements.detectionSeconds).toBe(Math.round(((detected.at as number) - drainedAt) / 100) / 10);
    expect(report?.measurements.dnsShiftSeconds).not.toBeNull();
    expect(report?.measurements.failbackSeconds).not.toBeNull();
    expect(report?.measurements.outageStartBasis).toBe("drain");
    expect(reportBody(t, SECONDARY, result.name, "markdown")).toContain("**Result: PASSED**");
    // The check after the hold read the payments the secondary took: every one it was sent was accepted.
    // (Counted: the answers given before the check read the figures; one still in flight then is not.)
    const answered = payments.before(checkedAt(result));
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every((status) => status === 202)).toBe(true);
    expect(report?.holdPayments).toMatchObject({
      result: "passed",
      region: SECONDARY,
      counts: { accepted: answered.length, failed: 0, refused: 0, redirected: 0 },
    });
    // Read before the failback started, over the hold.
    const states = result.states;
    expect(states.indexOf("CheckHoldPayments")).toBe(states.indexOf("HoldTraffic") + 1);
    expect(states.indexOf("CheckHoldPayments")).toBeLessThan(states.indexOf("StartPrimaryFailback"));
    // The failback wrote its own report in the primary.
    expect(reportOf(t, PRIMARY, `${result.name}-failback`)).toBeDefined();
  });

  /** Where a drill that failed its payment check must leave things: traffic back in the primary, the failure notified and reported. */
  function failedBackThenFailed(t: TestWorld, result: Awaited<ReturnType<TestWorld["execute"]>>, error: string) {
    expect(result).toMatchObject({ status: "FAILED", error });
    // It failed back first: the failback ran and succeeded before the drill's failure path.
    expect(t.executions(t.primary).map((e) => [e.name, e.status])).toEqual([[`${result.name}-failback`, "SUCCEEDED"]]);
    expect(result.states.indexOf("IsPrimaryFailbackDone")).toBeLessThan(result.states.indexOf("NotifyFailure"));
    expect(t.regionRecord(t.primary, t.primary)).toMatchObject({ state: "ACTIVE" });
    expect(t.regionRecord(t.secondary, t.secondary)).toMatchObject({ state: "STANDBY" });
    expect(witnessAnswer(t)).toBe(t.primary);
    expect(t.control(t.secondary, "lease")).toBeUndefined();
    // Notified, and the report says why.
    const notice = t.notifications(t.secondary).at(-1);
    expect(notice?.attributes.event).toBe("failed");
    expect(notice?.message).toContain(error);
    const report = reportOf(t, t.secondary, result.name);
    expect(report).toMatchObject({ execution: { status: "FAILED", error: { name: error } }, evaluation: { passed: false } });
    expect(result.states).not.toContain("ChooseRestoreRehearsal");
    return report;
  }

  it("restores the secondary's write function after promoting it, when an earlier failover toward the primary left it stopped", async () => {
    // A reconciler or manual failover in the primary stops the secondary's create-payment (its
    // StopOldPrimaryWrites); a failback later marks the secondary STANDBY without touching it. The
    // drill then promoted a writer whose every payment was throttled: the hold's check failed.
    const t = healthy(aws, { canaries: true });
    const { secondary: SECONDARY } = t;
    const write = t.functionName(SECONDARY, "create-payment");
    const configured = aws.deployment.functions.find((f) => f.region === SECONDARY && f.handler === "create-payment")?.reservedConcurrency;
    t.world.lambda.tag(SECONDARY, write, { [RESTORE_TAG]: String(configured) });
    t.world.lambda.setReserved(SECONDARY, write, 0);
    const payments = paymentsDuringHold(t, SECONDARY);

    const result = await t.execute(SECONDARY, drill(t, { holdSeconds: 10 }));
    payments.stop();

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states.indexOf("RestoreSecondaryWriteFunction")).toBe(result.states.indexOf("PromoteSecondary") + 1);
    expect(t.world.lambda.getReserved(SECONDARY, write)).toBe(configured);
  });

  it("fails with DrillPaymentsFailedError, after failing back, when the secondary cannot write the payments it is sent during the hold", async () => {
    const t = healthy(aws, { canaries: true });
    const payments = paymentsDuringHold(t, t.secondary);
    // An FIS-style fault: the secondary's payment functions cannot write the payments table.
    const stop = t.fault({
      action: "api-error",
      error: "unavailable",
      service: "dynamodb",
      operations: ["PutItem"],
      region: t.secondary,
      from: t.secondary,
      resource: tableName(t.world, "payments"),
    });

    const result = await t.execute(t.secondary, drill(t, { holdSeconds: 10 }));
    stop();
    payments.stop();

    const answered = payments.before(checkedAt(result));
    expect(answered.length).toBeGreaterThan(0);
    expect(payments.answers.every((a) => a.status === 500)).toBe(true);
    const report = failedBackThenFailed(t, result, "DrillPaymentsFailedError");
    expect(report?.holdPayments).toMatchObject({ result: "failed", counts: { accepted: 0, failed: answered.length } });
    expect(reportBody(t, t.secondary, result.name, "markdown")).toContain("**Result: FAILED**");
  });

  it("fails with DrillNoPaymentsError, after failing back, when no payment reached the secondary during the hold", async () => {
    const t = healthy(aws, { canaries: true });

    const result = await t.execute(t.secondary, drill(t, { holdSeconds: 10 }));

    const report = failedBackThenFailed(t, result, "DrillNoPaymentsError");
    expect(report?.holdPayments).toMatchObject({ result: "failed", counts: { accepted: 0, failed: 0, refused: 0, redirected: 0 } });
  });

  it("passes a hold without payments only when the drill input accepts an unproven hold, and says so", async () => {
    const t = healthy(aws, { canaries: true });

    const result = await t.execute(t.secondary, drill(t, { holdSeconds: 10, paymentCheck: { allowNoTraffic: true } }));

    expect(result.status).toBe("SUCCEEDED");
    const report = reportOf(t, t.secondary, result.name);
    expect(report?.holdPayments).toMatchObject({ result: "unproven", policy: { allowNoTraffic: true } });
    expect(report?.evaluation.notes.join("\n")).toContain("not proven");
  });

  it("fails back, then fails with DrillPaymentsUncheckedError, when the payment figures cannot be read", async () => {
    const t = healthy(aws, { canaries: true });
    const payments = paymentsDuringHold(t, t.secondary);
    const stop = t.fault({
      action: "api-error",
      error: { name: "AccessDeniedException", message: "not authorized to perform: cloudwatch:GetMetricData" },
      service: "cloudwatch",
      operations: ["GetMetricData"],
      region: t.secondary,
    });

    const result = await t.execute(t.secondary, drill(t, { holdSeconds: 10 }));
    stop();
    payments.stop();

    const report = failedBackThenFailed(t, result, "DrillPaymentsUncheckedError");
    expect(result.cause).toContain("AccessDeniedException");
    expect(report?.holdPayments).toMatchObject({ result: "not-checked" });
  });

  it("fails with ReplicaNotReadyError before draining anything when a local replica is not ACTIVE", async () => {
    const t = healthy(aws);
    t.world.dynamodb.replicaStatus.set(`${t.secondary}/${t.tables.control}`, "UPDATING");

    const result = await t.execute(t.secondary, drill(t));

    expect(result).toMatchObject({ status: "FAILED", error: "ReplicaNotReadyError" });
    expect(t.regionRecord(t.secondary, t.primary)).toMatchObject({ state: "ACTIVE", epoch: 0 });
    expect(t.calls({ operation: "PutMetricData" })).toEqual([]);
    expect(result.states).not.toContain("DrainPrimary");
  });

  it("undrains the primary when the drill fails between the drain and the promotion", async () => {
    const t = healthy(aws, { canaries: true });
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    // Someone else moves the secondary's epoch while the drill waits (a write in the secondary, as
    // soon as the drain reaches its replica): the promotion must fail.
    onControlChange(
      t,
      (item, { region }) =>
        region === SECONDARY && item?.pk === "authority" && (item.states as Record<string, string>)[PRIMARY] === "DRAINED",
      // After the drain's write has finished (not from inside it).
      () =>
        t.world.clock.after(1, () => {
          t.world.dynamodb.put(SECONDARY, t.tables.control, {
            ...authorityWith(t, {}, 7, t.now()),
            states: { [PRIMARY]: "DRAINED", [SECONDARY]: "STANDBY" },
          });
        }),
    );

    const result = await t.execute(SECONDARY, drill(t));

    expect(result).toMatchObject({ status: "FAILED", error: "EpochConflictError" });
    expect(result.states).toContain("CompensateDrill");
    // The last transition is not the drill's: compensation leaves the authority alone (that other
    // run's decision stands) — which leaves no writer. Nothing reports that but the reconciler:
    // the primary, alive, restores itself within a couple of minutes; the secondary leaves it to it.
    expect(t.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "DRAINED", epoch: 7 });
    expect(t.control(SECONDARY, "lease")).toBeUndefined();
    await t.advance(3 * MINUTE);
    expect(t.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "ACTIVE" });
    expect(t.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
    const restored = t.executions(PRIMARY).filter((e) => e.name.startsWith("reconcile-no-writer-"));
    expect(restored.map((e) => e.status)).toEqual(["SUCCEEDED"]);
    expect(
      t.executions(SECONDARY).filter((e) => e.name.startsWith("reconcile-") && e.states.some((st) => st.name === "PromoteLocalRegion")),
    ).toEqual([]);
    // DNS answers the primary again once the fence alarm has cleared.
    await t.advance(3 * MINUTE);
    expect(t.world.alarms.state(fenceAlarm(t).name, SECONDARY)).toBe("OK");
    expect(witnessAnswer(t)).toBe(PRIMARY);
  });

  it("refuses a drill while the secondary is already ACTIVE", async () => {
    const t = await failedOver(aws);

    const result = await t.execute(t.secondary, drill(t));

    expect(result).toMatchObject({ status: "FAILED", error: "PreconditionFailedError" });
    expect(t.regionRecord(t.secondary, t.primary)).toMatchObject({ state: "FENCED", epoch: 1 });
  });
});
