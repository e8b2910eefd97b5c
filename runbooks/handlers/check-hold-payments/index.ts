/**
 * CheckHoldPayments (drill) — after the hold, before failing back: what did the payment path
 * report in this region (the drilled one) while it held the traffic? One GetMetricData of
 * create-payment's PaymentAccepted, PaymentFailed, WriteRefused and WriteRedirected in this
 * region, over the hold (runbooks/domain/hold-payments.ts decides the window and the verdict).
 *
 * It never throws for a verdict: a failed check is an output (`passed: false` with the error's
 * stable name), because the drill must fail back to the primary first and fail only then
 * (state-machines/drill.asl.json, IsHoldPaymentCheckPassed). A call that keeps failing is a
 * TransientAwsError (retried), then the Task's Catch, which records the check as not done and
 * fails back all the same.
 */
import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from "@aws-sdk/client-cloudwatch";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { createLogger, stepHandler } from "../../domain/handler";
import {
  HOLD_PAYMENT_METRICS,
  holdPaymentQueries,
  holdWindow,
  judgeHoldPayments,
  paymentCheckPolicy,
  sumValues,
  type HoldPaymentCounts,
  type HoldPaymentMetric,
} from "../../domain/hold-payments";
import { runSchema } from "../../domain/run";
import { ControlTable } from "../../../lib/control-record";
import { documentClient } from "../../domain/dynamodb";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("check-hold-payments");
const cloudWatch = awsClient(CloudWatchClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("check-hold-payments");
/** The write function's Powertools `service` dimension: its handler name (functions/create-payment). */
const WRITE_SERVICE = "create-payment";
/** A few minutes of one-minute sums fit in one page; the bound only stops a misbehaving paginator. */
const MAX_PAGES = 20;

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE), "check-hold-payments");

export const handler = stepHandler(
  "check-hold-payments",
  z.object({ run: runSchema, holdStartedAt: z.number() }),
  logger,
  async ({ run, holdStartedAt }) => {
    const window = holdWindow(holdStartedAt, Date.now());
    const queries = holdPaymentQueries({
      namespace: env.METRIC_NAMESPACE,
      service: WRITE_SERVICE,
      environment: env.ENVIRONMENT,
      region: env.LOCAL_REGION,
    });
    const results: MetricDataResult[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(window.from),
          EndTime: new Date(window.to),
          ScanBy: "TimestampAscending",
          NextToken: nextToken,
        }),
      );
      results.push(...(out.MetricDataResults ?? []));
      nextToken = out.NextToken;
      pages += 1;
    } while (nextToken !== undefined && pages < MAX_PAGES);
    if (nextToken !== undefined)
      throw new Error(`GetMetricData still had more after ${MAX_PAGES} pages: the hold's figures would be partial`);
    const counts = Object.fromEntries(
      (Object.keys(HOLD_PAYMENT_METRICS) as HoldPaymentMetric[]).map((id) => [
        id,
        sumValues(results.filter((r) => r.Id === id).flatMap((r) => r.Values ?? [])),
      ]),
    ) as unknown as HoldPaymentCounts;
    const policy = paymentCheckPolicy(run.paymentCheck);
    const verdict = judgeHoldPayments(counts, policy, env.LOCAL_REGION);
    return { checked: true, region: env.LOCAL_REGION, window, counts, policy, ...verdict };
  },
  { lease },
);
