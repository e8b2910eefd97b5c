/**
 * ClearPrimaryFenceMetric (failback) — publishes PrimaryFenced in the SECONDARY region (through
 * the DR operations role): 0 lets the primary's Route 53 health check pass again so DNS returns.
 * The secondary's canary republishes the value from the control record every probe, so this only
 * makes the change immediate.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { drOperationsCredentials } from "../../lib/aws";
import { createLogger, stepHandler } from "../../lib/handler";
import { primaryFencedDatum } from "../../lib/metrics";
import { runSchema } from "../../lib/run";

const env = requireEnv(["LOCAL_REGION", "SECONDARY_REGION", "METRIC_NAMESPACE", "ENVIRONMENT", "DR_OPERATIONS_ROLE_ARN"]);
const secondaryCloudWatch = new CloudWatchClient({
  region: env.SECONDARY_REGION,
  ...(env.SECONDARY_REGION === env.LOCAL_REGION
    ? {}
    : { credentials: drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "publish-fence-metric" }) }),
});
const logger = createLogger("publish-fence-metric");

export const handler = stepHandler("publish-fence-metric", z.object({ run: runSchema, fenced: z.boolean() }), logger, async ({ fenced }) => {
  const publishedAt = Date.now();
  await secondaryCloudWatch.send(
    new PutMetricDataCommand({ Namespace: env.METRIC_NAMESPACE, MetricData: [primaryFencedDatum({ environment: env.ENVIRONMENT, fenced, at: publishedAt })] }),
  );
  return { region: env.SECONDARY_REGION, value: fenced ? 1 : 0, publishedAt };
});
