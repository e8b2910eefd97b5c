/**
 * `npm start -- --experiment <name>[:at=<duration>]`: the rehearsal runs one of the stack's
 * deployed AWS FIS experiment templates (read from the evaluated program) in the chosen scenario,
 * through the simulated FIS (service.ts), exactly as `drctl drill --experiment` starts it for real:
 * in the region the experiment is made for, at `at` after T+0 (default T+0). Its actions run for
 * their durations; its stop conditions stop it. The story is held open until the experiment ends,
 * so its durations are honoured, and the scenario gains one check: the experiment ran and ended as
 * FIS would end it (completed, or stopped by a stop condition) — a failure, an IAM denial included,
 * turns the rehearsal red.
 */
import { DRILL_EXPERIMENTS, drillExperiment } from "../../infra/core/drill-experiments";
import type { Deployment, ExperimentTemplateDefinition } from "../deployment/types";
import type { Check, Scenario } from "../rehearsal/scenario";
import { fisOf } from "./service";
import { isoDurationMs } from "./templates";

export class ExperimentSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExperimentSpecError";
  }
}

export interface ExperimentRun {
  /** As given on the command line. */
  spec: string;
  name: string;
  /** When the experiment starts, ms after the story's T+0. */
  atMs: number;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/;

/** What `--experiment` takes, for --help and errors. */
export const EXPERIMENT_HELP = `${DRILL_EXPERIMENTS.map((e) => e.name).join("|")}, optionally :at=<duration> (e.g. :at=30s)`;

/** `pause-replication` or `pause-replication:at=30s`; every problem named with what is allowed. */
export function parseExperimentSpec(spec: string): ExperimentRun {
  const [name, rest] = spec.split(/:(.*)/s, 2);
  if (!drillExperiment(name))
    throw new ExperimentSpecError(
      `unknown experiment "${name}"; the stack's experiments: ${DRILL_EXPERIMENTS.map((e) => e.name).join(", ")}`,
    );
  if (rest === undefined || rest === "") return { spec, name, atMs: 0 };
  const at = /^at=(.+)$/.exec(rest)?.[1];
  const m = at === undefined ? null : DURATION.exec(at);
  if (!m) throw new ExperimentSpecError(`${name}: "${rest}" is not at=<duration> (a duration such as 30s, 2m or 1500ms)`);
  const n = Number(m[1]);
  return { spec, name, atMs: m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000 };
}

/** The deployed template `drctl drill --experiment <name>` would start, with its region. */
export function experimentTemplate(deployment: Deployment, name: string): ExperimentTemplateDefinition {
  const spec = drillExperiment(name);
  if (!spec) throw new ExperimentSpecError(`unknown experiment "${name}"`);
  const region = spec.runsIn === "primary" ? deployment.primaryRegion : deployment.secondaryRegion;
  const t = (deployment.experimentTemplates ?? []).find((x) => x.region === region && x.tags.DrillExperiment === name);
  if (!t) throw new ExperimentSpecError(`the evaluated stack deploys no ${name} experiment template in ${region}`);
  return t;
}

/** The longest an experiment can run: its actions one after another (startAfter), each its duration. */
function longestRunMs(t: ExperimentTemplateDefinition): number {
  const ends = new Map<string, number>();
  const endOf = (name: string, seen: string[] = []): number => {
    const known = ends.get(name);
    if (known !== undefined) return known;
    const a = t.actions.find((x) => x.name === name);
    if (!a || seen.includes(name)) return 0;
    const start = Math.max(0, ...a.startAfter.map((n) => endOf(n, [...seen, name])));
    const end = start + isoDurationMs(a.parameters.duration, `action ${a.name}`);
    ends.set(name, end);
    return end;
  };
  return Math.max(0, ...t.actions.map((a) => endOf(a.name)));
}

/** The scenario with the experiment started at its time, held open until it ends, and checked. */
export function withExperiment(scenario: Scenario, run: ExperimentRun | undefined, deployment: Deployment): Scenario {
  if (!run) return scenario;
  const template = experimentTemplate(deployment, run.name);
  let experimentId: string | undefined;
  const label = template.tags.Name ?? template.id;
  return {
    ...scenario,
    story: `${scenario.story} The AWS FIS experiment ${run.name} (template ${label}) starts at T+${run.atMs / 1000} s in ${template.region}.`,
    async run(ctx) {
      const fis = fisOf(ctx.world);
      ctx.clock.after(run.atMs, () => {
        ctx.note(`on-call starts the AWS FIS experiment ${run.name} (${label}) in ${template.region}, as drctl drill --experiment does`);
        experimentId = fis.start(template.region, template.id, { RequestedBy: "rehearsal" }).id;
      });
      await scenario.run(ctx);
      // FIS runs on after the story: wait for the experiment to end (its actions' durations, plus slack).
      const ended = () => {
        const e = experimentId ? fis.experiments.get(experimentId) : undefined;
        return e !== undefined && ["completed", "stopped", "failed"].includes(e.status);
      };
      const origin = ctx.clock.origin;
      const left = origin + run.atMs + longestRunMs(template) + 60_000 - ctx.clock.now();
      await ctx.waitFor(ended, Math.max(left, 60_000));
    },
    expectations(ctx, figures) {
      const e = experimentId ? fisOf(ctx.world).experiments.get(experimentId) : undefined;
      const name = `the AWS FIS experiment ${run.name} ran and ended as FIS ends it`;
      const check: Check = !e
        ? { name, verdict: "fail", detail: "it never started (the story ended before its at=)" }
        : {
            name,
            verdict: e.status === "completed" || (e.status === "stopped" && e.reason?.startsWith("Stop condition")) ? "pass" : "fail",
            detail: `${e.id} ${e.status}${e.reason ? `: ${e.reason}` : ""}; actions: ${e.actions.map((a) => `${a.name} ${a.status}`).join(", ")}`,
          };
      return [...scenario.expectations(ctx, figures), check];
    },
  };
}
