/**
 * The DR machines' Tasks as the simulated Step Functions binds them: a Lambda invoke of a function
 * deployed in the machine's region, or an SNS publish to a topic in the machine's region (the
 * optimized integration the runbook's last-resort notifications use); anything else is refused.
 * Also what a Task's failure looks like to Step Functions and in its history.
 */
import type { AslDefinition } from "../../state-machines/render";
import type { Deployment, StateMachineDefinition } from "../deployment/types";
import { ServiceError } from "../small-services";

export type TaskBinding = LambdaTaskBinding | SnsPublishBinding;

export interface LambdaTaskBinding {
  kind: "lambda";
  functionArn: string;
  waitForTaskToken: boolean;
  heartbeatSeconds?: number;
  timeoutSeconds?: number;
}

/** `arn:aws:states:::sns:publish`: Step Functions calls SNS Publish itself, with the machine's role. */
export interface SnsPublishBinding {
  kind: "sns";
  waitForTaskToken: false;
  heartbeatSeconds?: undefined;
  timeoutSeconds?: number;
}

export const SNS_PUBLISH = "arn:aws:states:::sns:publish";

/**
 * The cause a TaskFailed event carries: a SendTaskFailure's cause as sent, a service error's
 * message, and a function's own error as Lambda's error document.
 */
export function taskFailureCause(error: unknown): string {
  const e = error as { name?: string; message?: string; fromCallback?: boolean };
  if (e.fromCallback || e.name?.startsWith("Lambda.") || e.name?.startsWith("States.")) return e.message ?? "";
  return JSON.stringify({ errorType: e.name, errorMessage: e.message ?? "" });
}

/** What Step Functions reports for a Lambda Task that failed: the function's error name, or Lambda.* for service errors. */
export function lambdaError(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  if (e.name === "TooManyRequestsException") return Object.assign(new Error(e.message), { name: "Lambda.TooManyRequestsException" });
  return e;
}

/** How history events name an integration: `lambda` / `invoke` (or `invoke.waitForTaskToken`), `sns` / `publish`. */
export function taskResource(task: TaskBinding): { resourceType: string; resource: string } {
  if (task.kind === "sns") return { resourceType: "sns", resource: "publish" };
  return { resourceType: "lambda", resource: task.waitForTaskToken ? "invoke.waitForTaskToken" : "invoke" };
}

/**
 * What Step Functions reports for a failed SNS integration: the service's error name prefixed with
 * `SNS.`. The integration's page (https://docs.aws.amazon.com/step-functions/latest/dg/connect-sns.html)
 * does not list its error names; this follows the service-prefix convention of Step Functions'
 * integrations, and is the harsher reading for the runbook: its Retry names only SNS.InternalErrorException,
 * SNS.ThrottledException and SNS.KMSThrottlingException, so any other name is not retried.
 */
export function snsError(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  return Object.assign(new Error(e.message), { name: `SNS.${e.name}` });
}

export function collectTasks(
  definition: AslDefinition | { States: Record<string, Record<string, unknown>> },
  machine: StateMachineDefinition,
  deployment: Deployment,
  into: Map<string, TaskBinding>,
): void {
  for (const [name, state] of Object.entries(definition.States)) {
    const s = state as Record<string, unknown>;
    if (s.Type === "Task" && s.Resource === SNS_PUBLISH) {
      const topicArn = (s.Parameters as { TopicArn?: string } | undefined)?.TopicArn;
      const topic = deployment.topics.find((t) => t.arn === topicArn);
      if (!topic)
        throw new ServiceError(
          "UnboundTask",
          `${machine.name}: Task ${name} publishes to ${topicArn ?? "nothing"}, which is not a deployed topic`,
          400,
        );
      if (topic.region !== machine.region)
        throw new ServiceError("UnboundTask", `${machine.name}: Task ${name} publishes to a topic in another region`, 400);
      if (into.has(name)) throw new ServiceError("UnboundTask", `${machine.name}: two Tasks are named ${name}`, 400);
      into.set(name, {
        kind: "sns",
        waitForTaskToken: false,
        ...(typeof s.TimeoutSeconds === "number" ? { timeoutSeconds: s.TimeoutSeconds } : {}),
      });
    } else if (s.Type === "Task") {
      const resource = String(s.Resource);
      if (!resource.startsWith("arn:aws:states:::lambda:invoke")) {
        throw new ServiceError(
          "UnsupportedTask",
          `${machine.name}: Task ${name} uses ${resource}; the simulation runs Lambda invoke and SNS publish Tasks only`,
          400,
        );
      }
      const fnArn = (s.Parameters as { FunctionName?: string } | undefined)?.FunctionName;
      const fn = deployment.functions.find((f) => f.arn === fnArn);
      if (!fn)
        throw new ServiceError(
          "UnboundTask",
          `${machine.name}: Task ${name} invokes ${fnArn ?? "nothing"}, which is not a deployed function`,
          400,
        );
      if (fn.region !== machine.region)
        throw new ServiceError("UnboundTask", `${machine.name}: Task ${name} invokes ${fn.name} in another region`, 400);
      if (into.has(name)) throw new ServiceError("UnboundTask", `${machine.name}: two Tasks are named ${name}`, 400);
      into.set(name, {
        kind: "lambda",
        functionArn: fn.arn,
        waitForTaskToken: resource.endsWith(".waitForTaskToken"),
        ...(typeof s.HeartbeatSeconds === "number" ? { heartbeatSeconds: s.HeartbeatSeconds } : {}),
        ...(typeof s.TimeoutSeconds === "number" ? { timeoutSeconds: s.TimeoutSeconds } : {}),
      });
    }
    const nested = (s.ItemProcessor ?? s.Iterator) as AslDefinition | undefined;
    if (nested) collectTasks(nested, machine, deployment, into);
    for (const branch of (s.Branches as AslDefinition[] | undefined) ?? []) collectTasks(branch, machine, deployment, into);
  }
}
