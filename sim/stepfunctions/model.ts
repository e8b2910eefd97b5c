/**
 * Step Functions, simulated per region: the deployed definitions run in aws-local-stepfunctions
 * with EVERY Task bound to the real handler of the function its `FunctionName` names (in the
 * machine's region), Wait states and timeouts on the virtual clock, execution names unique per
 * machine (ExecutionAlreadyExists), DescribeExecution, and `.waitForTaskToken` callbacks
 * (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, HeartbeatSeconds enforced here because
 * the local executor does not), ListExecutions and GetExecutionHistory (execution-history.ts) of
 * STANDARD machines.
 *
 * A region outage freezes its executions: a Task waits for the region to come back, as the
 * service would resume them, instead of failing every step against a dead control plane.
 */
import type { Deployment, StateMachineDefinition } from "../deployment/types";
import type { LambdaRuntime } from "../lambda/runtime";
import type { Reachability } from "../network";
import { ExecutionHistory } from "./execution-history";
import { collectTasks, lambdaError, snsError, taskFailureCause, taskResource, type TaskBinding } from "./tasks";
import { executionError, localStateMachine, type LocalEvent, type LocalExecution, type LocalStateMachine } from "./local-executor";
import { ServiceError, type SnsService } from "../small-services";
import type { FaultInjector } from "../faults";
import { denialMessage } from "../iam/authorizer";
import type { ServiceDeliveries } from "../iam/enforcement";

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
  /** GetExecutionHistory's events (STANDARD executions only: EXPRESS ones have none). */
  history?: ExecutionHistory;
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
  tasks: Map<string, TaskBinding>;
}

export interface StepFunctionsDeps {
  deployment: Deployment;
  now: () => number;
  reachability: Reachability;
  runtime: LambdaRuntime;
  /** Step Functions assumes the machine's role and invokes each Task's function with it. */
  deliveries: ServiceDeliveries;
  /** Where an SNS publish Task's message goes. */
  sns: SnsService;
  /** The world's injected faults: they reach a service integration's call as they reach an SDK call. */
  faults: Pick<FaultInjector, "decide">;
  sleep: (ms: number) => Promise<void>;
}

export class StepFunctionsService {
  private readonly machines = new Map<string, Machine>();
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly callbacks = new Map<string, PendingCallback>();
  private readonly listeners: {
    started: ((e: ExecutionRecord) => void)[];
    state: ((e: ExecutionRecord, ev: LocalEvent) => void)[];
    ended: ((e: ExecutionRecord) => void)[];
  } = {
    started: [],
    state: [],
    ended: [],
  };
  private tokenCounter = 0;
  /** Executions still running, so a world that ends can stop them ({@link abandonRunning}). */
  private readonly running = new Set<LocalExecution>();
  /** The running executions by ARN, so StopExecution can reach one ({@link stop}). */
  private readonly localOf = new Map<string, LocalExecution>();
  /** Executions being stopped, with the error and cause StopExecution gave. */
  private readonly stopping = new Map<string, { error?: string; cause?: string }>();
  private abandoned = false;

  constructor(private readonly deps: StepFunctionsDeps) {
    for (const def of deps.deployment.stateMachines) {
      const tasks = new Map<string, TaskBinding>();
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
    if (!m || m.def.region !== region)
      throw new ServiceError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}' (in ${region})`, 400);
    return m;
  }

