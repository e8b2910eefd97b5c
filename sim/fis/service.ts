/**
 * AWS Fault Injection Service in the simulated world: the deployed experiment templates
 * (deployment.experimentTemplates, read from the evaluated program) run as AWS runs them.
 *
 * - Starting an experiment: FIS assumes the template's role, sending aws:SourceAccount and the
 *   experiment's ARN as aws:SourceArn (https://docs.aws.amazon.com/fis/latest/userguide/security_iam_service-with-iam.html);
 *   with logging configured, it sets up log delivery with that role. A denial fails the experiment.
 * - Actions start at once, or when every action named in `startAfter` has completed
 *   (https://docs.aws.amazon.com/fis/latest/userguide/action-sequence.html), run for their
 *   `duration`, and make their calls with the experiment role: each is authorized against the
 *   stack's own policy (templates.ts lists them per action). A denied call fails the action and
 *   the experiment; a denied undo leaves the fault in place, as it would in AWS.
 * - Stop conditions: "If a stop condition is triggered during an experiment, AWS FIS stops the
 *   experiment. You cannot resume a stopped experiment"
 *   (https://docs.aws.amazon.com/fis/latest/userguide/stop-conditions.html). The simulated FIS
 *   reacts to the alarm's transition to ALARM at once; an alarm already in ALARM when the
 *   experiment starts stops it before any action (the harsher reading for the drill: AWS does
 *   not document how soon it reacts; faults never outlive the signal here).
 * - StopExperiment stops it the same way; stopping undoes what the actions did.
 * Experiments live per world (one FIS per account and region, as AWS has).
 */
import { injectFault } from "../experiments";
import { denialMessage } from "../iam/authorizer";
import type { ExperimentTemplateDefinition } from "../deployment/types";
import type { World } from "../world";
import {
  actionIamRequests,
  FisActionError,
  isoDurationMs,
  type NetworkDeny,
  planAction,
  type ResolvedAction,
  resolveActions,
} from "./templates";

export type ExperimentStatus = "initiating" | "pending" | "running" | "completed" | "stopping" | "stopped" | "failed";
export type ActionStatus = "pending" | "initiating" | "running" | "completed" | "cancelled" | "stopping" | "stopped" | "failed";

export interface ExperimentAction {
  name: string;
  actionId: string;
  parameters: Record<string, string>;
  targets: Record<string, string>;
  startAfter: string[];
  status: ActionStatus;
  reason?: string;
  startTime?: number;
  endTime?: number;
}

export interface Experiment {
  id: string;
  arn: string;
  region: string;
  template: ExperimentTemplateDefinition;
  status: ExperimentStatus;
  reason?: string;
  error?: { code: string; location?: string };
  createdAt: number;
  startTime?: number;
  endTime?: number;
  tags: Record<string, string>;
  actions: ExperimentAction[];
}

class SimulatedFis {
  readonly experiments = new Map<string, Experiment>();
  private counter = 0;
  private readonly undo = new Map<string, Map<string, () => Promise<void>>>();
  private readonly timers = new Map<string, (() => void)[]>();

  constructor(private readonly world: World) {
    world.alarms.onTransition((t) => {
      if (t.to !== "ALARM") return;
      for (const e of this.experiments.values()) {
        if (e.status !== "running" && e.status !== "initiating") continue;
        if (e.template.stopConditions.some((c) => c.source === "aws:cloudwatch:alarm" && c.value === t.alarm.arn))
          void this.halt(e, "stopped", `Stop condition ${t.alarm.name} triggered (the alarm went to ALARM)`);
      }
    });
  }

  templates(region: string): ExperimentTemplateDefinition[] {
    return (this.world.deployment.experimentTemplates ?? []).filter((t) => t.region === region);
  }

  template(region: string, id: string): ExperimentTemplateDefinition {
    const t = this.templates(region).find((x) => x.id === id);
    if (!t)
      throw Object.assign(new Error(`Experiment template not found: ${id}`), { name: "ResourceNotFoundException", httpStatusCode: 404 });
    return t;
  }

  get(region: string, id: string): Experiment {
    const e = this.experiments.get(id);
    if (!e || e.region !== region)
      throw Object.assign(new Error(`Experiment not found: ${id}`), { name: "ResourceNotFoundException", httpStatusCode: 404 });
    return e;
  }

