/**
 * Notify — publishes a run's start, decisions, end and failure to the region's alert topic. The
 * text comes from `composeNotification` (runbooks/domain/notifications.ts); this step only sends it.
 */
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { intEnv } from "../../../lib/env";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { createLogger, stepHandler } from "../../domain/handler";
import { NOTIFY_EVENTS, composeNotification } from "../../domain/notifications";
import { runStateSchema } from "../../domain/steps";
import { awsClient, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";

const env = handlerEnv("notify");
const rpoSeconds = intEnv("RPO_SECONDS", 0);
const rtoSeconds = intEnv("RTO_SECONDS", 0);
const sns = awsClient(SNSClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING);
const logger = createLogger("notify");

export const handler = stepHandler(
  "notify",
  z.object({ event: z.enum(NOTIFY_EVENTS), state: runStateSchema }),
  logger,
  async ({ event, state }) => {
    const n = composeNotification(event, state, { now: Date.now(), environment: env.ENVIRONMENT, rpoSeconds, rtoSeconds });
    const out = await sns.send(
      new PublishCommand({
        TopicArn: env.ALERT_TOPIC_ARN,
        Subject: n.subject,
        Message: n.message,
        MessageAttributes: Object.fromEntries(Object.entries(n.attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }])),
      }),
    );
    return { event, subject: n.subject, messageId: out.MessageId ?? "" };
  },
);
