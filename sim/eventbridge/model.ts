/**
 * From alarm transitions to runbook starts: each transition notifies the alarm's actions (SNS)
 * and becomes a *CloudWatch Alarm State Change* event on the region's default bus; every rule
 * whose pattern matches delivers it to its targets (the start-execution function, invoked
 * asynchronously with Lambda's retries). A scenario can make the bus deliver an event twice
 * (at-least-once delivery), which the deterministic execution names must absorb.
 */
import { createHash } from "node:crypto";
import type { Transition } from "../cloudwatch/alarms";
import { matchesPattern } from "./event-pattern";
import type { SnsService } from "../small-services";
import type { Deployment, EventTargetDefinition } from "../deployment/types";
import type { LambdaRuntime } from "../lambda/runtime";
import type { Reachability } from "../network";
import type { Timeline } from "../timeline";
import { denialMessage } from "../iam/authorizer";
import type { ServiceDeliveries } from "../iam/enforcement";

export interface AlarmEvent {
  version: "0";
  id: string;
  "detail-type": "CloudWatch Alarm State Change";
  source: "aws.cloudwatch";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** The event CloudWatch puts on the bus for a transition (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html). */
/** A UUID-shaped event id derived from the transition, so every run of a scenario is the same run (EventBridge's ids are random UUIDs). */
function eventId(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function alarmEvent(t: Transition, account: string): AlarmEvent {
  const a = t.alarm;
  const time = new Date(t.at).toISOString();
  const metrics = a.metric
    ? [
        {
          id: "m1",
          metricStat: {
            metric: { namespace: a.metric.namespace, name: a.metric.metricName, dimensions: a.metric.dimensions },
            period: a.periodSeconds,
            stat: a.metric.statistic,
          },
          returnData: true,
        },
      ]
    : [
        ...(a.math?.metrics ?? []).map((q) => ({
          id: q.id,
          metricStat: {
            metric: { namespace: q.namespace, name: q.metricName, dimensions: q.dimensions },
            period: q.periodSeconds,
            stat: q.stat,
          },
          returnData: false,
        })),
        { id: "e1", expression: a.math?.expression, returnData: true },
      ];
  return {
    version: "0",
    id: eventId(`${a.arn}|${t.at}|${t.from}|${t.to}`),
    "detail-type": "CloudWatch Alarm State Change",
    source: "aws.cloudwatch",
    account,
    time,
    region: a.region,
    resources: [a.arn],
    detail: {
      alarmName: a.name,
      state: { value: t.to, reason: t.reason, timestamp: time },
      previousState: { value: t.from },
      configuration: { metrics },
    },
  };
}

export interface DeliveryRecord {
  at: number;
  region: string;
  rule: string;
  eventId: string;
  alarm: string;
  outcome?: string;
}

export interface EventBusDeps {
  deployment: Deployment;
  runtime: LambdaRuntime;
  sns: SnsService;
  reachability: Reachability;
  timeline: Timeline;
  now: () => number;
  /** EventBridge invokes targets and CloudWatch notifies topics as AWS authorizes them. */
  deliveries: ServiceDeliveries;
  /** Puts an undeliverable event in a dead-letter queue (by ARN). */
  deadLetters?: (queueArn: string, body: string) => void;
}

export class EventBus {
  readonly deliveries: DeliveryRecord[] = [];
  /** The next matching event is delivered again, this long after the first delivery (duplicate-events scenario). */
  duplicateNext: { delayMs: number } | undefined;

  constructor(private readonly deps: EventBusDeps) {}

  onTransition(t: Transition): void {
    const { alarm } = t;
    const actions = t.to === "ALARM" ? alarm.alarmActions : t.to === "OK" ? alarm.okActions : [];
    for (const topic of actions) {
      if (!topic.startsWith("arn:aws:sns:")) continue;
      void this.notify(t, topic);
    }
    this.put(alarmEvent(t, this.deps.deployment.accountId));
  }

  /**
   * An alarm action: CloudWatch publishes to the topic as cloudwatch.amazonaws.com; a denial (topic
   * or key policy) loses the notification — CloudWatch records it in the alarm's history only.
   */
  private async notify(t: Transition, topic: string): Promise<void> {
    const { alarm } = t;
    const decision = await this.deps.deliveries.cloudWatchPublishes(alarm.arn, topic);
    if (!decision.allowed) {
      this.failedActions.push({ at: this.deps.now(), alarm: alarm.name, topic, reason: denialMessage(decision) });
      this.deps.timeline.add(
        alarm.region,
        "alarm",
        `alarm action failed: ${alarm.name} → ${t.to} not notified (${denialMessage(decision)})`,
      );
      return;
    }
    const subject = `${t.to}: "${alarm.name}" in ${alarm.region}`;
    this.deps.sns.publish(
      alarm.region,
      topic,
      JSON.stringify({
        AlarmName: alarm.name,
        NewStateValue: t.to,
        OldStateValue: t.from,
        NewStateReason: t.reason,
        StateChangeTime: new Date(t.at).toISOString(),
      }),
      subject,
      {
        source: "cloudwatch-alarm",
      },
    );
  }

  /** An undeliverable event goes to the target's DLQ, if EventBridge may write there; otherwise it is lost. */
  private async deadLetter(
    rule: { name: string; arn: string },
    target: EventTargetDefinition,
    event: AlarmEvent,
    record: DeliveryRecord,
  ): Promise<void> {
    if (!target.deadLetterArn) {
      record.outcome += "; no dead-letter queue: the event is lost";
      return;
    }
    const d = await this.deps.deliveries.eventBridgeSendsToDlq(rule.arn, target.deadLetterArn);
    if (!d.allowed) {
      record.outcome += `; the dead-letter queue refused it too, the event is lost (${denialMessage(d)})`;
      this.deps.timeline.add(event.region, "event", `EventBridge cannot write to the DLQ ${target.deadLetterArn}: ${denialMessage(d)}`);
      return;
    }
    this.deps.deadLetters?.(target.deadLetterArn, JSON.stringify(event));
    record.outcome += `; sent to ${target.deadLetterArn.split(":").pop()}`;
  }

  /** Alarm actions CloudWatch could not deliver (IAM or KMS denied them). */
  readonly failedActions: { at: number; alarm: string; topic: string; reason: string }[] = [];

  /** DisableRule on every rule (tests that start runbooks themselves); EnableRule again with true. */
  rulesEnabled = true;

  put(event: AlarmEvent): void {
    if (!this.deps.reachability.isUp(event.region) || !this.rulesEnabled) return;
    for (const rule of this.deps.deployment.eventRules) {
      if (rule.region !== event.region || !matchesPattern(rule.pattern, event)) continue;
      const targets = rule.targets;
      this.deliver(rule, targets, event, 0);
      const dup = this.duplicateNext;
      this.duplicateNext = undefined;
      if (dup) setTimeout(() => this.deliver(rule, targets, event, 1), dup.delayMs);
    }
  }

  private deliver(rule: { name: string; arn: string }, targets: readonly EventTargetDefinition[], event: AlarmEvent, copy: number): void {
    for (const target of targets) void this.deliverTo(rule, target, event, copy);
  }

  /** One target: EventBridge invokes it as events.amazonaws.com, which the function's resource policy must allow for this rule. */
  private async deliverTo(
    ruleDef: { name: string; arn: string },
    target: EventTargetDefinition,
    event: AlarmEvent,
    copy: number,
  ): Promise<void> {
    const arn = target.arn;
    const rule = ruleDef.name;
    const alarm = String(event.detail.alarmName);
    {
      const record: DeliveryRecord = { at: this.deps.now(), region: event.region, rule, eventId: event.id, alarm };
      this.deliveries.push(record);
      const allowed = await this.deps.deliveries.eventsInvoke(ruleDef.arn, arn);
      if (!allowed.allowed) {
        record.outcome = `failed: AccessDenied (${denialMessage(allowed)})`;
        this.deps.timeline.add(event.region, "event", `EventBridge rule ${rule} cannot invoke its target: ${record.outcome}`);
        await this.deadLetter(ruleDef, target, event, record);
        return;
      }
      this.deps.timeline.add(
        event.region,
        "event",
        `EventBridge rule ${rule} delivers ${alarm} → ALARM${copy > 0 ? ` (again: duplicate delivery #${copy + 1} of event ${event.id.slice(0, 8)})` : ""}`,
      );
      this.deps.runtime.invokeAsync(arn, event, (o) => {
        const result = o.result as { started?: boolean; duplicate?: boolean; name?: string; reason?: string } | undefined;
        record.outcome = !o.ok
          ? `failed: ${o.error?.name}`
          : result?.started
            ? `started ${result.name}`
            : result?.duplicate
              ? `duplicate: ${result.name} already exists, nothing started`
              : `nothing started: ${result?.reason}`;
        this.deps.timeline.add(event.region, "event", `start-execution: ${record.outcome}`);
      });
    }
  }
}
