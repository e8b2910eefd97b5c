import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import { HANDOVER_CACHE_MS } from "../../lib/control-record";
import { controlKeys, HANDOVER_SETTLE_SECONDS, PLANNED_HANDOVER_WINDOW_SECONDS } from "../../lib/control-schema";
import { drMachine, fn } from "../../sim/deployment/deployment";
import type { ApiResult } from "../../functions/domain/http";
import { postPayment } from "../functions/support/events";
import { approve, reject, SimulatedAws, type TestWorld } from "../../sim/testing";
import { stack } from "../support/stack";
import {
  failedOver,
  fenceAlarm,
  healthy,
  heartbeat,
  loopBound,
  onControlChange,
  outputsOf,
  primaryFencedData,
  reportOf,
  runbookCalls,
  witnessAnswer,
} from "./support/sim";

// Eventual mode (dataConsistency: eventual): the failback that proves replication with a sentinel
// before promoting, and waits for the fence alarm. Strong mode's failback is a handover in one
// transition: failback-strong.test.ts.
let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack(EVENTUAL_OFFLINE_OPTIONS));
});
afterAll(() => aws.dispose());

const failback = (t: TestWorld) => ({ mode: "failback", targetRegion: t.primary });
const writeFunction = (t: TestWorld) => t.functionName(t.primary, "create-payment");
const MINUTE = 60_000;
const BODY = { amount: 1050, currency: "EUR", merchantReference: "order-1001", sourceReference: "tok_visa_4242" };

/** PutItem calls (that succeeded) of the control item `pk` (or keys starting with it), through `region`'s endpoint. */
const puts = (t: TestWorld, region: string, pk: (key: string) => boolean) =>
  t
    .calls({ service: "dynamodb", operation: "PutItem", region })
    .filter((c) => c.outcome === "ok" && pk(String((c.input.Item as { pk?: string }).pk)));

const authorityPut = (region: string, state: string) => (c: { input: Record<string, unknown> }) =>
  (c.input.Item as { states?: Record<string, string> }).states?.[region] === state;

