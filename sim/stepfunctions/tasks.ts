/**
 * The DR machines' Tasks as the simulated Step Functions binds them: every Task is a Lambda
 * invoke of a function deployed in the machine's region (anything else is refused), and what a
 * Task's failure looks like to Step Functions and in its history.
 */
import type { AslDefinition } from "../../state-machines/render";
import type { Deployment, StateMachineDefinition } from "../deployment/types";
import { ServiceError } from "../small-services";

export interface TaskBinding {
  functionArn: string;
  waitForTaskToken: boolean;
  heartbeatSeconds?: number;
  timeoutSeconds?: number;
}

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

/** How history events name a Lambda integration: `lambda` / `invoke` (or `invoke.waitForTaskToken`). */
export function taskResource(task: TaskBinding): { resourceType: string; resource: string } {
  return { resourceType: "lambda", resource: task.waitForTaskToken ? "invoke.waitForTaskToken" : "invoke" };
}

export function collectTasks(
  definition: AslDefinition | { States: Record<string, Record<string, unknown>> },
  machine: StateMachineDefinition,
  deployment: Deployment,
  into: Map<string, TaskBinding>,
): void {
  for (const [name, state] of Object.entries(definition.States)) {
    const s = state as Record<string, unknown>;
    if (s.Type === "Task") {
      const resource = String(s.Resource);
      if (!resource.startsWith("arn:aws:states:::lambda:invoke")) {
        throw new ServiceError(
          "UnsupportedTask",
          `${machine.name}: Task ${name} uses ${resource}; the rehearsal runs Lambda invoke Tasks only`,
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
