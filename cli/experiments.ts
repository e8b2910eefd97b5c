/**
 * `drctl drill --experiment <name>`: start one of the stack's AWS FIS experiment templates (the
 * drill's fault injection, infra/core/drill-experiments.ts) in the region it is made for, after
 * checking the name against the templates actually deployed there. FIS then runs it on its own:
 * drctl prints the experiment id and how to watch and stop it, and does not follow it.
 */
import {
  type ExperimentTemplateSummary,
  GetExperimentTemplateCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
} from "@aws-sdk/client-fis";
import { DRILL_EXPERIMENT_TAG, drillExperiment } from "../infra/core/drill-experiments";
import type { Context } from "./context";
import { discoverRegion } from "./discovery";
import { CliError, EXIT, type ExitCode, usageError } from "./errors";
import type { Target } from "./options";
import { askForRegion, preflightConfirmation } from "./prompt";

export interface ExperimentRequest {
  target: Target;
  /** The experiment's name (its template's DrillExperiment tag). */
  name: string;
  operator: string;
  reason?: string;
  ticket?: string;
  confirm?: string;
  /** Check the name and the template, start nothing. */
  dryRun: boolean;
}

/** What `--json` prints (docs/cli.md, "JSON shapes"). */
export interface ExperimentResult {
  environment: string;
  experiment: {
    name: string;
    region: string;
    templateId: string;
    templateName: string | null;
    /** null for --dry-run. */
    id: string | null;
    state: string | null;
    actions: { name: string; actionId: string; duration: string | null }[];
    stopAlarms: string[];
  };
  watch: string[];
  stop: string | null;
}

/** ListExperimentTemplates pages (at most 100 templates each). */
const MAX_PAGES = 20;
/** A tag value holds at most 256 characters (FIS tag restrictions). */
const tagValue = (s: string) => s.slice(0, 256);

