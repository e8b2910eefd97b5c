/**
 * Notify — publishes a run's start, decisions, end and failure to the region's alert topic. The
 * text comes from `composeNotification` (runbooks/domain/notifications.ts), or for a run stopped at
 * ValidateInput before it had a validated run, `composeNotStartedNotification`; this step only sends it.
 */
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { createLogger, stepHandler } from "../../domain/handler";
import { NOTIFY_EVENTS, composeNotStartedNotification, composeNotification, type Notification } from "../../domain/notifications";
import { runStateSchema } from "../../domain/steps";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("notify");
const rpoSeconds = intEnv("RPO_SECONDS", 0);
const rtoSeconds = intEnv("RTO_SECONDS", 0);
const sns = awsClient(SNSClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("notify");

/** A run stopped at ValidateInput because its function could not run: no validated run, only the execution's context (NotifyNotStarted). */
const notStartedSchema = z.object({
  execution: z.object({ name: z.string().check(z.minLength(1)), id: z.string().check(z.minLength(1)) }),
  region: z.string().check(z.minLength(1)),
  input: z.unknown(),
  error: z.object({ Error: z.string(), Cause: z.optional(z.string()) }),
});

const inputSchema = z.union([
  z.object({ event: z.enum(NOTIFY_EVENTS), state: runStateSchema }),
  z.object({ notStarted: notStartedSchema }),
]);

export const handler = stepHandler("notify", inputSchema, logger, async (input) => {
  const n: Notification =
    "notStarted" in input
      ? composeNotStartedNotification(input.notStarted, { environment: env.ENVIRONMENT })
      : composeNotification(input.event, input.state, { now: Date.now(), environment: env.ENVIRONMENT, rpoSeconds, rtoSeconds });
  const out = await sns.send(
    new PublishCommand({
      TopicArn: env.ALERT_TOPIC_ARN,
      Subject: n.subject,
      Message: n.message,
      MessageAttributes: Object.fromEntries(Object.entries(n.attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }])),
    }),
  );
  return { event: n.attributes.event, subject: n.subject, messageId: out.MessageId ?? "" };
});
