/**
 * The drill's payment check (runbooks/domain/hold-payments.ts): the verdict as a table, the
 * window CloudWatch is asked about, the queries, and that every metric it reads is one
 * create-payment publishes (read from its source, as test/sim/emf-alarms.test.ts does for alarms).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_MAX_FAILURE_PERCENT,
  HOLD_PAYMENT_METRICS,
  holdPaymentQueries,
  holdWindow,
  judgeHoldPayments,
  paymentCheckPolicy,
  sumValues,
  type HoldPaymentCounts,
  type PaymentCheckPolicy,
} from "../../runbooks/domain/hold-payments";

const STRICT: PaymentCheckPolicy = { allowNoTraffic: false, maxFailurePercent: 1 };
const LENIENT: PaymentCheckPolicy = { allowNoTraffic: true, maxFailurePercent: 5 };
const counts = (accepted: number, failed = 0, refused = 0, redirected = 0): HoldPaymentCounts => ({
  accepted,
  failed,
  refused,
  redirected,
});

describe("judgeHoldPayments", () => {
  it.each([
    // [case, counts, policy, passed, basis, error, failurePercent]
    ["payments accepted, none failed", counts(120), STRICT, true, "payments-accepted", null, 0],
    ["one failure in 200 (0.5 %) is under 1 %", counts(199, 1), STRICT, true, "payments-accepted", null, 0.5],
    ["exactly at the threshold passes (1 in 100)", counts(99, 1), STRICT, true, "payments-accepted", null, 1],
    ["over the threshold fails (2 in 100)", counts(98, 2), STRICT, false, "failed", "DrillPaymentsFailedError", 2],
    ["a 503 refusal counts as a failure", counts(98, 0, 2), STRICT, false, "failed", "DrillPaymentsFailedError", 2],
    ["a redirect is not a failure", counts(100, 0, 40, 40), STRICT, true, "payments-accepted", null, 0],
    ["refusals beyond the redirects are failures", counts(90, 0, 15, 5), STRICT, false, "failed", "DrillPaymentsFailedError", 10],
    ["every payment failed", counts(0, 37), STRICT, false, "failed", "DrillPaymentsFailedError", 100],
    [
      "every payment failed, even with a 100 % threshold",
      counts(0, 3),
      { allowNoTraffic: true, maxFailurePercent: 100 },
      false,
      "failed",
      "DrillPaymentsFailedError",
      100,
    ],
    ["no payment at all, strict", counts(0), STRICT, false, "failed", "DrillNoPaymentsError", null],
    ["only redirects: nothing was asked of this region", counts(0, 0, 7, 7), STRICT, false, "failed", "DrillNoPaymentsError", null],
    ["no payment at all, allowed", counts(0), LENIENT, true, "no-traffic-allowed", null, null],
    ["4 % under a 5 % threshold", counts(96, 4), LENIENT, true, "payments-accepted", null, 4],
    [
      "a 0 % threshold fails on a single failure",
      counts(10_000, 1),
      { allowNoTraffic: false, maxFailurePercent: 0 },
      false,
      "failed",
      "DrillPaymentsFailedError",
      0.01,
    ],
  ] as const)("%s", (_, c, policy, passed, basis, error, failurePercent) => {
    const verdict = judgeHoldPayments(c, policy, "us-east-2");
    expect(verdict).toMatchObject({ passed, basis, failurePercent, error: error === null ? null : { name: error } });
    expect(verdict.summary).not.toBe("");
  });

  it("names the region, the figures and the way out in its errors", () => {
    expect(judgeHoldPayments(counts(0), STRICT, "us-east-2").error?.message).toMatch(
      /No payment reached us-east-2 during the hold \(0 accepted, 0 failed \(500\), 0 refused \(503\), 0 redirected\).*paymentCheck\.allowNoTraffic/,
    );
    expect(judgeHoldPayments(counts(0, 12), STRICT, "us-east-2").error?.message).toBe(
      "us-east-2 could not take 12 of 12 payments during the hold (100 %; 0 accepted, 12 failed (500), 0 refused (503), 0 redirected); it accepted none",
    );
    expect(judgeHoldPayments(counts(90, 10), STRICT, "us-east-2").error?.message).toContain("at most 1 % may fail");
  });

  it("rejects figures that cannot be counts", () => {
    expect(() => judgeHoldPayments(counts(-1), STRICT, "us-east-2")).toThrow(/accepted must be a count/);
    expect(() => judgeHoldPayments(counts(Number.NaN), STRICT, "us-east-2")).toThrow(/accepted must be a count/);
    expect(() => judgeHoldPayments(counts(5, 0, 1, 2), STRICT, "us-east-2")).toThrow(/redirected \(2\) cannot exceed refused \(1\)/);
  });
});

describe("paymentCheckPolicy", () => {
  it("is strict by default: a hold without payments fails, at most 1 % may fail", () => {
    expect(paymentCheckPolicy(undefined)).toEqual({ allowNoTraffic: false, maxFailurePercent: DEFAULT_MAX_FAILURE_PERCENT });
    expect(DEFAULT_MAX_FAILURE_PERCENT).toBe(1);
    expect(paymentCheckPolicy({ allowNoTraffic: true })).toEqual({ allowNoTraffic: true, maxFailurePercent: 1 });
    expect(paymentCheckPolicy({ maxFailurePercent: 0 })).toEqual({ allowNoTraffic: false, maxFailurePercent: 0 });
  });
});

describe("holdWindow", () => {
  it("asks CloudWatch from the whole minute the hold started in (as it rounds a start time down) to the check", () => {
    const start = Date.parse("2030-03-04T09:05:42.300Z");
    const now = Date.parse("2030-03-04T09:06:43.000Z");
    expect(holdWindow(start, now)).toEqual({ holdStartedAt: start, from: Date.parse("2030-03-04T09:05:00.000Z"), to: now });
    expect(holdWindow(Date.parse("2030-03-04T09:05:00.000Z"), now).from).toBe(Date.parse("2030-03-04T09:05:00.000Z"));
  });

  it("rejects a hold that did not start before the check", () => {
    expect(() => holdWindow(2000, 1000)).toThrow(RangeError);
    expect(() => holdWindow(1000, 1000)).toThrow(RangeError);
    expect(() => holdWindow(Number.NaN, 1000)).toThrow(RangeError);
  });
});

describe("holdPaymentQueries", () => {
  it("asks for the one-minute Sum of each metric, under the dimensions Powertools writes for create-payment", () => {
    const queries = holdPaymentQueries({ namespace: "PaymentsDR", service: "create-payment", environment: "prod", region: "us-east-2" });
    expect(queries.map((q) => [q.Id, q.MetricStat.Metric.MetricName, q.MetricStat.Period, q.MetricStat.Stat])).toEqual([
      ["accepted", "PaymentAccepted", 60, "Sum"],
      ["failed", "PaymentFailed", 60, "Sum"],
      ["refused", "WriteRefused", 60, "Sum"],
      ["redirected", "WriteRedirected", 60, "Sum"],
    ]);
    for (const q of queries) {
      expect(q.MetricStat.Metric.Namespace).toBe("PaymentsDR");
      expect(q.MetricStat.Metric.Dimensions).toEqual([
        { Name: "service", Value: "create-payment" },
        { Name: "Environment", Value: "prod" },
        { Name: "Region", Value: "us-east-2" },
      ]);
    }
  });

  it("reads only metrics create-payment publishes (its source names each one)", () => {
    const source = readFileSync(join(__dirname, "..", "..", "functions", "create-payment", "index.ts"), "utf8");
    const published = new Set([...source.matchAll(/metrics\.addMetric\("([A-Za-z]+)"/g)].map((m) => m[1]));
    expect(source).toContain('service: "create-payment"');
    for (const name of Object.values(HOLD_PAYMENT_METRICS)) expect([name, published.has(name)]).toEqual([name, true]);
  });
});

describe("sumValues", () => {
  it("adds the per-minute sums; no values (no data in any period) is zero", () => {
    expect(sumValues([3, 0, 4])).toBe(7);
    expect(sumValues([])).toBe(0);
    expect(sumValues(undefined)).toBe(0);
  });
});
