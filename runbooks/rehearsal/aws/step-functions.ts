/**
 * Step Functions, simulated per region: the deployed definitions run in aws-local-stepfunctions
 * with EVERY Task bound to the real handler of the function its `FunctionName` names (in the
 * machine's region), Wait states and timeouts on the virtual clock, execution names unique per
 * machine (ExecutionAlreadyExists), DescribeExecution, and `.waitForTaskToken` callbacks
 * (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, HeartbeatSeconds enforced here because
 * the local executor does not).
 *
 * A region outage freezes its executions: a Task waits for the region to come back, as the
 * service would resume them, instead of failing every step against a dead control plane.
 */
import type { AslDefinition } from "../../lib/asl";
import type { Deployment, StateMachineDefinition } from "../deployment-types";
import type { LambdaRuntime } from "../lambda-runtime";
import type { Reachability } from "../reachability";
import { executionError, localStateMachine, type LocalEvent, type LocalStateMachine } from "./local-executor";
import { ServiceError } from "./small-services";

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface ExecutionRecord {
  executionArn: string;
  name: string;
  region: string;
  stateMachineArn: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** States entered, with when. */
  states: { name: string; type: string; at: number }[];
  done: Promise<ExecutionRecord>;
}

interface PendingCallback {
  executionArn: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  heartbeatMs?: number;
  timer?: ReturnType<typeof setTimeout>;
}

interface Machine {
  def: StateMachineDefinition;
  local: LocalStateMachine;
  /** Task state name → function ARN, across nested Map/Parallel states. */
  tasks: Map<string, { functionArn: string; waitForTaskToken: boolean; heartbeatSeconds?: number }>;
}

export interface StepFunctionsDeps {
  deployment: Deployment;
  now: () => number;
  reachability: Reachability;
  runtime: LambdaRuntime;
}

export class StepFunctionsService {
  private readonly machines = new Map<string, Machine>();
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly callbacks = new Map<string, PendingCallback>();
  private readonly listeners: { started: ((e: ExecutionRecord) => void)[]; state: ((e: ExecutionRecord, ev: LocalEvent) => void)[]; ended: ((e: ExecutionRecord) => void)[] } = {
    started: [],
    state: [],
    ended: [],
  };
  private tokenCounter = 0;

  constructor(private readonly deps: StepFunctionsDeps) {
    for (const def of deps.deployment.stateMachines) {
      const tasks = new Map<string, { functionArn: string; waitForTaskToken: boolean; heartbeatSeconds?: number }>();
      collectTasks(def.definition, def, deps.deployment, tasks);
      this.machines.set(def.arn, { def, local: localStateMachine(def.definition), tasks });
    }
  }

  on(event: "started" | "ended", listener: (e: ExecutionRecord) => void): void;
  on(event: "state", listener: (e: ExecutionRecord, ev: LocalEvent) => void): void;
  on(event: "started" | "ended" | "state", listener: never): void {
    (this.listeners[event] as unknown[]).push(listener);
  }

