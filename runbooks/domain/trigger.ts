/**
 * From a *CloudWatch Alarm State Change* event to a state-machine start: which region the alarm
 * is about, the deterministic execution name, and the execution input. Pure.
 *
 * Contract with the alarms (infra): an alarm is about the PEER region exactly when one of its
 * metrics carries a `Peer` dimension (the canary's `PeerHealthy` / `PeerHeartbeatAgeSeconds` in the
 * `PaymentsDR` namespace, docs/architecture.md). Every other alarm — Lambda errors, DynamoDB
 * errors, 5xx, the Route 53 health-check alarm in the primary — is about the region it lives in.
 */
import { createHash } from "node:crypto";
import * as z from "../../lib/zod";
import type { ExecutionInput } from "./run";

const metricSchema = z.object({
  metricStat: z.optional(
    z.object({
      metric: z.object({
        namespace: z.optional(z.string()),
        name: z.optional(z.string()),
        dimensions: z.optional(z.record(z.string(), z.string())),
      }),
    }),
  ),
});

export const alarmEventSchema = z.object({
  id: z.string().check(z.minLength(1)),
  "detail-type": z.literal("CloudWatch Alarm State Change"),
  source: z.literal("aws.cloudwatch"),
  region: z.string(),
  time: z.string(),
  resources: z.array(z.string()),
  detail: z.object({
    alarmName: z.string().check(z.minLength(1)),
    state: z.object({ value: z.string(), reason: z.optional(z.string()), timestamp: z.optional(z.string()) }),
    previousState: z.optional(z.object({ value: z.string() })),
    configuration: z.optional(z.object({ metrics: z.optional(z.array(metricSchema)) })),
  }),
});
export type AlarmEvent = z.infer<typeof alarmEventSchema>;

/** The region an alarm is about (see the module comment). */
export function alarmSubjectRegion(event: AlarmEvent, localRegion: string, metricNamespace: string): string {
  for (const m of event.detail.configuration?.metrics ?? []) {
    const metric = m.metricStat?.metric;
    const peer = metric?.dimensions?.Peer;
    if (peer && (metric?.namespace === undefined || metric.namespace === metricNamespace)) return peer;
  }
  return localRegion;
}

const NAME_SAFE = /[^A-Za-z0-9-_]/g;

/**
 * The same alarm transition always gives the same name, so a redelivered or duplicated event
 * starts one execution (Step Functions refuses a second execution with the name; names are unique
 * for 90 days). A new transition of the same alarm gets a new name.
 * Shape: `alarm-<alarm name, ≤40 chars>-<16 hex of sha256(alarm ARN, state, state time)>` (≤ 80).
 */
export function executionNameForAlarm(event: AlarmEvent): string {
  const alarmArn = event.resources[0] ?? event.detail.alarmName;
  const transition = `${alarmArn}|${event.detail.state.value}|${event.detail.state.timestamp ?? event.time}`;
  const digest = createHash("sha256").update(transition).digest("hex").slice(0, 16);
  const slug = event.detail.alarmName.replace(NAME_SAFE, "-").replace(/-+/g, "-").slice(0, 40).replace(/^-|-$/g, "");
  return `alarm-${slug || "unnamed"}-${digest}`;
}

export type TriggerPlan = { start: true; name: string; input: ExecutionInput } | { start: false; reason: string };

/** What the trigger function should start for one event in `localRegion`. */
export function planAlarmExecution(event: AlarmEvent, localRegion: string, metricNamespace: string): TriggerPlan {
  if (event.detail.state.value !== "ALARM") {
    return { start: false, reason: `alarm ${event.detail.alarmName} moved to ${event.detail.state.value}; only ALARM starts a run` };
  }
  if (event.region !== localRegion) {
    return { start: false, reason: `the event is from ${event.region}; this trigger serves ${localRegion}` };
  }
  return {
    start: true,
    name: executionNameForAlarm(event),
    input: {
      mode: "failover",
      targetRegion: localRegion,
      trigger: {
        source: "alarm",
        alarmName: event.detail.alarmName.slice(0, 255),
        alarmArn: event.resources[0] ?? `alarm:${event.detail.alarmName}`,
        state: "ALARM",
        ...(event.detail.previousState ? { previousState: event.detail.previousState.value.slice(0, 32) } : {}),
        ...(event.detail.state.reason ? { reason: event.detail.state.reason.slice(0, 1000) } : {}),
        changedAt: event.time,
        eventId: event.id.slice(0, 128),
        subjectRegion: alarmSubjectRegion(event, localRegion, metricNamespace),
      },
    },
  };
}