  /** StartExperiment: the experiment exists at once (initiating); it runs on the world's clock. */
  start(region: string, templateId: string, tags: Record<string, string> = {}): Experiment {
    const template = this.template(region, templateId);
    const id = `EXP${(++this.counter).toString(36).toUpperCase().padStart(14, "0")}`;
    const e: Experiment = {
      id,
      arn: `arn:aws:fis:${region}:${this.world.deployment.accountId}:experiment/${id}`,
      region,
      template,
      status: "initiating",
      createdAt: this.world.clock.now(),
      tags: { ...tags },
      actions: template.actions.map((a) => ({ ...a, status: "pending" })),
    };
    this.experiments.set(id, e);
    this.undo.set(id, new Map());
    this.timers.set(id, []);
    this.note(e, `FIS: experiment ${id} of ${template.tags.Name ?? template.id} initiating`);
    this.world.clock.after(0, () => this.begin(e));
    return e;
  }

  /** StopExperiment. */
  stop(region: string, id: string): Experiment {
    const e = this.get(region, id);
    if (e.status === "running" || e.status === "initiating" || e.status === "pending")
      void this.halt(e, "stopped", "Experiment stopped by user");
    return e;
  }

  private note(e: Experiment, text: string): void {
    this.world.timeline.add(e.region, "scenario", text);
  }

  private async begin(e: Experiment): Promise<void> {
    if (e.status !== "initiating") return;
    const d = this.world.deployment;
    const assume = await this.world.iam.service("fis.amazonaws.com", "sts:AssumeRole", e.template.roleArn, {
      "aws:SourceAccount": d.accountId,
      "aws:SourceArn": e.arn,
    });
    if (!assume.allowed) return this.fail(e, `AWS FIS could not assume ${e.template.roleArn}: ${denialMessage(assume)}`, "AccessDenied");
    // A stop condition (or StopExperiment) may have ended it while IAM answered.
    if (e.status !== "initiating") return;
    if (e.template.logGroupArn) {
      for (const action of [
        "logs:CreateLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:PutResourcePolicy",
      ]) {
        const allowed = await this.asRole(e, action, "*");
        if (allowed !== true) return this.fail(e, `log delivery to ${e.template.logGroupArn}: ${allowed}`, "AccessDenied");
      }
      if (e.status !== "initiating") return;
    }
    let actions: ResolvedAction[];
    try {
      actions = resolveActions(e.template);
    } catch (error) {
      return this.fail(e, (error as Error).message, "InvalidTarget");
    }
    const inAlarm = e.template.stopConditions.find(
      (c) => c.source === "aws:cloudwatch:alarm" && c.value !== undefined && this.world.alarms.state(c.value) === "ALARM",
    );
    if (inAlarm) return this.halt(e, "stopped", `Stop condition ${inAlarm.value?.split(":alarm:")[1]} was already in ALARM`);
    e.status = "running";
    e.startTime = this.world.clock.now();
    this.note(
      e,
      `FIS: experiment ${e.id} running (stop conditions: ${e.template.stopConditions.map((c) => c.value?.split(":alarm:")[1] ?? c.source).join(", ")})`,
    );
    for (const action of actions) if (this.ready(e, action)) void this.runAction(e, action, actions);
  }

  private ready(e: Experiment, action: ResolvedAction): boolean {
    const a = this.actionOf(e, action.name);
    return a.status === "pending" && a.startAfter.every((n) => this.actionOf(e, n).status === "completed");
  }

  private actionOf(e: Experiment, name: string): ExperimentAction {
    const a = e.actions.find((x) => x.name === name);
    if (!a) throw new FisActionError(`no action ${name}`);
    return a;
  }

  /** "allowed" or the denial message. */
  private async asRole(
    e: Experiment,
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
  ): Promise<true | string> {
    const decision = await this.world.iam.asRole(e.template.roleArn, e.id, action, resource, {
      "aws:RequestedRegion": e.region,
      ...(context as Record<string, string>),
    });
    return decision.allowed ? true : denialMessage(decision);
  }

  private async authorizeAll(e: Experiment, action: ResolvedAction, phase: "begin" | "end"): Promise<true | string> {
    for (const r of actionIamRequests(this.world.deployment, action, phase, `acl-fis${e.id.slice(-8).toLowerCase()}`)) {
      const allowed = await this.asRole(e, r.action, r.resource, r.context);
      if (allowed !== true) return allowed;
    }
    return true;
  }

