/**
 * On-call's manual runs at given times, on top of any scenario: `npm start -- --operator
 * failback:region=us-east-1,at=5m` starts the DR runbook in failback mode in us-east-1 five minutes
 * after T+0, through the same StartExecution `drctl failback` makes (sim/rehearsal/operator.ts).
 * The randomized sweep composes them with faults (an operator racing the automation is one of the
 * hazards it looks for), and its replay commands carry them in this form.
 *
 * What can be written: `failover:region=<region>` (`drctl failover --to <region>`, either region)
 * and `failback:region=<primary>` (`drctl failback`, which runs in the primary), each with `at=`.
 */
import type { Deployment } from "../deployment/types";
import type { Scenario, ScenarioContext } from "../rehearsal/scenario";
import { formatDuration, parseDuration } from "./duration";

export const OPERATOR_MODES = {
  failover: "drctl failover --to <region>: the runbook in failover mode in that region (either region)",
  failback: "drctl failback: the runbook in failback mode in the primary region",
} as const;
export type OperatorMode = keyof typeof OPERATOR_MODES;

export interface OperatorAction {
  mode: OperatorMode;
  /** The region the run starts in (the region it activates). */
  region: string;
  /** When on-call starts it, ms after T+0. */
  atMs: number;
}

export class OperatorSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OperatorSpecError";
  }
}

/** `failover:region=us-east-2,at=3m` → an action; every problem named with what is allowed. */
export function parseOperatorSpec(spec: string): OperatorAction {
  const [mode, rest = ""] = spec.split(/:(.*)/s, 2);
  if (!(mode in OPERATOR_MODES))
    throw new OperatorSpecError(`unknown operator action "${mode}"; known: ${Object.keys(OPERATOR_MODES).join(", ")}`);
  let region: string | undefined;
  let atMs = 0;
  for (const part of rest.split(",").filter((p) => p.length > 0)) {
    const [key, value] = part.split(/=(.*)/s, 2);
    if (value === undefined || value === "") throw new OperatorSpecError(`${mode}: "${part}" is not key=value`);
    if (key === "region") region = value;
    else if (key === "at") {
      const ms = parseDuration(value);
      if (ms === undefined) throw new OperatorSpecError(`${mode}: at=${value}: a duration such as 30s, 2m or 1500ms`);
      atMs = ms;
    } else throw new OperatorSpecError(`${mode}: unknown parameter ${key} (takes: region, at)`);
  }
  if (region === undefined)
    throw new OperatorSpecError(`${mode} needs region= (the region the run starts in), e.g. ${mode}:region=us-east-2,at=3m`);
  return { mode: mode as OperatorMode, region, atMs };
}

export function formatOperatorSpec(a: OperatorAction): string {
  return `${a.mode}:region=${a.region},at=${formatDuration(a.atMs)}`;
}

/** What the deployment makes impossible (an unknown region, a failback outside the primary); empty when all can run. */
export function operatorProblems(actions: readonly OperatorAction[], deployment: Deployment): string[] {
  return actions.flatMap((a) => {
    if (!deployment.regions.includes(a.region))
      return [`--operator ${formatOperatorSpec(a)}: ${a.region} is not a region of the stack (${deployment.regions.join(", ")})`];
    if (a.mode === "failback" && a.region !== deployment.primaryRegion)
      return [`--operator ${formatOperatorSpec(a)}: a failback runs in the primary region (${deployment.primaryRegion})`];
    return [];
  });
}

/** Starts one manual run as on-call would; a call that fails (the region is down) is noted, not retried. */
async function act(ctx: ScenarioContext, a: OperatorAction, taken: Set<string>): Promise<void> {
  let name = ctx.operator.executionName(a.mode);
  for (let n = 2; taken.has(`${a.region} ${name}`); n += 1) name = `${ctx.operator.executionName(a.mode)}-${n}`;
  taken.add(`${a.region} ${name}`);
  ctx.marks.manualExecutions.push(name);
  try {
    await ctx.operator.start(
      a.region,
      name,
      { mode: a.mode, targetRegion: a.region, requestedBy: "oncall@example.com", reason: `rehearsal: on-call runs drctl ${a.mode}` },
      `on-call runs drctl ${a.mode === "failover" ? `failover --to ${a.region}` : "failback"}`,
    );
  } catch (error) {
    ctx.note(
      `on-call could not start ${name} in ${a.region}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
}

/** `scenario`, with on-call's runs started at their times (from T+0, as faults are). */
export function withOperatorActions(scenario: Scenario, actions: readonly OperatorAction[]): Scenario {
  if (actions.length === 0) return scenario;
  return {
    ...scenario,
    async run(ctx) {
      const problems = operatorProblems(actions, ctx.deployment);
      if (problems.length > 0) throw new OperatorSpecError(problems.join("; "));
      const taken = new Set<string>();
      // Counted as pending from now: a base whose story ends before an action's time must still let
      // it start and end before the world is measured (sim/rehearsal/runs-end.ts).
      for (const a of actions) {
        ctx.operator.startsPending += 1;
        ctx.clock.after(a.atMs, () =>
          act(ctx, a, taken).finally(() => {
            ctx.operator.startsPending -= 1;
          }),
        );
      }
      await scenario.run(ctx);
    },
  };
}
