/**
 * Did the drill's secondary take payments while it held the traffic? (issue 15: "a drill passes
 * only if payments succeed where it moved traffic"). Pure: the `check-hold-payments` step reads
 * the figures from CloudWatch; the window, the queries and the verdict are decided here,
 * table-tested.
 *
 * The evidence is what the payment path itself reported in the drilled region: create-payment's
 * Powertools metrics (functions/create-payment/index.ts), namespace `PaymentsDR`, dimensions
 * `service` (the function), `Environment` and `Region`:
 * - `PaymentAccepted`: a 202 — the payment is in the table;
 * - `PaymentFailed`: a 500 — the payment could not be recorded (e.g. DynamoDB refused the write);
 * - `WriteRefused`: the write guard refused (503, or a 307 to the other region); `WriteRedirected`
 *   counts the 307s among them. While the drill holds traffic here this region is the writer, so
 *   a refusal that is not a redirect (the authority unreadable, or naming no writer) is a payment
 *   the region could not take, and counts against it like a 500. A redirect sends the client to a
 *   writer, so it is reported, not judged.
 * Client errors (400, 409, 422) say nothing about the region and are not read.
 *
 * The verdict: the hold passes when at least one payment was accepted and the payments the region
 * could not take stay at or under `maxFailurePercent` of those it was asked to take. No payment
 * at all proves nothing, and fails the drill (`DrillNoPaymentsError`) unless the drill's input
 * accepts an unproven hold (`allowNoTraffic`, for an account with too little traffic to move in a
 * hold; the report then says the payment path was not proven). Failures with nothing accepted
 * fail whatever the threshold.
 *
 * CloudWatch facts this relies on (GetMetricData,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html):
 * StartTime "less than 15 days ago" is rounded down to the whole minute, EndTime is exclusive,
 * and a period without data is left out of the result (so a sum over the returned values is the
 * count, and no values means none). The query asks for the rounded start itself, so the window the
 * report shows is the one CloudWatch answered for. Metrics published as EMF reach CloudWatch
 * through CloudWatch Logs, which AWS does not bound in time: the last seconds of the hold may not
 * be counted yet, so the figures are a lower bound (the harsher reading for "accepted", and the
 * reason the check runs after the whole hold, not at its start).
 */
import * as z from "../../lib/zod";

/** The payment path's metrics the check reads (create-payment's names). */
export const HOLD_PAYMENT_METRICS = {
  accepted: "PaymentAccepted",
  failed: "PaymentFailed",
  refused: "WriteRefused",
  redirected: "WriteRedirected",
} as const;
export type HoldPaymentMetric = keyof typeof HOLD_PAYMENT_METRICS;

/** Defaults when the drill input does not say: strict (no traffic fails) and at most 1 % failures. */
export const DEFAULT_MAX_FAILURE_PERCENT = 1;

/** The drill input's option (runbooks/domain/run.ts): `"paymentCheck": { "allowNoTraffic": true, "maxFailurePercent": 5 }`. */
export const paymentCheckInputSchema = z.strictObject(
  {
    /** Pass a hold in which no payment reached the drilled region (default false: strict). */
    allowNoTraffic: z.optional(z.boolean()),
    /** The most payments the drilled region may fail to take, in percent of those it was asked to take (default 1). */
    maxFailurePercent: z.optional(z.number().check(z.minimum(0), z.maximum(100))),
  },
  { error: 'must be an object such as {"allowNoTraffic": false, "maxFailurePercent": 1}' },
);
export type PaymentCheckInput = z.infer<typeof paymentCheckInputSchema>;

export interface PaymentCheckPolicy {
  allowNoTraffic: boolean;
  maxFailurePercent: number;
}

export function paymentCheckPolicy(input: PaymentCheckInput | undefined): PaymentCheckPolicy {
  return {
    allowNoTraffic: input?.allowNoTraffic ?? false,
    maxFailurePercent: input?.maxFailurePercent ?? DEFAULT_MAX_FAILURE_PERCENT,
  };
}

export interface HoldPaymentCounts {
  accepted: number;
  failed: number;
  /** Write-guard refusals, redirects included (WriteRefused). */
  refused: number;
  /** Redirects to the other region (WriteRedirected), a subset of `refused`. */
  redirected: number;
}

/** The window the check reads: from the minute the hold started in (CloudWatch rounds down to it) to now. */
export interface HoldWindow {
  /** When the hold started: DNS answered the drilled region. */
  holdStartedAt: number;
  /** The StartTime asked of CloudWatch: holdStartedAt rounded down to the whole minute. */
  from: number;
  /** The EndTime asked (exclusive): when the check ran. */
  to: number;
}