  private async runAction(e: Experiment, action: ResolvedAction, all: ResolvedAction[]): Promise<void> {
    const a = this.actionOf(e, action.name);
    a.status = "initiating";
    a.startTime = this.world.clock.now();
    let plan: ReturnType<typeof planAction>;
    let durationMs: number;
    try {
      durationMs = isoDurationMs(action.parameters.duration, `action ${action.name}`);
      plan = planAction(this.world, action);
    } catch (error) {
      a.status = "failed";
      a.reason = (error as Error).message;
      return this.fail(e, `action ${action.name}: ${a.reason}`, "ActionFailed");
    }
    const allowed = await this.authorizeAll(e, action, "begin");
    if (allowed !== true) {
      a.status = "failed";
      a.reason = allowed;
      return this.fail(e, `action ${action.name}: ${allowed}`, "AccessDenied");
    }
    if (e.status !== "running") {
      a.status = "cancelled";
      return;
    }
    const stops = plan.effects.map((effect) =>
      effect.kind === "fault" ? injectFault(this.world, effect.fault) : this.denyNetwork(effect.deny),
    );
    a.status = "running";
    this.note(e, `FIS: action ${action.name} (${action.actionId}) running for ${durationMs / 1000} s: ${plan.describe}`);
    const end = async () => {
      if (plan.lingerMs > 0) await this.world.clock.sleep(plan.lingerMs);
      const undone = await this.authorizeAll(e, action, "end");
      if (undone !== true) {
        this.note(e, `FIS: action ${action.name} could not be undone (${undone}); the fault stays`);
        return;
      }
      for (const stop of stops) stop();
    };
    this.undo.get(e.id)?.set(action.name, end);
    const timer = this.world.clock.after(durationMs, async () => {
      if (a.status !== "running") return;
      this.undo.get(e.id)?.delete(action.name);
      await end();
      a.status = "completed";
      a.endTime = this.world.clock.now();
      this.note(e, `FIS: action ${action.name} completed`);
      for (const next of all) if (this.ready(e, next)) void this.runAction(e, next, all);
      if (e.status === "running" && e.actions.every((x) => x.status === "completed")) {
        e.status = "completed";
        e.endTime = this.world.clock.now();
        this.note(e, `FIS: experiment ${e.id} completed`);
      }
    });
    this.timers.get(e.id)?.push(timer);
  }

  private denyNetwork(deny: NetworkDeny): () => void {
    const names = new Set(deny.functions);
    const rule = (caller: string | undefined, service: string, region: string) =>
      caller !== undefined && names.has(caller) && service === deny.service && region === deny.region;
    this.world.networkDenies.push(rule);
    return () => {
      const i = this.world.networkDenies.indexOf(rule);
      if (i >= 0) this.world.networkDenies.splice(i, 1);
    };
  }

  private async fail(e: Experiment, reason: string, code: string): Promise<void> {
    await this.halt(e, "failed", reason, code);
  }

  /** Ends the experiment (stopped or failed): pending actions are cancelled, running ones undone. */
  private async halt(e: Experiment, status: "stopped" | "failed", reason: string, code?: string): Promise<void> {
    if (e.status === "stopped" || e.status === "failed" || e.status === "completed" || e.status === "stopping") return;
    e.status = status === "stopped" ? "stopping" : e.status;
    for (const cancel of this.timers.get(e.id) ?? []) cancel();
    this.note(e, `FIS: experiment ${e.id} ${status === "stopped" ? "stopping" : "failed"}: ${reason}`);
    for (const [name, end] of [...(this.undo.get(e.id) ?? new Map()).entries()]) {
      this.undo.get(e.id)?.delete(name);
      await end();
      const a = this.actionOf(e, name);
      a.status = status === "stopped" ? "stopped" : "failed";
      a.endTime = this.world.clock.now();
    }
    for (const a of e.actions) if (a.status === "pending" || a.status === "initiating") a.status = "cancelled";
    e.status = status;
    e.reason = reason;
    if (code) e.error = { code };
    e.endTime = this.world.clock.now();
    if (status === "stopped") this.note(e, `FIS: experiment ${e.id} stopped; every action undone`);
  }
}

const services = new WeakMap<World, SimulatedFis>();

/** The FIS of a world (created on first use). */
export function fisOf(world: World): SimulatedFis {
  let fis = services.get(world);
  if (!fis) {
    fis = new SimulatedFis(world);
    services.set(world, fis);
  }
  return fis;
}

export type { SimulatedFis };

/** The template of `experiment` (its DrillExperiment tag) in `region`, if deployed. */
export function templateOfExperiment(world: World, region: string, experiment: string): ExperimentTemplateDefinition | undefined {
  return fisOf(world)
    .templates(region)
    .find((t) => t.tags.DrillExperiment === experiment);
}
