/**
 * Deletes dead items from the idempotency and control tables in strong mode, where the tables are
 * DynamoDB multi-Region strongly consistent and "Time to Live (TTL) is not supported"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html).
 * EventBridge Scheduler starts it every minute in each region (infra: PaymentService).
 *
 * Each run reads one segment of a parallel Scan of each table, at most a bounded number of pages,
 * and deletes every item whose expiry passed more than the grace period ago, each delete
 * conditional on that expiry (expiry.ts, sweep.ts). Runs rotate through the segments; the
 * secondary starts half way round. Region records and heartbeats are never touched.
 *
 * Eventual mode keeps TTL and never deploys this function. If it ever ran against eventually
 * consistent tables it would refuse: a conditional delete there sees only this region's replica,
 * and last-writer-wins replication could let it erase an item renewed in the other region.
 *
 * Input: the schedule's `{ "source": "schedule" }`, or `{}` when an operator invokes it.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { DOCUMENT_CLIENT_OPTIONS, WORKER_CALL_TUNING, awsClient } from "../../lib/aws-clients";
import { CONTROL_TABLE_HASH_KEY } from "../../lib/control-schema";
import { handlerEnv } from "../../lib/handlers";
import { PAYMENT_FUNCTIONS } from "../../lib/handlers/payment-functions";
import { createObservability, MetricUnit, withInvocation } from "../../lib/observability";
import { formatProblems, parseWith } from "../../lib/validation";
import * as z from "../../lib/zod";
import {
  controlTarget,
  cutoffSeconds,
  idempotencyTarget,
  MAX_PAGES_PER_RUN,
  PAGE_LIMIT,
  segmentCount,
  segmentFor,
  type SweepTarget,
} from "./expiry";
import { approximateItemCount, dynamoSweepIo } from "./store";
import { type SweepReport, sweepSegment } from "./sweep";

const env = handlerEnv("sweep-expired");
const region = env.LOCAL_REGION;

const obs = createObservability({ service: "sweep-expired", namespace: env.METRIC_NAMESPACE, environment: env.ENVIRONMENT, region });
const { logger, metrics } = obs;
const dynamo = obs.tracer.captureAWSv3Client(awsClient(DynamoDBClient, region, WORKER_CALL_TUNING));
const doc = DynamoDBDocumentClient.from(dynamo, DOCUMENT_CLIENT_OPTIONS);

const TARGETS: SweepTarget[] = [idempotencyTarget(env.IDEMPOTENCY_TABLE), controlTarget(env.CONTROL_TABLE, CONTROL_TABLE_HASH_KEY)];
/** The schedule's period: one segment per table per period. */
const SLOT_MS = { "1 minute": 60_000 }[PAYMENT_FUNCTIONS["sweep-expired"].trigger.rate];
/** No new page is read with less than this left before the Lambda deadline. */
const STOP_WHEN_REMAINING_MS = 10_000;
/** Conditional deletes in flight at once (each an MRSC write: a round trip to the other replica or the witness). */
const DELETE_CONCURRENCY = 10;

const inputSchema = z.nullable(z.optional(z.strictObject({ source: z.optional(z.literal("schedule")) })));
export type SweepInput = z.infer<typeof inputSchema>;

export class InvalidSweepInputError extends Error {
  constructor(detail: string) {
    super(`Invalid sweep input: ${detail}. Expected {} or { "source": "schedule" }`);
    this.name = "InvalidSweepInputError";
  }
}

export class SweepNotApplicableError extends Error {
  constructor(mode: string) {
    super(
      `sweep-expired deletes only from multi-Region strongly consistent tables, but DATA_CONSISTENCY is "${mode}": eventual mode expires these ` +
        "items with TTL, and a conditional delete there sees only this region's replica (last writer wins), so it could erase an item renewed in the other region",
    );
    this.name = "SweepNotApplicableError";
  }
}

export interface SweepResult {
  cutoff: number;
  tables: SweepReport[];
}

export async function handler(event: SweepInput, context?: Context): Promise<SweepResult> {
  return withInvocation(obs, context, async () => {
    const input = parseWith(inputSchema, event);
    if (!input.ok) throw new InvalidSweepInputError(formatProblems(input.problems));
    if (env.DATA_CONSISTENCY !== "strong") throw new SweepNotApplicableError(env.DATA_CONSISTENCY);

    const now = Date.now();
    const cutoff = cutoffSeconds(now);
    const hasTime = () => !context?.getRemainingTimeInMillis || context.getRemainingTimeInMillis() >= STOP_WHEN_REMAINING_MS;
    const tables: SweepReport[] = [];
    for (const target of TARGETS) {
      const totalSegments = segmentCount(await approximateItemCount(dynamo, target.tableName));
      const report = await sweepSegment(target, dynamoSweepIo(doc, target), {
        segment: segmentFor(now, SLOT_MS, totalSegments, region === env.PRIMARY_REGION),
        totalSegments,
        cutoff,
        maxPages: MAX_PAGES_PER_RUN,
        pageLimit: PAGE_LIMIT,
        concurrency: DELETE_CONCURRENCY,
        hasTime,
      });
      tables.push(report);
      metrics.addMetric(
        target.kind === "idempotency" ? "ExpiredIdempotencyRecordsDeleted" : "ExpiredControlItemsDeleted",
        MetricUnit.Count,
        report.deleted,
      );
      // A segment not read to its end means the table outgrew a run's budget until ItemCount catches up.
      if (!report.complete) metrics.addMetric("SweepSegmentsIncomplete", MetricUnit.Count, 1);
    }
    logger.info("sweep finished", { cutoff, tables });
    return { cutoff, tables };
  });
}