  /** StartExecution. Names are unique per machine (90 days in AWS; the whole rehearsal here). */
  start(region: string, stateMachineArn: string, name: string | undefined, input: string): ExecutionRecord {
    const machine = this.machine(stateMachineArn, region);
    const execName = name ?? `${machine.def.type === "EXPRESS" ? "express" : "exec"}-${++this.tokenCounter}`;
    const executionArn = `${stateMachineArn.replace(":stateMachine:", machine.def.type === "EXPRESS" ? ":express:" : ":execution:")}:${execName}`;
    if (this.executions.has(executionArn))
      throw new ServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`, 400);
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
    // Express executions (the canary ticker) are not listed and have no history: AWS keeps them in logs only.
    if (machine.def.type === "STANDARD") {
      this.executions.set(executionArn, record);
      record.history = new ExecutionHistory(record.startDate, input, machine.def.roleArn);
    }
    const token = `${executionArn}#${++this.tokenCounter}`;
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [state, task] of machine.tasks) overrides[state] = (raw) => this.runTask(region, record, task, raw);
    const resourceOf = (state: string) => {
      const task = machine.tasks.get(state);
      return task ? taskResource(task) : undefined;
    };
    const execution = machine.local.run(parsed, {
      overrides: { taskResourceLocalHandlers: overrides },
      context: {
        Execution: { Name: execName, Id: executionArn },
        StateMachine: { Id: stateMachineArn, Name: machine.def.name },
        Task: { Token: token },
      },
    });
    void (async () => {
      for await (const ev of execution.eventLogs) {
        record.history?.executor(ev, resourceOf);
        if (ev.type === "StateEntered" && ev.state) {
          record.states.push({ name: ev.state.name, type: ev.state.type, at: ev.timestamp });
          for (const l of this.listeners.state) l(record, ev);
        }
      }
    })();
    if (machine.def.type === "STANDARD") for (const l of this.listeners.started) l(record);
    this.running.add(execution);
    this.localOf.set(executionArn, execution);
    execution.result.then(
      (output) => {
        this.running.delete(execution);
        this.localOf.delete(executionArn);
        if (!this.abandoned) this.end(record, "SUCCEEDED", { output: JSON.stringify(output) }, finish);
      },
      (error) => {
        this.running.delete(execution);
        this.localOf.delete(executionArn);
        if (this.abandoned) return;
        const stopped = this.stopping.get(executionArn);
        if (stopped) {
          this.stopping.delete(executionArn);
          this.end(record, "ABORTED", { ...stopped }, finish);
          return;
        }
        const e = executionError(error);
        this.end(record, e.timedOut ? "TIMED_OUT" : "FAILED", { error: e.name, cause: e.cause }, finish);
      },
    );
    return record;
  }

  /**
   * The world is over: stop every execution still running (a ticker between probes, a run
   * waiting on a lease or an approval) without ending it — nothing may happen in a world that has
   * ended. Without this each one waits for ever on a clock that no longer moves, and the abort
   * signal aws-local-stepfunctions combines for it (AbortSignal.any, which Node keeps alive while
   * it has listeners) holds the whole world (sim/session.ts, dispose).
   */
  /** How many executions are running (the world counts them; abandonRunning leaves none). */
  get runningCount(): number {
    return this.running.size;
  }

  abandonRunning(): void {
    this.abandoned = true;
    for (const execution of this.running) execution.abort();
    this.running.clear();
  }

  private end(
    record: ExecutionRecord,
    status: Exclude<ExecutionStatus, "RUNNING">,
    fields: Partial<ExecutionRecord>,
    finish: (e: ExecutionRecord) => void,
  ): void {
    Object.assign(record, fields, { status, stopDate: this.deps.now() });
    record.history?.executionEnded(record.stopDate as number, { status, output: record.output, error: record.error, cause: record.cause });
    for (const [token, cb] of this.callbacks) if (cb.executionArn === record.executionArn) this.dropCallback(token);
    if (this.executions.has(record.executionArn)) for (const l of this.listeners.ended) l(record);
    finish(record);
  }

  /**
   * StopExecution: the execution ends ABORTED at once, wherever it is — no Catch, no failure path,
   * no further state ("Stops an execution", https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html;
   * not supported by EXPRESS machines). A Lambda invocation already under way runs to its end, as
   * in Lambda, and its result is dropped. Stopping an execution that has ended changes nothing.
   */
  stop(region: string, executionArn: string, error?: string, cause?: string): { stopDate: number } {
    const record = this.describe(region, executionArn);
    const local = this.localOf.get(executionArn);
    if (record.status === "RUNNING" && local) {
      this.stopping.set(executionArn, { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) });
      local.abort();
    }
    return { stopDate: this.deps.now() };
  }

  describe(region: string, executionArn: string): ExecutionRecord {
    const record = this.executions.get(executionArn);
    if (!record || record.region !== region)
      throw new ServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${executionArn}'`, 400);
    return record;
  }

  /** ListExecutions: newest first, optionally by status; STANDARD machines only, as in AWS. */
  list(region: string, stateMachineArn: string, statusFilter?: string): ExecutionRecord[] {
    const machine = this.machine(stateMachineArn, region);
    if (machine.def.type !== "STANDARD")
      throw new ServiceError("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine", 400);
    return [...this.executions.values()]
      .filter((e) => e.stateMachineArn === stateMachineArn && (statusFilter === undefined || e.status === statusFilter))
      .sort((a, b) => b.startDate - a.startDate || (a.name < b.name ? 1 : -1));
  }

  /** The history of a STANDARD execution in `region`. */
  history(region: string, executionArn: string): ExecutionHistory {
    return this.describe(region, executionArn).history as ExecutionHistory;
  }

  private async runTask(region: string, record: ExecutionRecord, task: TaskBinding, raw: unknown): Promise<unknown> {
    const history = record.history;
    const attempt = history?.beginAttempt() ?? 0;
    const note = (type: Parameters<ExecutionHistory["task"]>[2], details: Record<string, unknown> = {}) =>
      history?.task(attempt, this.deps.now(), type, { ...taskResource(task), ...details });
    note("TaskScheduled", {
      region,
      parameters: JSON.stringify(raw),
      ...(task.timeoutSeconds !== undefined ? { timeoutInSeconds: task.timeoutSeconds } : {}),
      ...(task.heartbeatSeconds !== undefined ? { heartbeatInSeconds: task.heartbeatSeconds } : {}),
    });
    note("TaskStarted");
    try {
      const out = await this.invokeTask(region, record, task, raw, (submitted) =>
        note("TaskSubmitted", {
          output: JSON.stringify({ Payload: submitted, StatusCode: 200, ExecutedVersion: "$LATEST" }),
          outputDetails: { truncated: false },
        }),
      );
      note("TaskSucceeded", { output: JSON.stringify(out), outputDetails: { truncated: false } });
      return out;
    } catch (error) {
      const e = error as { name?: string; message?: string };
      const timedOut = e.name === "States.HeartbeatTimeout" || e.name === "States.Timeout";
      note(timedOut ? "TaskTimedOut" : "TaskFailed", { error: e.name ?? "States.TaskFailed", cause: taskFailureCause(error) });
      throw error;
    }
  }

  private async invokeTask(
    region: string,
    record: ExecutionRecord,
    task: TaskBinding,
    raw: unknown,
    submitted: (out: unknown) => void,
  ): Promise<unknown> {
    if (task.kind === "sns") return this.publish(region, record, raw);
    const payload = (raw as { Payload?: unknown }).Payload;
    // A region outage freezes the execution: the step runs (again) once the region is back.
    for (;;) {
      await this.deps.reachability.whenUp(region);
      try {
        await this.authorizeInvoke(record, task.functionArn);
        const out = await this.deps.runtime.invoke(task.functionArn, payload);
        if (!this.deps.reachability.isUp(region)) continue;
        if (!task.waitForTaskToken) return { Payload: out, StatusCode: 200, ExecutedVersion: "$LATEST" };
        submitted(out);
        break;
      } catch (error) {
        if (!this.deps.reachability.isUp(region)) continue;
        throw lambdaError(error);
      }
    }
    const token = (payload as { taskToken?: string } | undefined)?.taskToken;
    if (!token) throw new ServiceError("States.Runtime", "A .waitForTaskToken Task did not pass $$.Task.Token to its function", 400);
    return new Promise((resolve, reject) => {
      const cb: PendingCallback = {
        executionArn: record.executionArn,
        resolve,
        reject,
        heartbeatMs: task.heartbeatSeconds ? task.heartbeatSeconds * 1000 : undefined,
      };
      this.callbacks.set(token, cb);
      this.armHeartbeat(token);
    });
  }

  /**
   * An `sns:publish` Task: Step Functions calls Publish itself with the machine's role, so the role
   * needs sns:Publish on the topic and, for an SSE-KMS topic, the key through SNS — the same
   * requests as the SDK call (sim/iam/requests.ts). Its output is Publish's response. A region
   * outage freezes it like any Task; a denial or an SNS error fails it as `SNS.<error>`. Faults
   * injected on SNS reach it as they reach the SDK's calls (latency, errors; an answer lost after
   * the message went out fails the Task with the message delivered — the harsher reading).
   */
  private async publish(region: string, record: ExecutionRecord, raw: unknown): Promise<unknown> {
    const input = raw as {
      TopicArn: string;
      Message: string;
      Subject?: string;
      MessageAttributes?: Record<string, { DataType?: string; StringValue?: string }>;
    };
    for (;;) {
      await this.deps.reachability.whenUp(region);
      try {
        const def = await this.assumeMachineRole(record);
        if (def) await this.deps.deliveries.stateMachineCalls(def, { service: "sns", operation: "Publish", input, region });
        const fault = this.deps.faults.decide({ service: "sns", operation: "Publish", region, from: region, resource: input.TopicArn });
        if (fault.delayMs > 0) await this.deps.sleep(fault.delayMs);
        if (fault.error) throw fault.error;
        const attributes = Object.fromEntries(
          Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [k, String(v.StringValue ?? "")]),
        );
        const messageId = this.deps.sns.publish(region, input.TopicArn, input.Message, input.Subject, attributes);
        if (fault.loseAnswer) throw Object.assign(new Error("The publish was sent; its answer was lost"), { name: "TimeoutError" });
        if (!this.deps.reachability.isUp(region)) continue;
        return { MessageId: messageId };
      } catch (error) {
        if (!this.deps.reachability.isUp(region)) continue;
        if ((error as Error).name === "States.Runtime") throw error;
        throw snsError(error);
      }
    }
  }

  /**
   * A Task's invoke is made by Step Functions with the machine's role: the role must trust
   * states.amazonaws.com (AWS checks that when the machine is created; here, at the first Task)
   * and allow lambda:InvokeFunction on the function. A denied invoke fails the Task with
   * Lambda.AWSLambdaException, as Step Functions reports Lambda's AccessDeniedException.
   */
  private async authorizeInvoke(record: ExecutionRecord, functionArn: string): Promise<void> {
    const def = await this.assumeMachineRole(record);
    if (!def) return;
    const invoke = await this.deps.deliveries.stateMachineInvokes(def, functionArn);
    if (!invoke.allowed) throw Object.assign(new Error(denialMessage(invoke)), { name: "Lambda.AWSLambdaException" });
  }

  /**
   * Step Functions assumes the machine's role for every Task: the role must trust
   * states.amazonaws.com (a denial fails the Task as States.Runtime). Returns the machine.
   */
  private async assumeMachineRole(record: ExecutionRecord): Promise<StateMachineDefinition | undefined> {
    const def = this.machines.get(record.stateMachineArn)?.def;
    if (!def) return undefined;
    const assume = await this.deps.deliveries.stepFunctionsAssumes(def);
    if (!assume.allowed)
      throw Object.assign(new Error(`Step Functions cannot assume ${def.roleArn}: ${denialMessage(assume)}`), { name: "States.Runtime" });
    return def;
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
    if (!cb || cb.executionArn.split(":")[3] !== region)
      throw new ServiceError("TaskDoesNotExist", "Task Does Not Exist (the token is unknown, expired or from another region)", 400);
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
    cb.reject(Object.assign(new Error(cause ?? ""), { name: error ?? "States.TaskFailed", fromCallback: true }));
  }

  sendTaskHeartbeat(region: string, token: string): void {
    this.callback(region, token);
    this.armHeartbeat(token);
  }

  /** Tokens waiting for an answer, of one execution or all (the rehearsal's operator finds them in the control table, like drctl). */
  pendingTokens(executionArn?: string): string[] {
    return [...this.callbacks].filter(([, cb]) => executionArn === undefined || cb.executionArn === executionArn).map(([token]) => token);
  }
}
