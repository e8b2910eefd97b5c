/**
 * The fault vocabulary of the simulated world, in AWS Fault Injection Service's words, so an
 * offline rehearsal and a real drill can run the same experiment
 * (https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html):
 *
 * | fault                     | FIS action                                                        |
 * |---------------------------|-------------------------------------------------------------------|
 * | api-error                 | aws:fis:inject-api-internal-error / -throttle-error / -unavailable-error (AWS: EC2 APIs only) |
 * | api-latency               | — (no FIS action injects latency into AWS APIs)                   |
 * | apply-then-timeout        | — (a lost response; no FIS action)                                |
 * | sqs-batch-entry-error     | — (entries of an SQS batch call fail, the call succeeds; no FIS action) |
 * | network-partition         | aws:network:route-table-disrupt-cross-region-connectivity (path "app", one way, from the target region's subnets); DynamoDB's own replication path has no FIS action |
 * | pause-replication         | aws:dynamodb:global-table-pause-replication                       |
 * | replication-lag           | — (ReplicationLatency is AWS's to choose)                         |
 * | lambda-invocation-error   | aws:lambda:invocation-error                                       |
 * | lambda-invocation-delay   | aws:lambda:invocation-add-delay                                   |
 * | region-outage             | — (a whole region: the sum of the above, which FIS cannot do)     |
 * | dns-freeze                | — (Route 53's data plane stuck; not injectable)                   |
 *
 * A fault can be timed (start after `atMs` of the story, stop after `forMs`) and given on the
 * command line: `npm start -- --fault network-partition:from=us-east-1,to=us-east-2,at=30s,for=3m`.
 */
import type { ApiErrorKind, CallMatch, Fault as ApiFault } from "./faults";
import type { NetworkPath } from "./network";
import { NETWORK_PATHS } from "./network";
import type { BatchEntryFault, BatchOperation } from "./sqs/model";
import type { World } from "./world";

export type TableRef = "payments" | "idempotency" | "control";

export type WorldFault =
  | ApiFault
  | BatchEntryFault
  | { action: "region-outage"; region: string }
  | { action: "network-partition"; from: string; to: string; paths?: NetworkPath[]; oneWay?: boolean }
  | { action: "pause-replication"; table: TableRef; region: string }
  | { action: "replication-lag"; table?: TableRef; from: string; to: string; lagMs: number }
  | { action: "lambda-invocation-error"; function: string; region: string; percentage?: number }
  | { action: "lambda-invocation-delay"; function: string; region: string; delayMs: number; percentage?: number }
  | { action: "dns-freeze" };

export type FaultAction = WorldFault["action"];

export interface TimedFault {
  fault: WorldFault;
  /** When it starts, ms from the story's T+0 (default 0). */
  atMs?: number;
  /** How long it lasts (default: to the end). */
  forMs?: number;
}

export const FIS_ACTIONS: Record<FaultAction, string | null> = {
  "api-error": "aws:fis:inject-api-internal-error | aws:fis:inject-api-throttle-error | aws:fis:inject-api-unavailable-error",
  "api-latency": null,
  "apply-then-timeout": null,
  "sqs-batch-entry-error": null,
  "network-partition": "aws:network:route-table-disrupt-cross-region-connectivity",
  "pause-replication": "aws:dynamodb:global-table-pause-replication",
  "replication-lag": null,
  "lambda-invocation-error": "aws:lambda:invocation-error",
  "lambda-invocation-delay": "aws:lambda:invocation-add-delay",
  "region-outage": null,
  "dns-freeze": null,
};

const HASH_KEYS: Record<TableRef, string> = { payments: "paymentId", idempotency: "id", control: "pk" };

export function tableName(world: World, ref: TableRef): string {
  const t = world.deployment.tables.find((x) => x.hashKey === HASH_KEYS[ref]);
  if (!t) throw new Error(`the deployment has no ${ref} table`);
  return t.name;
}