  machine(arn: string, region: string): Machine {
    const m = this.machines.get(arn);
    if (!m || m.def.region !== region) throw new ServiceError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}' (in ${region})`, 400);
    return m;
  }

  /** StartExecution. Names are unique per machine (90 days in AWS; the whole rehearsal here). */
  start(region: string, stateMachineArn: string, name: string | undefined, input: string): ExecutionRecord {
    const machine = this.machine(stateMachineArn, region);
    const execName = name ?? `${machine.def.type === "EXPRESS" ? "express" : "exec"}-${++this.tokenCounter}`;
    const executionArn = `${stateMachineArn.replace(":stateMachine:", machine.def.type === "EXPRESS" ? ":express:" : ":execution:")}:${execName}`;
    if (this.executions.has(executionArn)) throw new ServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`, 400);
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new ServiceError("InvalidExecutionInput", "Invalid State Machine Execution Input: not JSON", 400);
    }
    let finish!: (e: ExecutionRecord) => void;
    const record: ExecutionRecord = {
      executionArn,
      name: execName,
      region,
      stateMachineArn,
      input,
      status: "RUNNING",
      startDate: this.deps.now(),
      states: [],
      done: new Promise((resolve) => (finish = resolve)),
    };
    // Express executions (the canary ticker) are not listed: AWS keeps them in logs only.
    if (machine.def.type === "STANDARD") this.executions.set(executionArn, record);
    const token = `${executionArn}#${++this.tokenCounter}`;
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [state, task] of machine.tasks) overrides[state] = (raw) => this.runTask(region, record, task, raw);
    const execution = machine.local.run(parsed, {
      overrides: { taskResourceLocalHandlers: overrides },
      context: { Execution: { Name: execName, Id: executionArn }, StateMachine: { Id: stateMachineArn, Name: machine.def.name }, Task: { Token: token } },
    });
    void (async () => {
      for await (const ev of execution.eventLogs) {
        if (ev.type === "StateEntered" && ev.state) {
          record.states.push({ name: ev.state.name, type: ev.state.type, at: ev.timestamp });
          for (const l of this.listeners.state) l(record, ev);
        }
      }
    })();
    if (machine.def.type === "STANDARD") for (const l of this.listeners.started) l(record);
    execution.result.then(
      (output) => this.end(record, "SUCCEEDED", { output: JSON.stringify(output) }, finish),
      (error) => {
        const e = executionError(error);
        this.end(record, e.timedOut ? "TIMED_OUT" : "FAILED", { error: e.name, cause: e.cause }, finish);
      },
    );
    return record;
  }

  private end(record: ExecutionRecord, status: ExecutionStatus, fields: Partial<ExecutionRecord>, finish: (e: ExecutionRecord) => void): void {
    Object.assign(record, fields, { status, stopDate: this.deps.now() });
    for (const [token, cb] of this.callbacks) if (cb.executionArn === record.executionArn) this.dropCallback(token);
    if (this.executions.has(record.executionArn)) for (const l of this.listeners.ended) l(record);
    finish(record);
  }

  describe(region: string, executionArn: string): ExecutionRecord {
    const record = this.executions.get(executionArn);
    if (!record || record.region !== region) throw new ServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`, 400);
    return record;
  }

  private async runTask(region: string, record: ExecutionRecord, task: { functionArn: string; waitForTaskToken: boolean; heartbeatSeconds?: number }, raw: unknown): Promise<unknown> {
    const payload = (raw as { Payload?: unknown }).Payload;
    // A region outage freezes the execution: the step runs (again) once the region is back.
    for (;;) {
      await this.deps.reachability.whenUp(region);
      try {
        const out = await this.deps.runtime.invoke(task.functionArn, payload);
        if (!this.deps.reachability.isUp(region)) continue;
        if (!task.waitForTaskToken) return { Payload: out, StatusCode: 200, ExecutedVersion: "$LATEST" };
        break;
      } catch (error) {
        if (!this.deps.reachability.isUp(region)) continue;
        throw lambdaError(error);
      }
    }
    const token = (payload as { taskToken?: string } | undefined)?.taskToken;
    if (!token) throw new ServiceError("States.Runtime", "A .waitForTaskToken Task did not pass $$.Task.Token to its function", 400);
    return new Promise((resolve, reject) => {
      const cb: PendingCallback = { executionArn: record.executionArn, resolve, reject, heartbeatMs: task.heartbeatSeconds ? task.heartbeatSeconds * 1000 : undefined };
      this.callbacks.set(token, cb);
      this.armHeartbeat(token);
    });
  }

  private armHeartbeat(token: string): void {
    const cb = this.callbacks.get(token);
    if (!cb?.heartbeatMs) return;
    clearTimeout(cb.timer);
    cb.timer = setTimeout(() => {
      this.callbacks.delete(token);
      cb.reject(Object.assign(new Error("The task did not send a heartbeat in time"), { name: "States.HeartbeatTimeout" }));
    }, cb.heartbeatMs);
  }

  private dropCallback(token: string): void {
    clearTimeout(this.callbacks.get(token)?.timer);
    this.callbacks.delete(token);
  }

  private callback(region: string, token: string): PendingCallback {
    const cb = this.callbacks.get(token);
    if (!cb || cb.executionArn.split(":")[3] !== region) throw new ServiceError("TaskDoesNotExist", "Task Does Not Exist (the token is unknown, expired or from another region)", 400);
    return cb;
  }

  sendTaskSuccess(region: string, token: string, output: string): void {
    const cb = this.callback(region, token);
    this.dropCallback(token);
    cb.resolve(JSON.parse(output));
  }

  sendTaskFailure(region: string, token: string, error?: string, cause?: string): void {
    const cb = this.callback(region, token);
    this.dropCallback(token);
    cb.reject(Object.assign(new Error(cause ?? ""), { name: error ?? "States.TaskFailed" }));
  }

  sendTaskHeartbeat(region: string, token: string): void {
    this.callback(region, token);
    this.armHeartbeat(token);
  }

  /** Tokens waiting for an answer (the rehearsal's operator finds them in the control table, like drctl). */
  pendingTokens(): string[] {
    return [...this.callbacks.keys()];
  }
}

/** What Step Functions reports for a Lambda Task that failed: the function's error name, or Lambda.* for service errors. */
function lambdaError(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  if (e.name === "TooManyRequestsException") return Object.assign(new Error(e.message), { name: "Lambda.TooManyRequestsException" });
  return e;
}

function collectTasks(
  definition: AslDefinition | { States: Record<string, Record<string, unknown>> },
  machine: StateMachineDefinition,
  deployment: Deployment,
  into: Map<string, { functionArn: string; waitForTaskToken: boolean; heartbeatSeconds?: number }>,
): void {
  for (const [name, state] of Object.entries(definition.States)) {
    const s = state as Record<string, unknown>;
    if (s.Type === "Task") {
      const resource = String(s.Resource);
      if (!resource.startsWith("arn:aws:states:::lambda:invoke")) {
        throw new ServiceError("UnsupportedTask", `${machine.name}: Task ${name} uses ${resource}; the rehearsal runs Lambda invoke Tasks only`, 400);
      }
      const fnArn = (s.Parameters as { FunctionName?: string } | undefined)?.FunctionName;
      const fn = deployment.functions.find((f) => f.arn === fnArn);
      if (!fn) throw new ServiceError("UnboundTask", `${machine.name}: Task ${name} invokes ${fnArn ?? "nothing"}, which is not a deployed function`, 400);
      if (fn.region !== machine.region) throw new ServiceError("UnboundTask", `${machine.name}: Task ${name} invokes ${fn.name} in another region`, 400);
      if (into.has(name)) throw new ServiceError("UnboundTask", `${machine.name}: two Tasks are named ${name}`, 400);
      into.set(name, {
        functionArn: fn.arn,
        waitForTaskToken: resource.endsWith(".waitForTaskToken"),
        ...(typeof s.HeartbeatSeconds === "number" ? { heartbeatSeconds: s.HeartbeatSeconds } : {}),
      });
    }
    const nested = (s.ItemProcessor ?? s.Iterator) as AslDefinition | undefined;
    if (nested) collectTasks(nested, machine, deployment, into);
    for (const branch of (s.Branches as AslDefinition[] | undefined) ?? []) collectTasks(branch, machine, deployment, into);
  }
}
