/**
 * ClearPrimaryFenceMetric (failback) — publishes PrimaryFenced in the SECONDARY region (through
 * the DR operations role): 0 lets the primary's Route 53 health check pass again so DNS returns.
 *
 * The secondary's canary republishes the value from the authority with every probe (0 once the
 * primary is ACTIVE), so this only makes the change immediate. That is why a call that fails — the
 * secondary's CloudWatch unreachable, its region down — is an answer (`publishedAt: null`, the
 * error), not a failure of the run: the failback's writer is restored by then, nothing here could
 * be done by anyone else while the region is down, and the canary does it when the region returns.
 * The fence-alarm loop that follows decides what the run can confirm.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { awsClient, PEER_CALL_TUNING, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";
import { drOperationsCredentials } from "../../../lib/aws-credentials";
import { describeError } from "../../domain/errors";
import { createLogger, stepHandler } from "../../domain/handler";
import { primaryFencedDatum } from "../../domain/metrics";
import { runSchema } from "../../domain/run";
import { ControlTable } from "../../../lib/control-record";
import { documentClient } from "../../domain/dynamodb";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("publish-fence-metric");
const secondaryCloudWatch =
  env.SECONDARY_REGION === env.LOCAL_REGION
    ? awsClient(CloudWatchClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING)
    : awsClient(
        CloudWatchClient,
        env.SECONDARY_REGION,
        PEER_CALL_TUNING,
        drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "publish-fence-metric" }),
      );
const logger = createLogger("publish-fence-metric");

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE), "publish-fence-metric");

export const handler = stepHandler(
  "publish-fence-metric",
  z.object({ run: runSchema, fenced: z.boolean() }),
  logger,
  async ({ fenced }) => {
    const base = { region: env.SECONDARY_REGION, value: fenced ? 1 : 0 };
    const at = Date.now();
    try {
      await secondaryCloudWatch.send(
        new PutMetricDataCommand({
          Namespace: env.METRIC_NAMESPACE,
          MetricData: [primaryFencedDatum({ environment: env.ENVIRONMENT, fenced, at })],
        }),
      );
    } catch (error) {
      const message = describeError(error);
      logger.warn("PrimaryFenced not published in the secondary; its canary publishes it from the authority", { error: message });
      return { ...base, publishedAt: null, error: message };
    }
    return { ...base, publishedAt: at };
  },
  { lease },
);
