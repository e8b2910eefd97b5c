/**
 * Faults injected into the simulated world, named after the AWS Fault Injection Service actions
 * they stand for, so the same words mean the same thing offline and in a real drill
 * (https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html). This module holds
 * the API-level faults: every simulated AWS call passes {@link FaultInjector.before} and
 * {@link FaultInjector.after} (world.ts). Network partitions, replication faults and Lambda
 * invocation faults live with the parts they act on (network.ts, dynamodb/, lambda/).
 *
 * - `api-error` — the call fails with an AWS error, like FIS's `aws:fis:inject-api-internal-error`,
 *   `-throttle-error` and `-unavailable-error` (which AWS offers for EC2 APIs only; here any service).
 *   The error is what the SDK surfaces after its own retries: a fault that matches every attempt
 *   fails the call, so callers see one error, as they would.
 * - `api-latency` — the call is delayed before it is applied (a slow dependency: gray failure).
 * - `apply-then-timeout` — the request is applied, and its answer never comes back: the caller
 *   sees its SDK time out (each attempt, since a retry of an applied write is also applied-and-lost).
 *
 * A fault matches by service, operation, the region whose endpoint is called, the caller's region,
 * the calling function,
 * a resource (table, queue URL, topic, bucket, function, state machine — as the request names it),
 * a percentage of matching calls (decided by the world's seeded random, so runs repeat) and a count.
 */

export type ApiErrorKind = "internal" | "throttle" | "unavailable";

export interface CallMatch {
  /** SDK service id as the fakes name it: dynamodb, sqs, s3, sns, ssm, cloudwatch, sfn, lambda, sts, route53. */
  service?: string;
  /** Operations, e.g. ["PutItem", "UpdateItem"]; all when omitted. */
  operations?: readonly string[];
  /** The region whose endpoint is called. */
  region?: string;
  /** The caller's region ("internet" for clients outside AWS). */
  from?: string;
  /** Substring of the resource the request names (table name, queue URL, topic ARN, bucket, function). */
  resource?: string;
  /**
   * Substrings of the calling function's physical name (any of them): the fault hits only calls a
   * Lambda function of that name makes, e.g. ["create-payment-"] — what a broken grant of one
   * function's role, or its key, does. A call made by no function (an operator) never matches.
   */
  callers?: readonly string[];
  /** Percentage of matching calls affected (default 100). */
  percentage?: number;
  /** Affects at most this many calls, then expires. */
  count?: number;
}

export type Fault =
  | ({ action: "api-error"; error: ApiErrorKind | { name: string; message: string; httpStatusCode?: number } } & CallMatch)
  | ({ action: "api-latency"; delayMs: number } & CallMatch)
  | ({ action: "apply-then-timeout" } & CallMatch);

/** One AWS call as the world sees it. */
export interface CallRecord {
  seq: number;
  at: number;
  /** The caller's region, or "internet". */
  from: string;
  /** The function making the call, when a Lambda invocation makes it. */
  caller?: string;
  /** The region whose endpoint answers. */
  region: string;
  service: string;
  operation: string;
  /** What the request names (TableName, QueueUrl, TopicArn, Bucket, FunctionName, stateMachineArn...). */
  resource?: string;
  /** The item key, for DynamoDB item operations (JSON of the key). */
  key?: string;
  input: Record<string, unknown>;
  outcome?: "ok" | string;
  /** Who IAM saw making the call (a role session ARN, or the operator). */
  principal?: string;
}

/** The resource a request names, whatever the service. */
export function resourceOf(input: Record<string, unknown>): string | undefined {
  for (const field of [
    "TableName",
    "QueueUrl",
    "TopicArn",
    "Bucket",
    "FunctionName",
    "stateMachineArn",
    "executionArn",
    "RoleArn",
    "Name",
    "Path",
  ]) {
    const v = input[field];
    if (typeof v === "string") return v;
  }
  // TransactWriteItems names a table per action: every one of them (a fault on any matches).
  if (Array.isArray(input.TransactItems)) {
    const tables = (input.TransactItems as Record<string, { TableName?: unknown } | undefined>[]).flatMap((entry) =>
      Object.values(entry).flatMap((action) => (typeof action?.TableName === "string" ? [action.TableName] : [])),
    );
    return tables.length > 0 ? [...new Set(tables)].join(" ") : undefined;
  }
  return undefined;
}

