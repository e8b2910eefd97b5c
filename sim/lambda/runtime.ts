/**
 * Lambda, simulated: invokes the real handler module loaded for a function's region with a
 * Lambda-like context, the function's timeout, its reserved concurrency (0 = every invocation is
 * throttled: that is how the failover's best-effort stop of the old primary's write function
 * takes effect), JSON in and out as Lambda serializes them, and the AWS/Lambda Errors and
 * Throttles metrics the deployed alarms watch. Each invocation runs in its region's async context
 * (reachability.ts), so the SDK calls it makes are judged from there, and with a log stream of its
 * own: what the function writes (function-log.ts) becomes log events of its log group in its region,
 * from which CloudWatch Logs extracts embedded-metric-format metrics (cloudwatch/emf.ts) into that
 * region's metric store — Powertools metrics reach the alarms built on them.
 *
 * One warm container per function and region serves every invocation (Lambda would run several;
 * each would cache the same way, for the same bounded time).
 */
import type { Context } from "aws-lambda";
import type { Deployment, FunctionSpec } from "../deployment/types";
import type { LambdaControl } from "../small-services";
import type { MetricStore } from "../cloudwatch/metrics";
import { EmfIngestion } from "../cloudwatch/emf";
import { InvocationLog } from "./function-log";
import { runAs, type Reachability } from "../network";
import { denialMessage } from "../iam/authorizer";
import type { ServiceDeliveries } from "../iam/enforcement";

export type Handler = (event: unknown, context?: Context) => Promise<unknown>;

export class LambdaInvokeError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface RuntimeDeps {
  deployment: Deployment;
  now: () => number;
  reachability: Reachability;
  control: LambdaControl;
  metrics: MetricStore;
  /** Decides the percentage of invocations an invocation fault hits (the world's seeded random). */
  random: () => number;
  /** Lambda must be able to assume the function's execution role. */
  deliveries: ServiceDeliveries;
}

/**
 * A Lambda invocation fault, as FIS injects it with its Lambda extension: aws:lambda:invocation-error
 * fails the invocation without running the function (preventExecution), aws:lambda:invocation-add-delay
 * delays its start (https://docs.aws.amazon.com/fis/latest/userguide/use-lambda-actions.html).
 */
export type InvocationFault =
  | { action: "lambda-invocation-error"; function: string; region: string; percentage?: number }
  | { action: "lambda-invocation-delay"; function: string; region: string; delayMs: number; percentage?: number };

export class LambdaRuntime {
  private readonly handlers = new Map<string, Handler>();
  private readonly invocationFaults: InvocationFault[] = [];
  private readonly specs = new Map<string, FunctionSpec>();
  private readonly inFlight = new Map<string, number>();
  private requestCounter = 0;
  /** Invocations per function ARN, and how they ended (for the summary). */
  readonly stats = new Map<string, { invocations: number; errors: number; throttles: number; timeouts: number }>();
  /** CloudWatch Logs' metric extraction from the functions' log events (documents, datapoints, rejections). */
  readonly emf: EmfIngestion;

  constructor(private readonly deps: RuntimeDeps) {
    for (const f of deps.deployment.functions) this.specs.set(f.arn, f);
    this.emf = new EmfIngestion(deps.metrics, deps.now);
  }

  /** Starts a Lambda invocation fault; returns what stops it. */
  injectFault(fault: InvocationFault): () => void {
    this.invocationFaults.push(fault);
    return () => {
      const i = this.invocationFaults.indexOf(fault);
      if (i >= 0) this.invocationFaults.splice(i, 1);
    };
  }

  private faultsFor(spec: FunctionSpec): { fail: boolean; delayMs: number } {
    let fail = false;
    let delayMs = 0;
    for (const f of this.invocationFaults) {
      if (f.function !== spec.handler || f.region !== spec.region) continue;
      if (f.percentage !== undefined && this.deps.random() * 100 >= f.percentage) continue;
      if (f.action === "lambda-invocation-error") fail = true;
      else delayMs += f.delayMs;
    }
    return { fail, delayMs };
  }

  register(arn: string, handler: Handler): void {
    if (!this.specs.has(arn)) throw new Error(`no deployed function ${arn}`);
    this.handlers.set(arn, handler);
  }

  spec(arn: string): FunctionSpec {
    const s = this.specs.get(arn) ?? this.deps.deployment.functions.find((f) => f.name === arn);
    if (!s) throw new LambdaInvokeError("ResourceNotFoundException", `Function not found: ${arn}`);
    return s;
  }

  private count(arn: string, what: "invocations" | "errors" | "throttles" | "timeouts"): void {
    const s = this.stats.get(arn) ?? { invocations: 0, errors: 0, throttles: 0, timeouts: 0 };
    s[what] += 1;
    this.stats.set(arn, s);
  }