export function holdWindow(holdStartedAt: number, now: number): HoldWindow {
  if (!Number.isFinite(holdStartedAt) || !Number.isFinite(now) || now <= holdStartedAt) {
    throw new RangeError(`the hold must have started before the check: started ${holdStartedAt}, checked ${now}`);
  }
  return { holdStartedAt, from: Math.floor(holdStartedAt / 60_000) * 60_000, to: now };
}

/**
 * The GetMetricData queries: one Sum per metric per minute (Powertools publishes standard
 * resolution), for the write function in this region and environment.
 */
export function holdPaymentQueries(o: { namespace: string; service: string; environment: string; region: string }) {
  const dimensions = [
    { Name: "service", Value: o.service },
    { Name: "Environment", Value: o.environment },
    { Name: "Region", Value: o.region },
  ];
  return (Object.entries(HOLD_PAYMENT_METRICS) as [HoldPaymentMetric, string][]).map(([id, metricName]) => ({
    Id: id,
    MetricStat: { Metric: { Namespace: o.namespace, MetricName: metricName, Dimensions: dimensions }, Period: 60, Stat: "Sum" },
    ReturnData: true,
  }));
}

export interface PaymentCheckError {
  name: "DrillNoPaymentsError" | "DrillPaymentsFailedError";
  message: string;
}

export interface PaymentCheckVerdict {
  passed: boolean;
  /** payments-accepted: proven; no-traffic-allowed: passed unproven, as the input allowed; failed: see error. */
  basis: "payments-accepted" | "no-traffic-allowed" | "failed";
  /** Payments the region could not take: 500s and refusals that were not redirects. */
  unsuccessful: number;
  /** unsuccessful / (accepted + unsuccessful), in percent, two decimals; null with no payment at all. */
  failurePercent: number | null;
  error: PaymentCheckError | null;
  summary: string;
}

const percent = (part: number, whole: number) => Math.round((part / whole) * 10_000) / 100;

export function judgeHoldPayments(counts: HoldPaymentCounts, policy: PaymentCheckPolicy, region: string): PaymentCheckVerdict {
  for (const [k, v] of Object.entries(counts)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${k} must be a count (a non-negative number), got ${v}`);
  }
  if (counts.redirected > counts.refused) {
    throw new RangeError(`redirected (${counts.redirected}) cannot exceed refused (${counts.refused}): every redirect is a refusal`);
  }
  const unsuccessful = counts.failed + (counts.refused - counts.redirected);
  const total = counts.accepted + unsuccessful;
  const figures = `${counts.accepted} accepted, ${counts.failed} failed (500), ${counts.refused - counts.redirected} refused (503), ${counts.redirected} redirected`;
  if (total === 0) {
    if (policy.allowNoTraffic) {
      return {
        passed: true,
        basis: "no-traffic-allowed",
        unsuccessful,
        failurePercent: null,
        error: null,
        summary: `no payment reached ${region} during the hold (${figures}); passed unproven, as the drill input allowed (allowNoTraffic)`,
      };
    }
    return {
      passed: false,
      basis: "failed",
      unsuccessful,
      failurePercent: null,
      error: {
        name: "DrillNoPaymentsError",
        message:
          `No payment reached ${region} during the hold (${figures}): the drill cannot show that ${region} takes payments. ` +
          "Hold while traffic flows, or start the drill with paymentCheck.allowNoTraffic to accept an unproven hold",
      },
      summary: `no payment reached ${region} during the hold (${figures})`,
    };
  }
  const failurePercent = percent(unsuccessful, total);
  if (counts.accepted === 0 || unsuccessful / total > policy.maxFailurePercent / 100) {
    return {
      passed: false,
      basis: "failed",
      unsuccessful,
      failurePercent,
      error: {
        name: "DrillPaymentsFailedError",
        message:
          `${region} could not take ${unsuccessful} of ${total} payments during the hold (${failurePercent} %; ${figures}); ` +
          (counts.accepted === 0 ? "it accepted none" : `at most ${policy.maxFailurePercent} % may fail`),
      },
      summary: `${figures}: ${failurePercent} % could not be taken (at most ${policy.maxFailurePercent} %)`,
    };
  }
  return {
    passed: true,
    basis: "payments-accepted",
    unsuccessful,
    failurePercent,
    error: null,
    summary: `${figures}: ${failurePercent} % could not be taken (at most ${policy.maxFailurePercent} %)`,
  };
}

/** Sums GetMetricData's per-minute values (periods without data are left out: they count as none). */
export function sumValues(values: readonly number[] | undefined): number {
  return (values ?? []).reduce((a, b) => a + b, 0);
}
