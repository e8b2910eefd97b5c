/** EventBridge rules, targets and schedules (E1, B12). */
import * as aws from "@pulumi/aws";
import { parseArn } from "../lib/arn";
import { asArray, parseJson } from "../lib/documents";
import { forType, resourceRule } from "../lib/rule";

/** Targets that EventBridge invokes through their resource policy; every other target needs a role. */
const RESOURCE_POLICY_TARGETS = ["lambda", "sqs", "sns", "logs"];

export const eventTargets = resourceRule(
  {
    id: "E1",
    name: "eventbridge-target-dlq-retry",
    title:
      "Rule targets and schedules have a dead-letter queue and an explicit retry policy (EventBridge otherwise retries 24 h, then drops the event), and a role where the target needs one.",
    sources: "EventBridge retry policy and dead-letter queue documentation; EventBridge Scheduler target documentation",
  },
  [
    forType(aws.cloudwatch.EventTarget, (t, report) => {
      if (!t.deadLetterConfig?.arn) report("the target has no dead-letter queue");
      if (t.retryPolicy?.maximumRetryAttempts === undefined || t.retryPolicy.maximumEventAgeInSeconds === undefined)
        report("the target has no explicit retry policy (attempts and maximum event age)");
      const service = parseArn(t.arn)?.service;
      if (service && !RESOURCE_POLICY_TARGETS.includes(service) && !t.roleArn) report(`the ${service} target has no role`);
    }),
    forType(aws.scheduler.Schedule, (s, report) => {
      if (!s.target?.deadLetterConfig?.arn) report("the schedule's target has no dead-letter queue");
      if (s.target?.retryPolicy?.maximumRetryAttempts === undefined || s.target.retryPolicy.maximumEventAgeInSeconds === undefined)
        report("the schedule's target has no explicit retry policy");
      if (!s.target?.roleArn) report("the schedule's target has no role");
    }),
  ],
);

export const alarmRulesScoped = resourceRule(
  {
    id: "B12",
    name: "eventbridge-alarm-rule-scoped",
    title: "Rules on CloudWatch alarm state changes name the exact alarms they react to, so no other alarm can start a runbook.",
    sources: "EventBridge event patterns for CloudWatch Alarm State Change; SECURITY-CHECKLIST B12",
  },
  forType(aws.cloudwatch.EventRule, (r, report) => {
    if (!r.eventPattern) return;
    const pattern = parseJson<Record<string, unknown>>(r.eventPattern, "the event pattern");
    const sources = asArray(pattern.source as string[]);
    const types = asArray(pattern["detail-type"] as string[]);
    if (!sources.includes("aws.cloudwatch") || !types.includes("CloudWatch Alarm State Change")) return;
    const resources = asArray(pattern.resources as unknown[]);
    if (resources.length === 0 || !resources.every((x) => typeof x === "string" && parseArn(x)?.service === "cloudwatch")) {
      report("the rule reacts to alarm state changes without naming the alarms (resources: exact alarm ARNs)");
    }
  }),
);

export const eventBridgeRules = [eventTargets, alarmRulesScoped];
