/**
 * Notify — publishes a run's start, decisions, end and failure to the region's alert topic. The
 * text comes from `composeNotification` (runbooks/lib/notifications.ts); this step only sends it.
 */
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { intEnv, requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { createLogger, stepHandler } from "../../lib/handler";
import { NOTIFY_EVENTS, composeNotification } from "../../lib/notifications";
import { runStateSchema } from "../../lib/steps";

const env = requireEnv(["LOCAL_REGION", "ALERT_TOPIC_ARN", "ENVIRONMENT", "RPO_SECONDS", "RTO_SECONDS"]);
const rpoSeconds = intEnv("RPO_SECONDS", 0);
const rtoSeconds = intEnv("RTO_SECONDS", 0);
const sns = new SNSClient({ region: env.LOCAL_REGION });
const logger = createLogger("notify");

export const handler = stepHandler("notify", z.object({ event: z.enum(NOTIFY_EVENTS), state: runStateSchema }), logger, async ({ event, state }) => {
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
});