const ERRORS: Record<ApiErrorKind, { name: string; message: string; httpStatusCode: number }> = {
  internal: { name: "InternalServerError", message: "Internal server error (injected fault)", httpStatusCode: 500 },
  throttle: { name: "ThrottlingException", message: "Rate exceeded (injected fault)", httpStatusCode: 400 },
  unavailable: { name: "ServiceUnavailable", message: "Service unavailable (injected fault)", httpStatusCode: 503 },
};

export interface ActiveFault {
  id: number;
  fault: Fault;
  /** Calls it affected so far. */
  hits: number;
}

export interface FaultDecision {
  /** Extra delay before the request is applied. */
  delayMs: number;
  /** Fail the call with this error instead of applying it. */
  error?: Error;
  /** Apply the request, then let the caller time out. */
  loseAnswer: boolean;
}

export class FaultInjector {
  private readonly active: ActiveFault[] = [];
  private counter = 0;

  constructor(private readonly random: () => number) {}

  /** Starts a fault; returns a function that stops it. */
  inject(fault: Fault): () => void {
    const entry: ActiveFault = { id: ++this.counter, fault, hits: 0 };
    this.active.push(entry);
    return () => this.stop(entry.id);
  }

  stop(id: number): void {
    const i = this.active.findIndex((f) => f.id === id);
    if (i >= 0) this.active.splice(i, 1);
  }

  clear(): void {
    this.active.length = 0;
  }

  list(): readonly ActiveFault[] {
    return this.active;
  }

  /** What the active faults do to this call. */
  decide(call: Pick<CallRecord, "service" | "operation" | "region" | "from" | "resource" | "caller">): FaultDecision {
    const decision: FaultDecision = { delayMs: 0, loseAnswer: false };
    for (const entry of [...this.active]) {
      const f = entry.fault;
      if (!callMatches(f, call)) continue;
      if (f.percentage !== undefined && this.random() * 100 >= f.percentage) continue;
      entry.hits += 1;
      if (f.count !== undefined && entry.hits >= f.count) this.stop(entry.id);
      if (f.action === "api-latency") decision.delayMs += f.delayMs;
      else if (f.action === "apply-then-timeout") decision.loseAnswer = true;
      else if (!decision.error) decision.error = apiError(f.error, call);
    }
    return decision;
  }
}

/** Whether `call` is one of the calls `f` names (every field given must match). */
export function callMatches(
  f: CallMatch,
  call: Pick<CallRecord, "service" | "operation" | "region" | "from" | "resource" | "caller">,
): boolean {
  if (f.service !== undefined && f.service !== call.service) return false;
  if (f.operations !== undefined && !f.operations.includes(call.operation)) return false;
  if (f.region !== undefined && f.region !== call.region) return false;
  if (f.from !== undefined && f.from !== call.from) return false;
  if (f.resource !== undefined && !(call.resource ?? "").includes(f.resource)) return false;
  if (f.callers !== undefined && !f.callers.some((c) => call.caller?.includes(c))) return false;
  return true;
}

function apiError(kind: Extract<Fault, { action: "api-error" }>["error"], call: Pick<CallRecord, "service" | "operation">): Error {
  const e = typeof kind === "string" ? ERRORS[kind] : { httpStatusCode: 400, ...kind };
  return Object.assign(new Error(`${e.message} (${call.service}:${call.operation})`), {
    name: e.name,
    httpStatusCode: e.httpStatusCode,
    $fault: e.httpStatusCode >= 500 ? "server" : "client",
  });
}
