/**
 * Small helpers the scenarios share: checks, what a replica says about a region, the
 * automatic runs a region started, and the opening most stories share (the primary goes dark
 * and the secondary fails over).
 */
import { regionIn } from "../../authority";
import { tableName } from "../../experiments";
import type { ExecutionRecord } from "../../stepfunctions/model";
import { automaticExecutions, type Check, type ScenarioContext, waitForExecutionEnd } from "../scenario";

export const check = (name: string, ok: boolean, detail: string): Check => ({ name, verdict: ok ? "pass" : "fail", detail });

/** The record of `region` as `replica` holds it. */
export function recordIn(ctx: ScenarioContext, replica: string, region: string): { state: string; epoch: number } | undefined {
  return regionIn(ctx.world, replica, region);
}

/** "us-east-1 ACTIVE/1, us-east-2 STANDBY/0" as both replicas see it (they agree once replicated). */
export function statesSeen(ctx: ScenarioContext): string {
  return ctx.deployment.regions
    .map(
      (replica) => `${replica} replica: ${ctx.deployment.regions.map((r) => `${r} ${recordIn(ctx, replica, r)?.state ?? "?"}`).join(", ")}`,
    )
    .join("; ");
}

export function endsWith(ctx: ScenarioContext, states: Record<string, string>): Check {
  const ok = ctx.deployment.regions.every((replica) => Object.entries(states).every(([r, s]) => recordIn(ctx, replica, r)?.state === s));
  return check(
    `ends with ${Object.entries(states)
      .map(([r, s]) => `${r} ${s}`)
      .join(", ")}`,
    ok,
    statesSeen(ctx),
  );
}

/** Automatic runs that changed a region record (promoted, fenced, drained) — i.e. that acted. */
export function actingRuns(ctx: ScenarioContext, region: string, from = 0): ExecutionRecord[] {
  return automaticExecutions(ctx, region, from).filter((e) =>
    e.states.some((s) => ["PromoteLocalRegion", "FenceOldPrimary", "DrainLocalRegion"].includes(s.name)),
  );
}

/** When `region` was first promoted (its own ACTIVE record written by a runbook) after `from`. */
export function promotedAt(ctx: ScenarioContext, region: string, from = 0): number | undefined {
  return ctx.observations.regionRecords.find(
    (r) => r.local && r.replica === region && r.region === region && r.state === "ACTIVE" && r.at >= from,
  )?.at;
}

export const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * The primary goes dark; waits (at most `limitMs`) until the secondary's first automatic run
 * since the outage has ended, and marks it as the run whose report the figures come from.
 */
export async function primaryOutageUntilFailoverEnds(ctx: ScenarioContext, limitMs = 10 * 60_000): Promise<void> {
  ctx.outage(ctx.primary);
  const from = ctx.marks.outageStart as number;
  await ctx.waitFor(() => automaticExecutions(ctx, ctx.secondary, from).some((e) => e.status !== "RUNNING"), limitMs);
  ctx.marks.measuredExecution = automaticExecutions(ctx, ctx.secondary, from)[0]?.name;
}

/** No DR execution running in any region. */
export const nothingRunning = (ctx: ScenarioContext) =>
  ctx.deployment.regions.every((r) => ctx.executions(r).every((e) => e.status !== "RUNNING"));

/**
 * The opening of the stories that start after a failover: the primary fails, the secondary takes
 * over, the primary comes back (fenced) and every run has ended.
 */
export async function failedOverThenRecovered(ctx: ScenarioContext): Promise<void> {
  await ctx.clock.advance(30_000);
  await primaryOutageUntilFailoverEnds(ctx);
  await ctx.clock.advance(60_000);
  ctx.recover(ctx.primary);
  await ctx.clock.advance(90_000);
  await ctx.waitFor(() => nothingRunning(ctx), 5 * 60_000);
}

/** Starts a failback in the primary, as `drctl failback` does; returns the execution name. */
export async function startFailback(ctx: ScenarioContext, why = "on-call runs drctl failback"): Promise<string> {
  const name = ctx.operator.executionName("failback");
  ctx.marks.manualExecutions.push(name);
  await ctx.startRun(
    ctx.primary,
    name,
    { mode: "failback", targetRegion: ctx.primary, requestedBy: "oncall@example.com", reason: "primary recovered; fail back" },
    why,
  );
  return name;
}

/** On-call runs `drctl failback` in the primary (recorded as a manual execution) and waits for it to end. */
export async function failBackByHand(ctx: ScenarioContext): Promise<void> {
  const name = await startFailback(ctx);
  await waitForExecutionEnd(ctx, ctx.primary, name, 15 * 60_000);
}

/**
 * The primary's payment functions' writes to the payments table fail, as DynamoDB answers when a
 * partition of it is unavailable; the region is otherwise healthy. Returns the undo.
 */
export function paymentWritesFail(ctx: ScenarioContext): () => void {
  return ctx.inject({
    action: "api-error",
    error: "unavailable",
    service: "dynamodb",
    operations: ["PutItem", "UpdateItem"],
    region: ctx.primary,
    from: ctx.primary,
    resource: tableName(ctx.world, "payments"),
  });
}