describe("failback (manual, in the primary), eventual mode", () => {
  it("fences the secondary, proves replication with a sentinel, restores the primary and returns DNS, then puts the secondary on STANDBY", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;

    const result = await t.execute(PRIMARY, failback(t));

    expect(result.status).toBe("SUCCEEDED");
    // Four transitions of the authority (seeded at epoch 1): announce the handover, fence the secondary, promote the
    // primary, secondary STANDBY.
    expect(t.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 5 });
    await t.advance(5000); // the last transition replicates to the secondary (eventual mode)
    expect(t.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 5 });
    expect(t.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "STANDBY", epoch: 5 });
    expect(primaryFencedData(t).at(-1)).toMatchObject({ value: 0 });
    expect(witnessAnswer(t)).toBe(PRIMARY);
    expect(t.world.route53.servingRegion()).toBe(PRIMARY);
    expect(t.world.lambda.getReserved(PRIMARY, writeFunction(t))).toBe(50);
    expect(t.world.lambda.getTags(PRIMARY, writeFunction(t))).toEqual({});
    expect(t.control(PRIMARY, "lease")).toBeUndefined();

    // The secondary was fenced and the sentinel written through the SECONDARY's replica, in that order.
    const [fence] = puts(t, SECONDARY, (k) => k === "authority").filter(authorityPut(SECONDARY, "FENCED"));
    const [sentinel] = puts(t, SECONDARY, (k) => k.startsWith("sentinel#"));
    const [promote] = puts(t, PRIMARY, (k) => k === "authority").filter(authorityPut(PRIMARY, "ACTIVE"));
    expect(fence && sentinel && promote).toBeTruthy();
    expect(fence.seq).toBeLessThan(sentinel.seq);
    expect(sentinel.seq).toBeLessThan(promote.seq);
    expect(result.states.indexOf("MarkSecondaryStandby")).toBeGreaterThan(result.states.indexOf("RouteAfterDns"));
  });

  it("records the handover to the primary with the fence, and the promotion ends it: the fenced secondary tells clients to retry in 1 s, then redirects", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    // A client of the secondary, every 500 ms from the moment the fence lands there: what its
    // create-payment answers (the function as deployed, with its own cache of the authority).
    const answers: { at: number; status: number; retryAfter?: string }[] = [];
    let stop: (() => void) | undefined;
    onControlChange(
      t,
      (item, { region, local }) =>
        local && region === SECONDARY && item?.pk === "authority" && (item.states as Record<string, string>)[SECONDARY] === "FENCED",
      () => {
        let n = 0;
        stop = t.clock.every(
          500,
          () => {
            n += 1;
            void (
              t.beginInvoke(
                SECONDARY,
                "create-payment",
                postPayment(BODY, `handover-client-${String(n).padStart(4, "0")}`),
              ) as Promise<ApiResult>
            ).then((r) =>
              answers.push({ at: t.now(), status: r.statusCode, retryAfter: r.headers?.["retry-after"] as string | undefined }),
            );
          },
          0,
        );
      },
    );
    const promotionReached: number[] = [];
    onControlChange(
      t,
      (item, { region }) =>
        region === SECONDARY && item?.pk === "authority" && (item.states as Record<string, string>)[PRIMARY] === "ACTIVE",
      () => promotionReached.push(t.now()),
    );

    const result = await t.execute(PRIMARY, failback(t));
    stop?.();

    expect(result.status).toBe("SUCCEEDED");
    // The fence, written through the secondary's replica, carried the handover and its window.
    const [fence] = puts(t, SECONDARY, (k) => k === "authority").filter(authorityPut(SECONDARY, "FENCED"));
    const fenced = fence.input.Item as { updatedAt: string; handover?: { from: string; to: string; until: string } };
    expect(fenced.handover).toMatchObject({ from: SECONDARY, to: PRIMARY });
    // Its window runs from the fence (the transition's own time, up to the put's answer).
    const window = Date.parse(fenced.handover?.until ?? "") - PLANNED_HANDOVER_WINDOW_SECONDS * 1000;
    expect(window).toBeGreaterThanOrEqual(Date.parse(fenced.updatedAt) - 100);
    expect(window).toBeLessThanOrEqual(fence.at);
    // The promotion is the next version: the handover is over, in both replicas.
    const [promote] = puts(t, PRIMARY, (k) => k === "authority").filter(authorityPut(PRIMARY, "ACTIVE"));
    expect(promote.input.Item).not.toHaveProperty("handover");
    expect(t.control(PRIMARY, "authority")).not.toHaveProperty("handover");
    // The secondary refused with Retry-After 1 until the promotion reached its replica, and
    // redirected within the handover cache (1 s) of it; never the 30 s that cost clients 30 s.
    const arrived = promotionReached[0];
    expect(arrived).toBeGreaterThan(fence.at);
    const refusals = answers.filter((a) => a.status === 503);
    expect(refusals.length).toBeGreaterThan(5);
    expect(refusals.every((a) => a.retryAfter === "1")).toBe(true);
    expect(refusals.every((a) => a.at <= arrived + HANDOVER_CACHE_MS)).toBe(true);
    const firstRedirect = answers.find((a) => a.status === 307);
    expect(firstRedirect?.at).toBeLessThanOrEqual(arrived + HANDOVER_CACHE_MS + 500);
    expect(answers.filter((a) => a.at > arrived + HANDOVER_CACHE_MS).every((a) => a.status === 307)).toBe(true);
    expect(answers.some((a) => a.status === 202)).toBe(false);
  });

  it("announces the handover through the secondary's replica the cache bound before fencing it, and writes the sentinel the handover settle (2 s) after the fence", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;

    const result = await t.execute(PRIMARY, failback(t));

    expect(result.status).toBe("SUCCEEDED");
    const authority = puts(t, SECONDARY, (k) => k === "authority");
    // The announcement: a version with the handover to the primary that changes no region's state.
    const [announce] = authority.filter(authorityPut(SECONDARY, "ACTIVE"));
    expect(announce.input.Item).toMatchObject({
      handover: { from: SECONDARY, to: PRIMARY },
      states: { [SECONDARY]: "ACTIVE", [PRIMARY]: "FENCED" },
    });
    const [fence] = authority.filter(authorityPut(SECONDARY, "FENCED"));
    const [sentinel] = puts(t, SECONDARY, (k) => k.startsWith("sentinel#"));
    expect(announce.seq).toBeLessThan(fence.seq);
    const states = drMachine(aws.deployment, PRIMARY).definition.States;
    const announceWaitMs = Number(states.WaitForHandoverToBeSeen.Seconds) * 1000;
    const settleMs = Number(states.WaitForSecondaryWritesToSettle.Seconds) * 1000;
    expect(announceWaitMs).toBe(Number(fn(aws.deployment, SECONDARY, "create-payment").env.REGION_STATE_CACHE_SECONDS) * 1000);
    expect(settleMs).toBe(HANDOVER_SETTLE_SECONDS * 1000);
    expect(HANDOVER_SETTLE_SECONDS).toBe(2);
    expect(fence.at - announce.at).toBeGreaterThanOrEqual(announceWaitMs);
    expect(sentinel.at - fence.at).toBeGreaterThanOrEqual(settleMs);
    expect(result.states.slice(result.states.indexOf("AnnounceHandover"), result.states.indexOf("FenceSecondary") + 1)).toEqual([
      "AnnounceHandover",
      "IsHandoverAnnounced",
      "WaitForHandoverToBeSeen",
      "FenceSecondary",
    ]);
  });

  it("ends the handover when the failback compensates: the secondary is the writer again, with no handover left", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    t.world.setLag(SECONDARY, PRIMARY, 15 * MINUTE);

    const result = await t.execute(PRIMARY, failback(t));

    expect(result).toMatchObject({ status: "FAILED", error: "SentinelNotReplicatedError" });
    const [fence] = puts(t, SECONDARY, (k) => k === "authority").filter(authorityPut(SECONDARY, "FENCED"));
    expect(fence.input.Item).toHaveProperty("handover.to", PRIMARY);
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE" });
    expect(t.control(SECONDARY, "authority")).not.toHaveProperty("handover");
  });

  it("bounds a handover that never completes by its window: the fenced secondary asks for 1 s retries until it closes, then 30 s", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    // The sentinel never arrives and the compensation cannot run: the failback fails after its
    // fence and leaves it (a run that died halfway, as far as the secondary can tell).
    t.world.setLag(SECONDARY, PRIMARY, 15 * MINUTE);
    t.fault({ action: "lambda-invocation-error", function: "compensate", region: PRIMARY });

    const result = await t.execute(PRIMARY, failback(t));

    expect(result).toMatchObject({ status: "FAILED", error: "SentinelNotReplicatedError" });
    const left = t.control(SECONDARY, "authority") as { states: Record<string, string>; handover?: { until: string } };
    expect(left.states).toEqual({ [PRIMARY]: "FENCED", [SECONDARY]: "FENCED" });
    const until = Date.parse(left.handover?.until ?? "");
    expect(until).toBeGreaterThan(t.now());
    const ask = async (key: string) => {
      const r = (await t.invoke(SECONDARY, "create-payment", postPayment(BODY, key))) as ApiResult;
      return [r.statusCode, r.headers?.["retry-after"]];
    };

    expect(await ask("interrupted-0001")).toEqual([503, "1"]);
    await t.advance(until - t.now() + 1);
    // The window closed: the next read of the same version is answered with the ordinary wait.
    await t.advance(HANDOVER_CACHE_MS);
    expect(await ask("interrupted-0002")).toEqual([503, "30"]);
  });

  it("waits for the fence alarm to clear before confirming DNS and marking the secondary STANDBY", async () => {
    // The canaries run: the secondary's keeps republishing PrimaryFenced=1 until the primary's
    // promotion has replicated to its replica, so the alarm (Maximum over 60 s) still reports
    // ALARM for a while after the failback's PrimaryFenced=0.
    const t = await failedOver(aws, { canaries: true });
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    const fence = fenceAlarm(t);
    const cleared: number[] = [];
    t.world.alarms.onTransition((tr) => {
      if (tr.alarm.arn === fence.arn && tr.to === "OK") cleared.push(tr.at);
    });
    const alarmWhenStandby: string[] = [];
    onControlChange(
      t,
      (item, { local }) => local && item?.pk === "authority" && (item.states as Record<string, string>)[SECONDARY] === "STANDBY",
      () => alarmWhenStandby.push(t.world.alarms.state(fence.name, SECONDARY)),
    );

    const result = await t.execute(PRIMARY, failback(t));

    expect(result.status).toBe("SUCCEEDED");
    // The alarm cleared once, at the end of the first period without a 1: the period after the
    // one holding the last PrimaryFenced=1 (the canary's, published before the promotion reached
    // the secondary). That — not a number of checks the test picks — is how long the failback waits.
    const lastFenced = primaryFencedData(t)
      .filter((d) => d.value === 1)
      .at(-1)?.at as number;
    expect(cleared).toEqual([(Math.floor(lastFenced / MINUTE) + 2) * MINUTE]);
    // Every check before that read ALARM, the first after it OK; the failback asked every 10 s.
    const checks = t.calls({ service: "cloudwatch", operation: "DescribeAlarms" });
    const readings = outputsOf(result.record, "CheckFenceAlarm").map((o) => o.steps.fenceAlarm.Payload.state);
    expect(readings).toEqual(checks.map((c) => (c.at < cleared[0] ? "ALARM" : "OK")));
    expect(readings.at(-1)).toBe("OK");
    expect(readings.filter((r) => r === "ALARM").length).toBeGreaterThanOrEqual(Math.floor((cleared[0] - MINUTE - checks[0].at) / 10_000));
    expect(result.states.filter((s) => s === "CheckFenceAlarm")).toHaveLength(readings.length);
    // The alarm was read in the secondary, by name, from the primary's function.
    expect(checks.map((c) => [c.region, c.from, c.caller, c.input.AlarmNames])).toEqual(
      checks.map(() => [SECONDARY, PRIMARY, t.functionName(PRIMARY, "check-fence-alarm"), [fence.name]]),
    );
    // DNS is consulted only after the alarm said OK, and the secondary became STANDBY only then.
    const okCheck = checks.at(-1)?.seq as number;
    // The runbook's own queries: the canaries ask the DNS witness with every probe (the partition guard).
    const canaries = [t.functionName(PRIMARY, "canary"), t.functionName(SECONDARY, "canary")];
    const dnsQueries = runbookCalls(t).filter((c) => c.service === "dns" && !canaries.includes(c.caller as string));
    expect(dnsQueries.length).toBeGreaterThan(0);
    expect(dnsQueries.every((c) => c.seq > okCheck)).toBe(true);
    expect(result.states.indexOf("ConfirmDnsAnswer")).toBeGreaterThan(result.states.lastIndexOf("CheckFenceAlarm"));
    expect(alarmWhenStandby).toEqual(["OK"]);
    expect(witnessAnswer(t)).toBe(PRIMARY);
    expect(t.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
  });

  it("fails with FenceAlarmNotClearedError when the fence alarm never clears, keeping the primary ACTIVE and the secondary FENCED, and notifies", async () => {
    // Replication to the secondary stalls (5 minutes behind), so its replica keeps the primary
    // FENCED and its canary keeps republishing PrimaryFenced=1: the alarm cannot clear.
    const t = await failedOver(aws, { canaries: true });
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    const fence = fenceAlarm(t);
    const attempts = loopBound(t, PRIMARY, "IsFenceAlarmCleared");
    t.world.setLag(PRIMARY, SECONDARY, 5 * MINUTE);

    const result = await t.execute(PRIMARY, failback(t));

    expect(result).toMatchObject({ status: "FAILED", error: "FenceAlarmNotClearedError" });
    expect(result.cause).toContain(`Fence alarm ${fence.name} in ${SECONDARY} was not OK after ${attempts} checks`);
    expect(result.cause).toContain(`${PRIMARY} stays ACTIVE and ${SECONDARY} stays FENCED`);
    expect(result.states.filter((s) => s === "CheckFenceAlarm")).toHaveLength(attempts);
    // No rollback after the promotion, and no STANDBY: exactly one writer, and DNS (failing open: the
    // primary's guard watches the alarm, the FENCED secondary fails its checks) answers it.
    for (const absent of ["ConfirmDnsAnswer", "MarkSecondaryStandby", "CompensateFailback"]) expect(result.states).not.toContain(absent);
    expect(witnessAnswer(t)).toBe(PRIMARY);
    expect(t.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 4 });
    expect(t.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "FENCED", epoch: 4 });
    expect(t.control(PRIMARY, "lease")).toBeUndefined();
    const failure = t.notifications(PRIMARY).find((n) => n.attributes.event === "failed");
    expect(failure?.subject).toContain("FAILED FenceAlarmNotClearedError");
    expect(failure?.message).toContain(`${PRIMARY} ACTIVE (epoch 4)`);
    expect(failure?.message).toContain('"FenceAlarmNotClearedError" in docs/runbooks.md');
    const report = reportOf(t, PRIMARY, result.name);
    expect(report?.outcome).toBe("failed");
    expect(JSON.stringify(report?.timeline)).toContain(`fence alarm ${fence.name} in ${SECONDARY}: ALARM`);
    // The secondary's replica lags on purpose; once replication catches up, both replicas agree.
    t.world.setLag(PRIMARY, SECONDARY, undefined);
    await t.advance(5 * MINUTE);
    for (const replica of [PRIMARY, SECONDARY]) {
      expect(t.regionRecord(replica, PRIMARY)).toMatchObject({ state: "ACTIVE", epoch: 4 });
      expect(t.regionRecord(replica, SECONDARY)).toMatchObject({ state: "FENCED", epoch: 4 });
    }
  });

  it("does not promote the primary while a payment the secondary committed just before the fence is missing there: the client's retry at the primary finds it, even when only the data tables lag", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    // The incident: replication of the data tables (payments, idempotency) is slower than usual
    // (20 s); the control table, where the fence and the sentinel travel, replicates on time.
    // DynamoDB replicates each global table on its own (lib/replication-heartbeat.ts, issue 15).
    for (const table of ["payments", "idempotency"] as const)
      t.fault({ action: "replication-lag", table, from: SECONDARY, to: PRIMARY, lagMs: 20_000 });
    // A payment committed in the secondary just before the failback fences it; its answer never
    // reached the client, which retries the same Idempotency-Key wherever it is sent next.
    const key = "handover-retry-0001";
    const first = (await t.invoke(SECONDARY, "create-payment", postPayment(BODY, key))) as ApiResult;
    expect(first.statusCode).toBe(202);
    const { paymentId } = JSON.parse(first.body) as { paymentId: string };
    // The moment the primary promotes itself (its own replica), is the payment there? And the
    // client's retry at the primary from then on, every 500 ms until it is not told to wait.
    let presentAtPromotion: boolean | undefined;
    const retries: ApiResult[] = [];
    onControlChange(
      t,
      (item, { region, local }) =>
        local && region === PRIMARY && item?.pk === "authority" && (item.states as Record<string, string>)[PRIMARY] === "ACTIVE",
      () => {
        presentAtPromotion = t.item(PRIMARY, "payments", { paymentId }) !== undefined;
        const stop = t.clock.every(
          500,
          () => {
            if (retries.some((r) => r.statusCode !== 503)) return stop();
            void (t.beginInvoke(PRIMARY, "create-payment", postPayment(BODY, key)) as Promise<ApiResult>).then((r) => retries.push(r));
          },
          0,
        );
      },
    );

    const result = await t.execute(PRIMARY, failback(t));

    expect(result.status).toBe("SUCCEEDED");
    expect(presentAtPromotion).toBe(true);
    const answered = retries.find((r) => r.statusCode !== 503);
    expect(answered?.statusCode).toBe(202);
    // The retry answers with the payment the secondary accepted, not a second one made here.
    expect(JSON.parse(answered?.body ?? "{}")).toMatchObject({ paymentId, region: SECONDARY });
  });

  it("fails with SentinelNotReplicatedError when replication to the primary is stuck, and puts the secondary back to ACTIVE", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    // Far longer than the sentinel poll (a minute): as good as stuck for this run.
    t.world.setLag(SECONDARY, PRIMARY, 15 * MINUTE);

    const result = await t.execute(PRIMARY, failback(t));

    expect(result).toMatchObject({ status: "FAILED", error: "SentinelNotReplicatedError" });
    expect(result.states).toContain("CompensateFailback");
    expect(result.states).not.toContain("PromotePrimary");
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 4 });
    expect(t.regionRecord(PRIMARY, PRIMARY)).toMatchObject({ state: "FENCED" });
    expect(t.control(PRIMARY, "lease")).toBeUndefined();
    expect(t.notifications(PRIMARY).find((n) => n.attributes.event === "failed")?.message).toContain("compensation");
  });

  it("refuses before fencing anything when the secondary's heartbeat is stale (ReplicationLagExceededError)", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    // The secondary's canary last wrote its heartbeat ten minutes ago.
    t.seed("control", heartbeat(SECONDARY, t.now() - 10 * MINUTE));

    const result = await t.execute(PRIMARY, failback(t));

    expect(result).toMatchObject({ status: "FAILED", error: "ReplicationLagExceededError" });
    expect(result.states).not.toContain("FenceSecondary");
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
    expect(t.control(PRIMARY, "lease")).toBeUndefined();
  });

  it("waits for an approval when asked to, and changes nothing when it is rejected", async () => {
    const t = await failedOver(aws);
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    const tokens: string[] = [];

    const rejected = await t.execute(
      PRIMARY,
      { ...failback(t), requireApproval: true },
      {
        approval: async (request) => {
          tokens.push(request.token);
          return reject(request);
        },
      },
    );

    expect(rejected).toMatchObject({ status: "FAILED", error: "ApprovalRejectedError" });
    expect(t.regionRecord(PRIMARY, SECONDARY)).toMatchObject({ state: "ACTIVE", epoch: 1 });
    expect(tokens).toHaveLength(1);
    expect(t.control(PRIMARY, controlKeys.approval(rejected.name))).toMatchObject({ taskToken: tokens[0] });

    const approved = await t.execute(PRIMARY, { ...failback(t), requireApproval: true }, { approval: approve });
    expect(approved.status).toBe("SUCCEEDED");
  });

  it("does nothing but report when the primary is already ACTIVE", async () => {
    const t = healthy(aws);

    const result = await t.execute(t.primary, failback(t));

    expect(result.status).toBe("SUCCEEDED");
    expect(result.states).not.toContain("FenceSecondary");
    expect(t.regionRecord(t.primary, t.secondary)).toMatchObject({ state: "STANDBY" });
  });
});
