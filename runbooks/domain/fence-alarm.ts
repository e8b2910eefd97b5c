/**
 * How the failback reads the fence alarm (`primary-fenced-<secondary>-<env>`, the alarm Route 53's
 * primary guard watches). Pure: the check-fence-alarm step hands it what DescribeAlarms returned.
 *
 * Only `OK` clears. While the alarm is not OK the primary's guard is unhealthy, and with the
 * secondary FENCED every failover record is unhealthy: Route 53 then answers PRIMARY by failing
 * open, which says nothing about the fence. `INSUFFICIENT_DATA` is not OK either — the failback
 * has just published a 0, so an alarm without data means that datapoint has not been seen yet.
 */
import { ConfigurationError } from "./errors";

export const ALARM_STATES = ["OK", "ALARM", "INSUFFICIENT_DATA"] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** The fields of DescribeAlarms' `MetricAlarms[]` this reads (declared here to keep the SDK out of the pure code). */
export interface DescribedAlarm {
  AlarmName?: string;
  StateValue?: string;
  StateReason?: string;
  StateUpdatedTimestamp?: Date;
}

export interface FenceAlarmReading {
  state: AlarmState;
  cleared: boolean;
  /** When the alarm entered its current state (epoch ms), if CloudWatch said. */
  stateUpdatedAt: number | null;
  /** One line for the state machine's failure cause and the report. */
  detail: string;
}

/**
 * The reading of exactly one alarm named `alarmName`. Anything else — no such alarm, or a state
 * CloudWatch does not define — is a deployment defect (ConfigurationError), not "not yet": waiting
 * would not fix it.
 */
export function readFenceAlarm(alarms: readonly DescribedAlarm[] | undefined, alarmName: string, region: string): FenceAlarmReading {
  const matching = (alarms ?? []).filter((a) => a.AlarmName === alarmName);
  if (matching.length !== 1) {
    throw new ConfigurationError(
      `DescribeAlarms in ${region} returned ${matching.length} alarms named ${alarmName}; expected exactly the fence alarm Route 53's primary guard watches`,
    );
  }
  const [alarm] = matching;
  const state = ALARM_STATES.find((s) => s === alarm.StateValue);
  if (!state) throw new ConfigurationError(`alarm ${alarmName} in ${region} has the unknown state ${JSON.stringify(alarm.StateValue)}`);
  const stateUpdatedAt = alarm.StateUpdatedTimestamp ? alarm.StateUpdatedTimestamp.getTime() : null;
  const since = stateUpdatedAt === null ? "" : ` since ${new Date(stateUpdatedAt).toISOString()}`;
  const reason = alarm.StateReason ? `: ${alarm.StateReason.slice(0, 200)}` : "";
  return { state, cleared: state === "OK", stateUpdatedAt, detail: `${state}${since}${reason}` };
}
