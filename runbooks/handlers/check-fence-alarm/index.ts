/**
 * CheckFenceAlarm (failback) — one DescribeAlarms of the fence alarm in the SECONDARY region
 * (through the DR operations role when this runs in the primary, as every failback does). The
 * state machine polls this step (bounded) after publishing PrimaryFenced=0 and before it looks
 * at DNS: until the alarm is OK, Route 53's answer for the primary may be its fail-open answer,
 * not a health decision (docs/runbooks.md, failback step 9).
 *
 * A call that fails (the secondary unreachable, throttled) is an answer too — "not cleared yet",
 * reported in the output — so a blip does not fail a failback whose primary is already ACTIVE; the
 * loop's bound decides. A missing alarm is a deployment defect and throws ConfigurationError.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { handlerEnv } from "../../../lib/handlers";
import * as z from "../../../lib/zod";
import { awsClient, PEER_CALL_TUNING, RUNBOOK_CALL_TUNING } from "../../../lib/aws-clients";
import { drOperationsCredentials } from "../../../lib/aws-credentials";
import { describeError } from "../../domain/errors";
import { readFenceAlarm } from "../../domain/fence-alarm";
import { createLogger, stepHandler } from "../../domain/handler";
import { runSchema } from "../../domain/run";
import { ControlTable } from "../../../lib/control-record";
import { documentClient } from "../../domain/dynamodb";
import { leaseKeeper } from "../../domain/lease";

const env = handlerEnv("check-fence-alarm");
// In the other region, through the DR operations role, with the short peer timeouts: a dead
// secondary must not hold the poll for long (the loop asks again).
const secondaryCloudWatch =
  env.SECONDARY_REGION === env.LOCAL_REGION
    ? awsClient(CloudWatchClient, env.LOCAL_REGION, RUNBOOK_CALL_TUNING)
    : awsClient(
        CloudWatchClient,
        env.SECONDARY_REGION,
        PEER_CALL_TUNING,
        drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "check-fence-alarm" }),
      );
const logger = createLogger("check-fence-alarm");

/** Renews this run's DR lease as the step runs (runbooks/domain/lease.ts). */
const lease = leaseKeeper(new ControlTable(documentClient(env.LOCAL_REGION), env.CONTROL_TABLE), "check-fence-alarm");

export const handler = stepHandler(
  "check-fence-alarm",
  z.object({ run: runSchema }),
  logger,
  async () => {
    const base = { alarmName: env.FENCE_ALARM_NAME, region: env.SECONDARY_REGION };
    let alarms;
    try {
      const out = await secondaryCloudWatch.send(
        new DescribeAlarmsCommand({ AlarmNames: [env.FENCE_ALARM_NAME], AlarmTypes: ["MetricAlarm"] }),
      );
      alarms = out.MetricAlarms;
    } catch (error) {
      const message = describeError(error);
      return {
        ...base,
        state: null,
        cleared: false,
        stateUpdatedAt: null,
        checkedAt: Date.now(),
        detail: `unreadable (${message})`,
        error: message,
      };
    }
    return { ...base, ...readFenceAlarm(alarms, env.FENCE_ALARM_NAME, env.SECONDARY_REGION), checkedAt: Date.now() };
  },
  { lease },
);
