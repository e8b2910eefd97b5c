/**
 * The runbooks as the state machines define them (B1, B2, B7, B8, B9, B11): every Task bounded in
 * time, retried on transient errors with backoff, caught; loops bounded; the recovery path never
 * calls Route 53's control plane and depends on nothing outside its own region.
 */
import * as aws from "@pulumi/aws";
import type { ReportViolation } from "@pulumi/policy";
import { actionsOf, asArray, isAllow, parseJson, statementsOf } from "../lib/documents";
import { type AnyState as AslState, allStates, cyclesOf, isBounded, scopesOf } from "../../state-machines/graph";
import { forType, resourceRule, stackRule } from "../lib/rule";
import { identityPolicyValidations } from "./iam";

type Retrier = { ErrorEquals?: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number };
type Catcher = { ErrorEquals?: string[]; Next?: string };

const definitionOf = (m: { definition?: unknown; name?: unknown }) =>
  parseJson<{ StartAt?: string; TimeoutSeconds?: number; States?: Record<string, AslState> }>(m.definition, `the definition of ${m.name}`);
const tasksOf = (m: { definition?: unknown; name?: unknown }) => allStates(definitionOf(m)).filter(({ state }) => state.Type === "Task");
const resourceOf = (state: AslState) => String(state.Resource ?? "");
const isLambdaTask = (state: AslState) =>
  /^arn:aws[a-z-]*:states:::lambda:invoke/.test(resourceOf(state)) || /^arn:aws[a-z-]*:lambda:/.test(resourceOf(state));
const hasNumberOrPath = (state: AslState, field: string) => typeof state[field] === "number" || typeof state[`${field}Path`] === "string";

export const taskTimeouts = resourceRule(
  {
    id: "B7",
    name: "runbook-task-timeouts",
    title:
      "Every state machine has an overall TimeoutSeconds; every Task has TimeoutSeconds; callback (.waitForTaskToken) Tasks have HeartbeatSeconds below it.",
    sources: "Step Functions best practices (ASL has no default task timeout; use heartbeats for callbacks)",
  },
  forType(aws.sfn.StateMachine, (m, report) => {
    if (typeof definitionOf(m).TimeoutSeconds !== "number") report("the state machine has no overall TimeoutSeconds");
    for (const { name, state } of tasksOf(m)) {
      if (!hasNumberOrPath(state, "TimeoutSeconds")) report(`task ${name} has no TimeoutSeconds`);
      if (resourceOf(state).endsWith(".waitForTaskToken")) {
        if (!hasNumberOrPath(state, "HeartbeatSeconds")) report(`callback task ${name} has no HeartbeatSeconds`);
        else if (
          typeof state.HeartbeatSeconds === "number" &&
          typeof state.TimeoutSeconds === "number" &&
          state.HeartbeatSeconds >= state.TimeoutSeconds
        ) {
          report(`callback task ${name}: HeartbeatSeconds ${state.HeartbeatSeconds} is not below TimeoutSeconds ${state.TimeoutSeconds}`);
        }
      }
    }
  }),
);

/** Lambda's transient errors, retried per the Step Functions guidance. */
export const LAMBDA_TRANSIENT_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"];
export const MAX_RETRY_ATTEMPTS = 10;

export const taskRetries = resourceRule(
  {
    id: "B8",
    name: "runbook-task-retry",
    title: `Every Task retries transient errors with exponential backoff (BackoffRate >= 2, 1-${MAX_RETRY_ATTEMPTS} attempts); Lambda Tasks retry at least ${LAMBDA_TRANSIENT_ERRORS.join(", ")}.`,
    sources: "Step Functions best practices (handle Lambda service exceptions); ASL Retry field",
  },
  forType(aws.sfn.StateMachine, (m, report) => {
    for (const { name, state } of tasksOf(m)) {
      const retriers = asArray(state.Retry as Retrier[]).filter(
        (r) => (r.BackoffRate ?? 2) >= 2 && (r.MaxAttempts ?? 3) >= 1 && (r.MaxAttempts ?? 3) <= MAX_RETRY_ATTEMPTS,
      );
      const needed = isLambdaTask(state) ? LAMBDA_TRANSIENT_ERRORS : [];
      if (!retriers.some((r) => needed.every((e) => (r.ErrorEquals ?? []).includes(e)) && (r.ErrorEquals ?? []).length > 0)) {
        report(`task ${name} has no retry with backoff${needed.length ? ` on ${needed.join(", ")}` : ""}`);
      }
    }
  }),
);