/** One line that says what the fault does, for the timeline. */
export function describeFault(f: WorldFault): string {
  switch (f.action) {
    case "region-outage":
      return `${f.region}: every service stops answering`;
    case "network-partition":
      return `network ${f.from} ${f.oneWay ? "→" : "↔"} ${f.to} cut (${(f.paths ?? NETWORK_PATHS).join(", ")})`;
    case "pause-replication":
      return `replication of the ${f.table} table into ${f.region} paused`;
    case "replication-lag":
      return `replication ${f.from} → ${f.to}${f.table ? ` (${f.table} table)` : ""} lags ${f.lagMs / 1000} s`;
    case "lambda-invocation-error":
      return `${f.function} in ${f.region} fails ${f.percentage ?? 100}% of invocations`;
    case "lambda-invocation-delay":
      return `${f.function} in ${f.region} starts ${f.delayMs} ms late (${f.percentage ?? 100}% of invocations)`;
    case "dns-freeze":
      return "Route 53 answers frozen as they are (health checks still run)";
    case "api-error":
      return `${f.service ?? "every service"}${f.operations ? ` ${f.operations.join("/")}` : ""}${f.region ? ` in ${f.region}` : ""} fails (${typeof f.error === "string" ? f.error : f.error.name})${f.percentage !== undefined ? ` ${f.percentage}%` : ""}`;
    case "api-latency":
      return `${f.service ?? "every service"}${f.region ? ` in ${f.region}` : ""} +${f.delayMs} ms`;
    case "apply-then-timeout":
      return `${f.service ?? "every service"}${f.operations ? ` ${f.operations.join("/")}` : ""}${f.region ? ` in ${f.region}` : ""}: applied, answer lost`;
    case "sqs-batch-entry-error":
      return `sqs ${(f.operations ?? BATCH_OPERATIONS).join("/")}${f.region ? ` in ${f.region}` : ""}: ${f.entryIds ? `entries ${f.entryIds.join(", ")} fail` : "every entry fails"} (${f.code ?? "InternalError"}), the call succeeds${f.percentage !== undefined ? ` ${f.percentage}%` : ""}`;
  }
}

/** Starts `fault` in `world`; returns what stops it. */
export function applyFault(world: World, fault: WorldFault): () => void {
  switch (fault.action) {
    case "api-error":
    case "api-latency":
    case "apply-then-timeout":
      return world.faults.inject(fault);
    case "sqs-batch-entry-error":
      return world.sqs.injectEntryFault(fault);
    case "region-outage":
      world.outage(fault.region);
      return () => world.recover(fault.region);
    case "network-partition":
      return world.reachability.cut(fault.from, fault.to, { paths: fault.paths, oneWay: fault.oneWay });
    case "pause-replication": {
      const table = tableName(world, fault.table);
      world.pauseReplication(table, fault.region, true);
      return () => world.pauseReplication(table, fault.region, false);
    }
    case "replication-lag": {
      const table = fault.table ? tableName(world, fault.table) : undefined;
      world.setLag(fault.from, fault.to, fault.lagMs, table);
      return () => world.setLag(fault.from, fault.to, undefined, table);
    }
    case "lambda-invocation-error":
    case "lambda-invocation-delay":
      return world.runtime.injectFault(fault);
    case "dns-freeze":
      world.route53.freeze();
      return () => world.route53.unfreeze();
  }
}

/** Starts a fault, noting it on the world's timeline; returns what stops it (once). */
export function injectFault(world: World, fault: WorldFault): () => void {
  const stop = applyFault(world, fault);
  if (fault.action !== "region-outage") world.timeline.add("world", "scenario", `FAULT: ${describeFault(fault)}`);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    stop();
    if (fault.action !== "region-outage") world.timeline.add("world", "scenario", `fault cleared: ${describeFault(fault)}`);
  };
}

// --- the command line ---------------------------------------------------------------------------

