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
import { requireEnv } from "../../../functions/lib/env";
import * as z from "../../../functions/lib/zod";
import { PEER_CALL_TIMEOUTS, drOperationsCredentials } from "../../lib/aws";
import { describeError } from "../../lib/errors";
import { readFenceAlarm } from "../../lib/fence-alarm";
import { createLogger, stepHandler } from "../../lib/handler";
import { runSchema } from "../../lib/run";

const env = requireEnv(["LOCAL_REGION", "SECONDARY_REGION", "FENCE_ALARM_NAME", "DR_OPERATIONS_ROLE_ARN"]);
const secondaryCloudWatch = new CloudWatchClient({
  region: env.SECONDARY_REGION,
  ...(env.SECONDARY_REGION === env.LOCAL_REGION
    ? {}
    : {
        credentials: drOperationsCredentials({ roleArn: env.DR_OPERATIONS_ROLE_ARN, stsRegion: env.LOCAL_REGION, sessionName: "check-fence-alarm" }),
        // A dead secondary must not hold the poll for long: the loop asks again.
        maxAttempts: 2,
        requestHandler: PEER_CALL_TIMEOUTS,
      }),
});
const logger = createLogger("check-fence-alarm");

export const handler = stepHandler("check-fence-alarm", z.object({ run: runSchema }), logger, async () => {
  const base = { alarmName: env.FENCE_ALARM_NAME, region: env.SECONDARY_REGION };
  let alarms;
  try {
    const out = await secondaryCloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [env.FENCE_ALARM_NAME], AlarmTypes: ["MetricAlarm"] }));
    alarms = out.MetricAlarms;
  } catch (error) {
    const message = describeError(error);
    return { ...base, state: null, cleared: false, stateUpdatedAt: null, checkedAt: Date.now(), detail: `unreadable (${message})`, error: message };
  }
  return { ...base, ...readFenceAlarm(alarms, env.FENCE_ALARM_NAME, env.SECONDARY_REGION), checkedAt: Date.now() };
});
