/**
 * Runs the REAL rendered DR definition in aws-local-stepfunctions with the REAL runbook handlers.
 *
 * - Handlers are loaded once per region, each region in its own jest.isolateModules sandbox with
 *   that region's environment (handlers read env and build clients at module scope, exactly like
 *   in Lambda), and the SDK fakes (fakes.ts) are installed inside the same sandbox.
 * - Every Task state is overridden by state name with its handler (taskBindings): the Payload
 *   goes through JSON as Lambda would, and the result is wrapped as `lambda:invoke` returns it.
 * - The approval Task calls the real request-approval handler (which stores the token) and then
 *   waits for the test's responder, standing in for `drctl approve|reject`.
 * - Wait states and Retry pauses take no time (waitTimeOverrides, retryIntervalOverrides); a drill's StartExecution in the peer region runs
 *   the peer's machine to completion through this same harness.
 *
 * What this cannot prove: that AWS accepts the definition (asl-validator and the executor are
 * stricter or looser in places), IAM, real timing, or the real JSONPath engine of Step Functions.
 */
import * as dnsPromises from "node:dns/promises";
import { localStateMachine, type LocalEvent } from "../../../sim/stepfunctions/local-executor";
import {
  RUNBOOK_TASK_FUNCTIONS,
  recommendedTimings,
  renderDrStateMachine,
  taskBindings,
  type AslDefinition,
  type DrStateMachineTimings,
  type DrStateMachineValues,
  type RunbookTaskFunction,
} from "../../../state-machines/render";
import { runbookFunctions } from "../../../lib/handlers";
import type { ExecutionRecord, FakeContext } from "./fakes";
import {
  ACCOUNT,
  CONTROL_TABLE,
  ENVIRONMENT,
  FENCE_ALARM_NAME,
  IDEMPOTENCY_TABLE,
  PAYMENTS_TABLE,
  PRIMARY,
  REGIONS,
  SECONDARY,
  World,
  peerOf,
  writeFunctionName,
} from "./world";

export type Handler = (event: unknown) => Promise<unknown>;

export const stateMachineArn = (region: string) => `arn:aws:states:${region}:${ACCOUNT}:stateMachine:payments-dr-${region}-${ENVIRONMENT}`;
export const executionArn = (region: string, name: string) =>
  `arn:aws:states:${region}:${ACCOUNT}:execution:payments-dr-${region}-${ENVIRONMENT}:${name}`;