export const taskCatches = resourceRule(
  {
    id: "B9",
    name: "runbook-task-catch",
    title: "Every Task catches States.ALL, so a failure takes the notify-and-release path instead of ending the execution silently.",
    sources: "Step Functions error handling (Lambda.Unknown, States.TaskFailed); SECURITY-CHECKLIST B9",
  },
  forType(aws.sfn.StateMachine, (m, report) => {
    for (const { name, state } of tasksOf(m)) {
      if (!asArray(state.Catch as Catcher[]).some((c) => (c.ErrorEquals ?? []).includes("States.ALL") && c.Next))
        report(`task ${name} does not catch States.ALL`);
    }
  }),
);

export const boundedLoops = resourceRule(
  {
    id: "B11",
    name: "runbook-bounded-loops",
    title:
      "Every loop in a state machine leaves on a numeric bound (a counter), so no execution approaches the 25,000-event history quota.",
    sources: "Step Functions quotas (25,000 history events) and best practices",
  },
  forType(aws.sfn.StateMachine, (m, report) => {
    for (const scope of scopesOf(definitionOf(m))) {
      for (const cycle of cyclesOf(scope)) {
        if (!isBounded(scope, cycle))
          report(`the loop ${[...cycle].sort().join(" > ")}${scope.path ? ` in ${scope.path}` : ""} has no numeric bound`);
      }
    }
  }),
);

/** The Route 53 control plane, hosted in us-east-1 and outside its SLA: never on a recovery path. */
const ROUTE53_SDK_TASK = /^arn:aws[a-z-]*:states:::aws-sdk:route53(domains)?:/;
const ROUTE53_WRITE_ACTION = /^route53:(\*|Change|Create|Update|Delete|Associate|Disassociate)/i;

function reportRoute53Writes(document: unknown, report: ReportViolation, where = "the policy"): void {
  for (const s of statementsOf(document).filter(isAllow)) {
    for (const a of actionsOf(s).filter((x) => ROUTE53_WRITE_ACTION.test(x) || x === "*"))
      report(`${where} allows ${a}: traffic must move through health checks (data plane), not record or health-check changes`);
  }
}

export const noRoute53ControlPlane = resourceRule(
  {
    id: "B1",
    name: "runbook-no-route53-control-plane",
    title:
      "No state machine calls the Route 53 API and no role may change records or health checks: traffic moves only through health-check status (data plane).",
    sources: "AWS Well-Architected REL11-BP04; AWS Fault Isolation Boundaries (Route 53 control plane in us-east-1); Route 53 DR guidance",
  },
  [
    forType(aws.sfn.StateMachine, (m, report) => {
      for (const { name, state } of allStates(definitionOf(m))) {
        if (ROUTE53_SDK_TASK.test(resourceOf(state))) report(`task ${name} calls the Route 53 control plane (${resourceOf(state)})`);
      }
    }),
    ...identityPolicyValidations(reportRoute53Writes),
  ],
);

/** Every ARN in a text, with its region (empty for global ARNs and service integrations). */
const arnsIn = (text: string) =>
  [...text.matchAll(/arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]*):[^"\s,]*/g)].map((m) => ({ arn: m[0], region: m[1] }));

export const runbookRegionLocal = stackRule(
  {
    id: "B2",
    name: "runbook-region-local",
    title:
      "A state machine, and the role it runs as, refer only to resources of its own region (or global ones): the runbook that activates a region depends on nothing in the failing one.",
    sources: "AWS Well-Architected REL11-BP05 (static stability); SECURITY-CHECKLIST B2",
  },
  (stack, report) => {
    const rolePolicies = stack.all(aws.iam.RolePolicy).map(({ props }) => props);
    for (const { resource, props } of stack.all(aws.sfn.StateMachine)) {
      for (const ref of arnsIn(JSON.stringify(definitionOf(props)))) {
        if (ref.region && ref.region !== props.region)
          report(`state machine ${props.name} (${props.region}) refers to ${ref.arn}`, resource.urn);
      }
      const roleName = String(props.roleArn).split("/").pop();
      for (const policy of rolePolicies.filter((p) => p.role === roleName)) {
        for (const ref of arnsIn(JSON.stringify(statementsOf(policy.policy)))) {
          if (ref.region && ref.region !== props.region)
            report(`the role of state machine ${props.name} (${props.region}) is granted ${ref.arn}`, resource.urn);
        }
      }
    }
  },
);

export const runbookRules = [noRoute53ControlPlane, runbookRegionLocal, taskTimeouts, taskRetries, taskCatches, boundedLoops];