async function deployedTemplates(ctx: Context, target: Target, region: string): Promise<ExperimentTemplateSummary[]> {
  const found: ExperimentTemplateSummary[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const out = await ctx.aws.call(region, "fis:ListExperimentTemplates", (abortSignal) =>
      ctx.aws.fis(region).send(new ListExperimentTemplatesCommand({ maxResults: 100, nextToken }), { abortSignal }),
    );
    found.push(...(out.experimentTemplates ?? []));
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  return found.filter((t) => t.tags?.Environment === target.environment && t.tags?.[DRILL_EXPERIMENT_TAG] !== undefined);
}

const durationOf = (parameters: Record<string, string> | undefined) => parameters?.duration ?? null;
const alarmName = (arn: string | undefined) => arn?.split(":alarm:")[1] ?? arn ?? "";

export async function startExperiment(ctx: Context, request: ExperimentRequest): Promise<ExitCode> {
  const { target, name } = request;
  const spec = drillExperiment(name);
  // An unknown name: say which experiments the stack has, from where drills start (the secondary).
  const region = spec ? (spec.runsIn === "primary" ? target.primaryRegion : target.secondaryRegion) : target.secondaryRegion;
  const effect = spec
    ? `experiment ${name}: AWS FIS ${spec.description.charAt(0).toLowerCase()}${spec.description.slice(1, -1)} (${target.environment}, ${region}); ${spec.stopReason}.`
    : "";
  const confirmation = { region, summary: effect, confirmFlag: request.confirm };
  const mustAsk = spec && !request.dryRun ? preflightConfirmation(confirmation, ctx) : false;

  await discoverRegion(ctx, target, region);
  const templates = await deployedTemplates(ctx, target, region);
  const allowed = templates.map((t) => t.tags?.[DRILL_EXPERIMENT_TAG] as string).sort();
  if (allowed.length === 0) {
    throw new CliError(
      "not-found",
      `${target.environment} has no drill experiment templates in ${region}`,
      "pulumi up deploys them (docs/runbooks.md, Drill); a stack deployed before they existed needs one more pulumi up",
    );
  }
  const summary = templates.find((t) => t.tags?.[DRILL_EXPERIMENT_TAG] === name);
  if (!spec || !summary?.id) {
    throw usageError(
      `--experiment ${JSON.stringify(name)} is not a drill experiment of ${target.environment} in ${region}; allowed: ${allowed.join(", ")}`,
      "drctl drill --help says what each does",
    );
  }
  const templateId = summary.id;
  const detail = await ctx.aws.call(region, "fis:GetExperimentTemplate", (abortSignal) =>
    ctx.aws.fis(region).send(new GetExperimentTemplateCommand({ id: templateId }), { abortSignal }),
  );
  const template = detail.experimentTemplate;
  const actions = Object.entries(template?.actions ?? {}).map(([actionName, a]) => ({
    name: actionName,
    actionId: a.actionId ?? "",
    duration: durationOf(a.parameters),
  }));
  const stopAlarms = (template?.stopConditions ?? []).map((c) => alarmName(c.value));
  if (stopAlarms.length === 0 || (template?.stopConditions ?? []).some((c) => c.source !== "aws:cloudwatch:alarm")) {
    throw new CliError(
      "aws",
      `template ${templateId} (${name}) in ${region} has no CloudWatch alarm stop condition; refusing to start it`,
      "the stack always sets one (policy B13): the template was changed outside pulumi; run pulumi up",
    );
  }

  const result: ExperimentResult = {
    environment: target.environment,
    experiment: {
      name,
      region,
      templateId,
      templateName: template?.tags?.Name ?? null,
      id: null,
      state: null,
      actions,
      stopAlarms,
    },
    watch: [],
    stop: null,
  };
  if (request.dryRun) {
    ctx.json ? ctx.outJson(result) : ctx.out(renderExperiment(result));
    return EXIT.ok;
  }
  if (mustAsk) await askForRegion(confirmation, ctx);

  const started = await ctx.aws.call(region, "fis:StartExperiment", (abortSignal) =>
    ctx.aws.fis(region).send(
      new StartExperimentCommand({
        experimentTemplateId: templateId,
        // Idempotent for the SDK's own retries of this one request.
        clientToken: `drctl-${name}-${ctx.now()}`.slice(0, 64),
        tags: {
          RequestedBy: tagValue(request.operator),
          ...(request.ticket !== undefined ? { Ticket: tagValue(request.ticket) } : {}),
          ...(request.reason !== undefined ? { Reason: tagValue(request.reason) } : {}),
        },
      }),
      { abortSignal },
    ),
  );
  const id = started.experiment?.id;
  if (!id) throw new CliError("aws", `fis:StartExperiment in ${region} answered without an experiment id`);
  ctx.err(`started experiment ${id} (${name}) in ${region}`);
  result.experiment.id = id;
  result.experiment.state = started.experiment?.state?.status ?? null;
  result.watch = [`aws fis get-experiment --id ${id} --region ${region}`, `drctl status --env ${target.environment}`];
  result.stop = `aws fis stop-experiment --id ${id} --region ${region}`;
  ctx.json ? ctx.outJson(result) : ctx.out(renderExperiment(result));
  return EXIT.ok;
}

export function renderExperiment(r: ExperimentResult): string {
  const e = r.experiment;
  const lines = [
    e.id
      ? `experiment ${e.id} (${e.name}) started in ${e.region}: ${e.state ?? "unknown"}`
      : `experiment ${e.name} in ${e.region}: would start (dry run, nothing started)`,
    `  template:  ${e.templateId}${e.templateName ? ` ${e.templateName}` : ""}`,
    ...e.actions.map((a) => `  action:    ${a.name}: ${a.actionId}${a.duration ? ` for ${a.duration}` : ""}`),
    `  stops on:  ${e.stopAlarms.join(", ")} in ALARM`,
  ];
  if (r.watch.length > 0) lines.push("watch:", ...r.watch.map((w) => `  ${w}`));
  if (r.stop) lines.push("stop:", `  ${r.stop}`);
  return `${lines.join("\n")}\n`;
}