export const functionArn = (region: string, fn: string) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${fn}-${region}-${ENVIRONMENT}`;

/** The stack's values for every environment variable a runbook function may declare. */
export function regionEnvironment(region: string, overrides: Record<string, string> = {}): Record<string, string> {
  const peer = peerOf(region);
  return {
    ENVIRONMENT,
    LOCAL_REGION: region,
    PEER_REGION: peer,
    PRIMARY_REGION: PRIMARY,
    SECONDARY_REGION: SECONDARY,
    PAYMENTS_TABLE,
    IDEMPOTENCY_TABLE,
    CONTROL_TABLE,
    ALERT_TOPIC_ARN: `arn:aws:sns:${region}:${ACCOUNT}:payments-dr-alerts-${region}-${ENVIRONMENT}`,
    METRIC_NAMESPACE: "PaymentsDR",
    RPO_SECONDS: "60",
    RTO_SECONDS: "300",
    PEER_HEALTH_URL: `https://api-${peer}.payments.example.com/health`,
    PROBES_PER_MINUTE: "6",
    DNS_WITNESS_NAME: "_region.api.payments.example.com",
    ZONE_NAME_SERVERS: "192.0.2.53,192.0.2.54:53",
    DR_OPERATIONS_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/payments-dr-dr-operations-global-${ENVIRONMENT}`,
    PEER_WRITE_FUNCTION_NAME: writeFunctionName(peer),
    LOCAL_WRITE_FUNCTION_NAME: writeFunctionName(region),
    PEER_STATE_MACHINE_ARN: stateMachineArn(peer),
    STATE_MACHINE_ARN: stateMachineArn(region),
    EVIDENCE_BUCKET: `payments-dr-evidence-${region}-${ENVIRONMENT}-${ACCOUNT}`,
    AUTO_FAILOVER: "true",
    MIN_AUTO_INTERVAL_SECONDS: "900",
    DRILL_HOLD_SECONDS: "0",
    FENCE_ALARM_NAME,
    ...overrides,
  };
}

export interface ApprovalRequest {
  region: string;
  execution: string;
  payload: Record<string, unknown>;
}
/** Resolves with the SendTaskSuccess output, or throws the SendTaskFailure error. */
export type ApprovalResponder = (request: ApprovalRequest) => Promise<unknown>;

export interface RunOptions {
  name?: string;
  approval?: ApprovalResponder;
}

export interface RunResult {
  name: string;
  region: string;
  status: "SUCCEEDED" | "FAILED";
  output?: Record<string, unknown>;
  error?: string;
  cause?: string;
  /** States entered, in order. */
  states: string[];
  events: LocalEvent[];
}

export interface HarnessOptions {
  /** Environment overrides per region (e.g. AUTO_FAILOVER=false). */
  env?: Partial<Record<string, Record<string, string>>>;
  timings?: Partial<DrStateMachineTimings>;
}

/** Nobody answers: the approval step's heartbeat times out. */
export const noAnswer: ApprovalResponder = async () => {
  throw Object.assign(new Error("Task timed out waiting for a heartbeat"), { name: "States.HeartbeatTimeout" });
};
export const approve: ApprovalResponder = async () => ({ approved: true, approvedBy: "alice@example.com", comment: "go" });
export const reject: ApprovalResponder = async () => {
  throw Object.assign(new Error("rejected by bob@example.com: replication too far behind"), { name: "ApprovalRejectedError" });
};

let counter = 0;

export class Harness {
  world = World.healthy();
  readonly handlers: Record<string, Record<RunbookTaskFunction, Handler>> = {};
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly timings: DrStateMachineTimings;

  private constructor(options: HarnessOptions) {
    this.timings = {
      ...recommendedTimings({
        regionStateCacheSeconds: 5,
        healthCheckIntervalSeconds: 10,
        healthCheckFailureThreshold: 3,
        probesPerMinute: 6,
      }),
      ...options.timings,
    };
    const ctx: FakeContext = {
      world: () => this.world,
      startExecution: (region, name, input) => this.startChild(region, name, input),
      describeExecution: (arn) => this.executions.get(arn),
    };
    for (const region of REGIONS) {
      const saved = process.env;
      process.env = { ...saved, ...regionEnvironment(region, options.env?.[region] ?? {}) };
      try {
        jest.isolateModules(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          (require("./fakes") as typeof import("./fakes")).installFakes(ctx);
          const loaded = {} as Record<RunbookTaskFunction, Handler>;
          for (const fn of RUNBOOK_TASK_FUNCTIONS) {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            loaded[fn] = (require(`../../../runbooks/handlers/${fn}/index`) as { handler: Handler }).handler;
          }
          this.handlers[region] = loaded;
        });
      } finally {
        process.env = saved;
      }
    }
    // DNS is global: the witness answer comes from the World, whoever asks.
    jest.spyOn(dnsPromises.Resolver.prototype, "setServers").mockImplementation(() => undefined);
    jest.spyOn(dnsPromises.Resolver.prototype, "resolveTxt").mockImplementation(async () => {
      this.world.dnsQueries += 1;
      const answer = this.world.dnsAnswer();
      this.world.call("global", "dns", "resolve-txt", answer);
      this.world.effect("dns", "global", answer.join(","));
      return answer.map((a) => [a]);
    });
  }

  static create(options: HarnessOptions = {}): Harness {
    return new Harness(options);
  }

  /** Fresh world for the next test (handlers stay loaded, as warm Lambda containers would). */
  reset(world: World = World.healthy()): World {
    this.world = world;
    this.executions.clear();
    this.childRuns.length = 0;
    return world;
  }

  values(region: string): DrStateMachineValues {
    return {
      ...this.timings,
      region,
      peerRegion: peerOf(region),
      primaryRegion: PRIMARY,
      secondaryRegion: SECONDARY,
      functionArns: Object.fromEntries(RUNBOOK_TASK_FUNCTIONS.map((fn) => [fn, functionArn(region, fn)])) as Record<
        RunbookTaskFunction,
        string
      >,
    };
  }

  definition(region: string): AslDefinition {
    return renderDrStateMachine(this.values(region)).definition;
  }

  async run(region: string, input: unknown, options: RunOptions = {}): Promise<RunResult> {
    const name = options.name ?? `test-${++counter}`;
    const values = this.values(region);
    const definition = this.definition(region);
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const binding of taskBindings(definition, values.functionArns)) {
      const handler = this.handlers[region][binding.handler];
      overrides[binding.state] = async (raw: unknown) => {
        const payload = JSON.parse(JSON.stringify((raw as { Payload: unknown }).Payload)) as Record<string, unknown>;
        const out = JSON.parse(JSON.stringify(await handler(payload)));
        if (!binding.waitForTaskToken) return { Payload: out, StatusCode: 200, ExecutedVersion: "$LATEST" };
        const responder = options.approval ?? noAnswer;
        return JSON.parse(JSON.stringify(await responder({ region, execution: name, payload })));
      };
    }
    const waits = Object.fromEntries(
      Object.entries(definition.States)
        .filter(([, s]) => s.Type === "Wait")
        .map(([n]) => [n, 0]),
    );
    const retryPauses = Object.fromEntries(
      Object.entries(definition.States)
        .filter(([, s]) => s.Retry !== undefined)
        .map(([n]) => [n, 0]),
    );
    const execution = localStateMachine(definition).run(input, {
      overrides: { taskResourceLocalHandlers: overrides, waitTimeOverrides: waits, retryIntervalOverrides: retryPauses },
      context: { Execution: { Name: name, Id: executionArn(region, name) }, Task: { Token: `token-${name}` } },
    });
    const events: LocalEvent[] = [];
    const collecting = (async () => {
      for await (const e of execution.eventLogs) events.push(e);
    })();
    let result: RunResult;
    try {
      const output = (await execution.result) as Record<string, unknown>;
      result = { name, region, status: "SUCCEEDED", output, states: [], events };
    } catch (error) {
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      result = {
        name,
        region,
        status: "FAILED",
        error: cause?.name ?? (error as Error).name,
        cause: cause?.message ?? (error as Error).message,
        states: [],
        events,
      };
    }
    await collecting;
    result.states = events.filter((e) => e.type === "StateEntered").map((e) => e.state?.name ?? "");
    return result;
  }

  private async startChild(region: string, name: string, input: unknown): Promise<ExecutionRecord | undefined> {
    const arn = executionArn(region, name);
    if (this.executions.has(arn)) return undefined;
    const record: ExecutionRecord = { executionArn: arn, status: "RUNNING", startDate: new Date() };
    this.executions.set(arn, record);
    const result = await this.run(region, input, { name });
    record.status = result.status;
    record.stopDate = new Date();
    if (result.output) record.output = JSON.stringify(result.output);
    if (result.error) {
      record.error = result.error;
      record.cause = result.cause;
    }
    this.childRuns.push(result);
    return record;
  }

  /** Executions started through StartExecution (a drill's failback), with their results. */
  readonly childRuns: RunResult[] = [];
}

/** The declared environment of one runbook function, from lib/handlers/dr-functions.ts. */
export function declaredEnvironment(fn: string): readonly string[] {
  const spec = runbookFunctions.find((f) => f.name === fn);
  if (!spec) throw new Error(`no manifest entry for ${fn}`);
  return spec.environment;
}