export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultSpecError";
  }
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;
function duration(value: string, key: string): number {
  const m = DURATION.exec(value);
  if (!m) throw new FaultSpecError(`${key}=${value}: a duration such as 30s, 2m or 1500ms`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

const ACTIONS: readonly FaultAction[] = Object.keys(FIS_ACTIONS) as FaultAction[];
const TABLES: readonly TableRef[] = ["payments", "idempotency", "control"];
const BATCH_OPERATIONS: readonly BatchOperation[] = ["SendMessageBatch", "DeleteMessageBatch"];

/** What each action takes (besides at= and for=), for errors and --help. */
export const FAULT_PARAMETERS: Record<FaultAction, string> = {
  "region-outage": "region",
  "network-partition": "from, to, paths (app+replication+checkers; default all), oneWay (true|false)",
  "pause-replication": "table (payments|idempotency|control), region",
  "replication-lag": "from, to, lag (a duration), table (optional)",
  "lambda-invocation-error": "function (handler name), region, percentage",
  "lambda-invocation-delay": "function (handler name), region, delay (a duration), percentage",
  "dns-freeze": "(none)",
  "api-error": "service, operations (A+B), region, from, resource, percentage, count, error (internal|throttle|unavailable)",
  "api-latency": "service, operations, region, from, resource, percentage, count, delay (a duration)",
  "apply-then-timeout": "service, operations, region, from, resource, percentage, count",
  "sqs-batch-entry-error":
    "operations (SendMessageBatch+DeleteMessageBatch; default both), region, from, resource, percentage, count, entries (entry Ids, A+B; default all), code (default InternalError), senderFault (true|false)",
};

/**
 * `<action>:key=value,key=value` (plus at= and for=), e.g.
 * `network-partition:from=us-east-1,to=us-east-2,paths=replication+app,at=30s,for=3m`.
 * Every problem is named with what is allowed.
 */
export function parseFaultSpec(spec: string): TimedFault {
  const [action, rest = ""] = spec.split(/:(.*)/s, 2);
  if (!ACTIONS.includes(action as FaultAction)) throw new FaultSpecError(`unknown fault "${action}"; known: ${ACTIONS.join(", ")}`);
  const params = new Map<string, string>();
  for (const part of rest.split(",").filter((p) => p.length > 0)) {
    const [k, v] = part.split(/=(.*)/s, 2);
    if (v === undefined || v === "") throw new FaultSpecError(`${action}: "${part}" is not key=value`);
    params.set(k, v);
  }
  const used = new Set<string>(["at", "for"]);
  const need = (k: string): string => {
    used.add(k);
    const v = params.get(k);
    if (v === undefined) throw new FaultSpecError(`${action} needs ${k}= (takes: ${FAULT_PARAMETERS[action as FaultAction]})`);
    return v;
  };
  const opt = (k: string): string | undefined => {
    used.add(k);
    return params.get(k);
  };
  const percentage = (): number | undefined => {
    const v = opt("percentage");
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 100) throw new FaultSpecError(`${action}: percentage=${v}: a number from 0 to 100`);
    return n;
  };
  const table = (v: string): TableRef => {
    if (!TABLES.includes(v as TableRef)) throw new FaultSpecError(`${action}: table=${v}: one of ${TABLES.join(", ")}`);
    return v as TableRef;
  };
  const match = (): CallMatch => {
    const count = opt("count");
    const ops = opt("operations");
    return {
      ...(opt("service") ? { service: params.get("service") } : {}),
      ...(ops ? { operations: ops.split("+") } : {}),
      ...(opt("region") ? { region: params.get("region") } : {}),
      ...(opt("from") ? { from: params.get("from") } : {}),
      ...(opt("resource") ? { resource: params.get("resource") } : {}),
      ...(percentage() !== undefined ? { percentage: percentage() } : {}),
      ...(count !== undefined ? { count: Number(count) } : {}),
    };
  };
  let fault: WorldFault;
  switch (action as FaultAction) {
    case "region-outage":
      fault = { action: "region-outage", region: need("region") };
      break;
    case "network-partition": {
      const paths = opt("paths")?.split("+") as NetworkPath[] | undefined;
      for (const p of paths ?? [])
        if (!NETWORK_PATHS.includes(p)) throw new FaultSpecError(`${action}: paths: "${p}" is not one of ${NETWORK_PATHS.join(", ")}`);
      const oneWay = opt("oneWay");
      if (oneWay !== undefined && oneWay !== "true" && oneWay !== "false")
        throw new FaultSpecError(`${action}: oneWay=${oneWay}: true or false`);
      fault = {
        action: "network-partition",
        from: need("from"),
        to: need("to"),
        ...(paths ? { paths } : {}),
        ...(oneWay === "true" ? { oneWay: true } : {}),
      };
      break;
    }
    case "pause-replication":
      fault = { action: "pause-replication", table: table(need("table")), region: need("region") };
      break;
    case "replication-lag": {
      const t = opt("table");
      fault = {
        action: "replication-lag",
        from: need("from"),
        to: need("to"),
        lagMs: duration(need("lag"), "lag"),
        ...(t ? { table: table(t) } : {}),
      };
      break;
    }
    case "lambda-invocation-error":
      fault = {
        action: "lambda-invocation-error",
        function: need("function"),
        region: need("region"),
        ...(percentage() !== undefined ? { percentage: percentage() } : {}),
      };
      break;
    case "lambda-invocation-delay":
      fault = {
        action: "lambda-invocation-delay",
        function: need("function"),
        region: need("region"),
        delayMs: duration(need("delay"), "delay"),
        ...(percentage() !== undefined ? { percentage: percentage() } : {}),
      };
      break;
    case "dns-freeze":
      fault = { action: "dns-freeze" };
      break;
    case "api-error": {
      const kind = opt("error") ?? "internal";
      if (!["internal", "throttle", "unavailable"].includes(kind))
        throw new FaultSpecError(`${action}: error=${kind}: internal, throttle or unavailable`);
      fault = { action: "api-error", error: kind as ApiErrorKind, ...match() };
      break;
    }
    case "api-latency":
      fault = { action: "api-latency", delayMs: duration(need("delay"), "delay"), ...match() };
      break;
    case "apply-then-timeout":
      fault = { action: "apply-then-timeout", ...match() };
      break;
    case "sqs-batch-entry-error": {
      const { service, operations, ...rest } = match();
      for (const op of operations ?? [])
        if (!BATCH_OPERATIONS.includes(op as BatchOperation))
          throw new FaultSpecError(`${action}: operations: "${op}" is not one of ${BATCH_OPERATIONS.join(", ")}`);
      if (service !== undefined && service !== "sqs") throw new FaultSpecError(`${action}: service=${service}: sqs only`);
      const entries = opt("entries");
      const code = opt("code");
      const senderFault = opt("senderFault");
      if (senderFault !== undefined && senderFault !== "true" && senderFault !== "false")
        throw new FaultSpecError(`${action}: senderFault=${senderFault}: true or false`);
      fault = {
        action: "sqs-batch-entry-error",
        ...(operations ? { operations: operations as BatchOperation[] } : {}),
        ...rest,
        ...(entries ? { entryIds: entries.split("+") } : {}),
        ...(code ? { code } : {}),
        ...(senderFault !== undefined ? { senderFault: senderFault === "true" } : {}),
      };
      break;
    }
  }
  const unknown = [...params.keys()].filter((k) => !used.has(k));
  if (unknown.length)
    throw new FaultSpecError(
      `${action}: unknown parameter(s) ${unknown.join(", ")} (takes: ${FAULT_PARAMETERS[action as FaultAction]}, at, for)`,
    );
  const at = params.get("at");
  const lasts = params.get("for");
  return { fault, ...(at ? { atMs: duration(at, "at") } : {}), ...(lasts ? { forMs: duration(lasts, "for") } : {}) };
}