  private metric(spec: FunctionSpec, name: "Errors" | "Throttles"): void {
    this.deps.metrics.put(spec.region, "AWS/Lambda", name, { FunctionName: spec.name }, 1, this.deps.now());
  }

  /**
   * A synchronous (RequestResponse) invocation. Throws the handler's error (its name kept, as
   * Lambda reports errorType), `TooManyRequestsException` when throttled, `Sandbox.Timedout`
   * after the function's timeout. The caller decides what an unreachable region means.
   */
  async invoke(arn: string, event: unknown): Promise<unknown> {
    const spec = this.spec(arn);
    const handler = this.handlers.get(spec.arn);
    if (!handler) throw new Error(`The handler of ${spec.name} was not loaded`);
    const assume = await this.deps.deliveries.lambdaAssumes(spec);
    if (!assume.allowed)
      throw new LambdaInvokeError(
        "InvalidParameterValueException",
        `The role defined for the function cannot be assumed by Lambda (${spec.name}): ${denialMessage(assume)}`,
      );
    const reserved = this.deps.control.reservedByArn(spec.arn);
    const running = this.inFlight.get(spec.arn) ?? 0;
    if (reserved !== null && running >= reserved) {
      this.count(spec.arn, "throttles");
      this.metric(spec, "Throttles");
      throw new LambdaInvokeError("TooManyRequestsException", `Rate Exceeded. (${spec.name}: reserved concurrency ${reserved})`);
    }
    this.count(spec.arn, "invocations");
    this.inFlight.set(spec.arn, running + 1);
    const started = this.deps.now();
    const deadline = started + spec.timeoutSeconds * 1000;
    const requestId = `req-${++this.requestCounter}`;
    const logGroup = `/aws/lambda/${spec.name}`;
    const log = new InvocationLog((message) => this.emf.logEvent(spec.region, logGroup, message));
    const context = {
      awsRequestId: requestId,
      functionName: spec.name,
      functionVersion: "$LATEST",
      invokedFunctionArn: spec.arn,
      memoryLimitInMB: "256",
      logGroupName: logGroup,
      logStreamName: `rehearsal/${requestId}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - this.deps.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    } as unknown as Context;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LambdaInvokeError("Sandbox.Timedout", `Task timed out after ${spec.timeoutSeconds}.00 seconds`)),
        spec.timeoutSeconds * 1000,
      );
    });
    try {
      const payload = event === undefined ? undefined : JSON.parse(JSON.stringify(event));
      const fault = this.faultsFor(spec);
      const run = async () => {
        if (fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        if (fault.fail)
          throw new LambdaInvokeError(
            "FISInvocationError",
            `Invocation of ${spec.name} failed (injected fault: aws:lambda:invocation-error)`,
          );
        return runAs({ region: spec.region, functionName: spec.name, log: (text) => log.write(text) }, () => handler(payload, context));
      };
      const result = await Promise.race([run(), timeout]);
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      if (e.name === "Sandbox.Timedout") this.count(spec.arn, "timeouts");
      this.count(spec.arn, "errors");
      this.metric(spec, "Errors");
      throw e;
    } finally {
      log.end();
      clearTimeout(timer);
      this.inFlight.set(spec.arn, (this.inFlight.get(spec.arn) ?? 1) - 1);
    }
  }

  /**
   * An asynchronous (Event) invocation, as EventBridge makes: Lambda retries a failing function
   * per the function's async-invoke configuration (default 2 retries, about 1 and 2 minutes
   * apart) while the event is younger than its maximum age. Errors are reported, not thrown.
   */
  invokeAsync(
    arn: string,
    event: unknown,
    onResult?: (outcome: { ok: boolean; result?: unknown; error?: Error; attempt: number }) => void,
  ): void {
    const spec = this.spec(arn);
    const config = this.deps.deployment.asyncInvokeConfigs.find((c) => c.functionName === spec.name && c.region === spec.region);
    const retries = config?.maximumRetryAttempts ?? 2;
    const maxAgeMs = (config?.maximumEventAgeSeconds ?? 21600) * 1000;
    const queuedAt = this.deps.now();
    const attempt = async (n: number): Promise<void> => {
      await this.deps.reachability.whenUp(spec.region);
      try {
        const result = await this.invoke(spec.arn, event);
        onResult?.({ ok: true, result, attempt: n });
      } catch (error) {
        const throttled = (error as Error).name === "TooManyRequestsException";
        const delay = throttled ? 1000 : n === 0 ? 60_000 : 120_000;
        if ((throttled || n < retries) && this.deps.now() + delay - queuedAt <= maxAgeMs) {
          setTimeout(() => void attempt(throttled ? n : n + 1), delay);
        } else {
          onResult?.({ ok: false, error: error as Error, attempt: n });
        }
      }
    };
    void attempt(0);
  }
}
