/**
 * Eventual mode (dataConsistency: eventual): a drill cannot hand over in one transition, so its
 * drain of the primary records the handover to the secondary, and the promotion ends it. Meanwhile
 * the drained primary tells clients to retry in a second, then redirects them once the promotion has
 * replicated to it. Strong mode's drill (one handover transition): drill.test.ts.
 */
import { EVENTUAL_OFFLINE_OPTIONS } from "../support/configs";
import type { ApiResult } from "../../functions/domain/http";
import { HANDOVER_CACHE_MS } from "../../lib/control-record";
import { PLANNED_HANDOVER_WINDOW_SECONDS } from "../../lib/control-schema";
import { drMachine, fn } from "../../sim/deployment/deployment";
import { SimulatedAws } from "../../sim/testing";
import { postPayment } from "../functions/support/events";
import { stack } from "../support/stack";
import { healthy, onControlChange } from "./support/sim";

let aws: SimulatedAws;
beforeAll(async () => {
  aws = SimulatedAws.fromEvaluation(await stack(EVENTUAL_OFFLINE_OPTIONS));
});
afterAll(() => aws.dispose());

const BODY = { amount: 1050, currency: "EUR", merchantReference: "order-1001", sourceReference: "tok_visa_4242" };

describe("drill (in the secondary), eventual mode", () => {
  it("records the handover with the drain and ends it with the promotion: the drained primary asks for 1 s retries, then redirects", async () => {
    const t = healthy(aws, { canaries: true });
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    // A client of the primary, every 500 ms from the moment the drain reaches the primary's replica
    // until shortly after the promotion does.
    const answers: { at: number; status: number; retryAfter?: string }[] = [];
    const promotionReached: number[] = [];
    let stop: (() => void) | undefined;
    onControlChange(
      t,
      (item, { region }) =>
        region === PRIMARY && item?.pk === "authority" && (item.states as Record<string, string>)[PRIMARY] === "DRAINED",
      () => {
        let n = 0;
        stop = t.clock.every(
          500,
          () => {
            n += 1;
            if (promotionReached.length > 0 && t.now() > promotionReached[0] + 3000) return stop?.();
            void (
              t.beginInvoke(
                PRIMARY,
                "create-payment",
                postPayment(BODY, `drill-client-${String(n).padStart(4, "0")}`),
              ) as Promise<ApiResult>
            ).then((r) =>
              answers.push({ at: t.now(), status: r.statusCode, retryAfter: r.headers?.["retry-after"] as string | undefined }),
            );
          },
          0,
        );
      },
    );
    onControlChange(
      t,
      (item, { region }) =>
        region === PRIMARY && item?.pk === "authority" && (item.states as Record<string, string>)[SECONDARY] === "ACTIVE",
      () => promotionReached.push(t.now()),
    );

    // This test is about the handover; no client pays during the hold, so the drill's payment
    // check is told to accept an unproven hold (drill.test.ts tests that check).
    const result = await t.execute(SECONDARY, {
      mode: "drill",
      targetRegion: SECONDARY,
      holdSeconds: 10,
      paymentCheck: { allowNoTraffic: true },
    });
    stop?.();

    expect(result.status).toBe("SUCCEEDED");
    // Since issue 16's ≤ 5 s handover the announcement and the drain go through the primary's own
    // replica (so the primary stops before the settle is counted); the promotion is written here.
    const authorityPuts = t
      .calls({ service: "dynamodb", operation: "PutItem" })
      .filter((c) => c.outcome === "ok" && (c.input.Item as { pk?: string }).pk === "authority");
    const [drain] = authorityPuts.filter((c) => (c.input.Item as { states: Record<string, string> }).states[PRIMARY] === "DRAINED");
    const [promote] = authorityPuts.filter((c) => (c.input.Item as { states: Record<string, string> }).states[SECONDARY] === "ACTIVE");
    const drained = drain.input.Item as { updatedAt: string; handover?: { from: string; to: string; until: string } };
    expect(drained.handover).toMatchObject({ from: PRIMARY, to: SECONDARY });
    expect(Date.parse(drained.handover?.until ?? "") - PLANNED_HANDOVER_WINDOW_SECONDS * 1000).toBeLessThanOrEqual(drain.at);
    expect(promote.input.Item).not.toHaveProperty("handover");
    expect(drain.region).toBe(PRIMARY);
    expect(promote.region).toBe(SECONDARY);
    // The handover was announced (through the primary's replica, no state changed) the cache bound
    // before the drain; the promotion comes at least the handover settle after the drain, and only
    // the sentinel's proof separates the two. Detection is measured after the promotion.
    const [announce] = authorityPuts.filter(
      (c) => (c.input.Item as { handover?: unknown; states: Record<string, string> }).handover && c.seq < drain.seq,
    );
    expect(announce.region).toBe(PRIMARY);
    expect((announce.input.Item as { states: Record<string, string> }).states[PRIMARY]).toBe("ACTIVE");
    const states = drMachine(aws.deployment, SECONDARY).definition.States;
    expect(drain.at - announce.at).toBeGreaterThanOrEqual(Number(states.WaitForDrillHandoverToBeSeen.Seconds) * 1000);
    const settleMs = Number(states.WaitForDrainToSettle.Seconds) * 1000; // the handover settle (HandoverSettleSeconds)
    expect(promote.at - drain.at).toBeGreaterThanOrEqual(settleMs);
    const afterDrain = result.states.slice(result.states.indexOf("DrainPrimary"), result.states.indexOf("PromoteSecondary"));
    expect(afterDrain.slice(0, 3)).toEqual(["DrainPrimary", "WaitForDrainToSettle", "WriteDrillSentinel"]);
    expect(afterDrain.slice(3).every((s) => /DrillSentinel/.test(s))).toBe(true);
    expect(result.states.indexOf("CheckDetection")).toBeGreaterThan(result.states.indexOf("PromoteSecondary"));
    // The drained primary: 503 with Retry-After 1 until the promotion reached it, 307 within the
    // handover cache (1 s) of that; never the 30 s wait, and no payment accepted but on a copy of
    // the authority cached before the drain arrived (the configured bound).
    const arrived = promotionReached[0];
    const refusals = answers.filter((a) => a.status === 503);
    expect(refusals.length).toBeGreaterThan(5);
    expect(refusals.every((a) => a.retryAfter === "1")).toBe(true);
    expect(refusals.every((a) => a.at <= arrived + HANDOVER_CACHE_MS)).toBe(true);
    expect(answers.find((a) => a.status === 307)?.at).toBeLessThanOrEqual(arrived + HANDOVER_CACHE_MS + 500);
    const cacheMs = Number(fn(aws.deployment, PRIMARY, "create-payment").env.REGION_STATE_CACHE_SECONDS) * 1000;
    expect(answers.filter((a) => a.status === 202).every((a) => a.at < (answers[0]?.at ?? 0) + cacheMs)).toBe(true);
  });

  it("does not promote the secondary while a payment the primary committed just before the drain is missing there, even when only the data tables lag: it undrains the primary instead", async () => {
    const t = healthy(aws, { canaries: true });
    const { primary: PRIMARY, secondary: SECONDARY } = t;
    // The incident: as the drill drains the primary, replication of the data tables
    // (payments, idempotency) from it becomes slower than the sentinel's poll allows (90 s); the
    // control table, where the drain and the detection travel, replicates on time. A payment the
    // primary commits just before the drain lost its answer; its client would retry the same
    // Idempotency-Key at the secondary.
    const key = "drill-retry-0001";
    let first: ApiResult | undefined;
    // Just before the drain: the announcement lands in the primary's replica, and the drain follows
    // the cache bound later (WaitForDrillHandoverToBeSeen); the payment is sent 300 ms before that.
    const announceWaitMs = Number(drMachine(aws.deployment, SECONDARY).definition.States.WaitForDrillHandoverToBeSeen.Seconds) * 1000;
    onControlChange(
      t,
      (item, { region, local }) =>
        local &&
        region === PRIMARY &&
        item?.pk === "authority" &&
        item.handover !== undefined &&
        (item.states as Record<string, string>)[PRIMARY] === "ACTIVE",
      () => {
        t.clock.after(announceWaitMs - 300, () => {
          for (const table of ["payments", "idempotency"] as const)
            t.fault({ action: "replication-lag", table, from: PRIMARY, to: SECONDARY, lagMs: 90_000 });
          void (t.beginInvoke(PRIMARY, "create-payment", postPayment(BODY, key)) as Promise<ApiResult>).then((r) => (first = r));
        });
      },
    );
    let promotedWithout: boolean | undefined;
    onControlChange(
      t,
      (item, { region, local }) =>
        local && region === SECONDARY && item?.pk === "authority" && (item.states as Record<string, string>)[SECONDARY] === "ACTIVE",
      () => {
        const { paymentId } = JSON.parse(first?.body ?? "{}") as { paymentId?: string };
        promotedWithout = paymentId === undefined || t.item(SECONDARY, "payments", { paymentId }) === undefined;
      },
    );

    const result = await t.execute(SECONDARY, {
      mode: "drill",
      targetRegion: SECONDARY,
      holdSeconds: 10,
      paymentCheck: { allowNoTraffic: true },
    });

    expect(first?.statusCode).toBe(202);
    // Never promoted over the missing payment: no proof within the sentinel's bound, so the drill
    // fails and its compensation gives the primary its writes back.
    expect(promotedWithout).toBeUndefined();
    expect(result).toMatchObject({ status: "FAILED", error: "SentinelNotReplicatedError" });
    expect(result.states).toContain("CompensateDrill");
    expect(result.states).not.toContain("PromoteSecondary");
    expect(t.regionRecord(SECONDARY, PRIMARY)).toMatchObject({ state: "ACTIVE" });
    expect(t.regionRecord(SECONDARY, SECONDARY)).toMatchObject({ state: "STANDBY" });
  });
});
