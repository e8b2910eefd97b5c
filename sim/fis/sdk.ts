/**
 * AWS FIS through the SDK (@aws-sdk/client-fis), answered by the world's simulated FIS (service.ts)
 * in the client's region: ListExperimentTemplates, GetExperimentTemplate, StartExperiment,
 * GetExperiment, StopExperiment. Shapes as the API reference gives them
 * (https://docs.aws.amazon.com/fis/latest/APIReference/): templates' targets and actions are maps
 * by name; StartExperiment's clientToken makes a retried start return the same experiment; an
 * unknown template or experiment is ResourceNotFoundException (404).
 */
import * as fis from "@aws-sdk/client-fis";
import type { ExperimentTemplateDefinition } from "../deployment/types";
import type { SdkBackend } from "../sdk/backend";
import { installFake } from "../sdk/plumbing";
import { World } from "../world";
import { type Experiment, fisOf } from "./service";

type Input = Record<string, any>;

/** The SDK backend is the world itself (session.ts); FIS needs the whole of it (alarms, clock, faults). */
function worldOf(b: SdkBackend): World {
  if (!(b instanceof World)) throw new Error("The simulated FIS needs the simulated world as its backend");
  return b;
}

const templateArn = (b: SdkBackend, t: ExperimentTemplateDefinition) =>
  `arn:aws:fis:${t.region}:${b.deployment.accountId}:experiment-template/${t.id}`;

function templateShape(b: SdkBackend, t: ExperimentTemplateDefinition, deployedAt: Date) {
  return {
    id: t.id,
    arn: templateArn(b, t),
    description: t.description,
    roleArn: t.roleArn,
    targets: Object.fromEntries(
      t.targets.map((x) => [x.name, { resourceType: x.resourceType, resourceArns: x.resourceArns, selectionMode: x.selectionMode }]),
    ),
    actions: Object.fromEntries(
      t.actions.map((a) => [a.name, { actionId: a.actionId, parameters: a.parameters, targets: a.targets, startAfter: a.startAfter }]),
    ),
    stopConditions: t.stopConditions,
    creationTime: deployedAt,
    lastUpdateTime: deployedAt,
    tags: t.tags,
    ...(t.logGroupArn ? { logConfiguration: { cloudWatchLogsConfiguration: { logGroupArn: t.logGroupArn }, logSchemaVersion: 2 } } : {}),
    experimentOptions: { accountTargeting: "single-account", emptyTargetResolutionMode: t.emptyTargetResolutionMode ?? "fail" },
  };
}

function experimentShape(b: SdkBackend, e: Experiment) {
  const t = e.template;
  const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));
  return {
    id: e.id,
    arn: e.arn,
    experimentTemplateId: t.id,
    roleArn: t.roleArn,
    state: { status: e.status, ...(e.reason ? { reason: e.reason } : {}), ...(e.error ? { error: e.error } : {}) },
    targets: templateShape(b, t, new Date(0)).targets,
    actions: Object.fromEntries(
      e.actions.map((a) => [
        a.name,
        {
          actionId: a.actionId,
          parameters: a.parameters,
          targets: a.targets,
          startAfter: a.startAfter,
          state: { status: a.status, ...(a.reason ? { reason: a.reason } : {}) },
          startTime: date(a.startTime),
          endTime: date(a.endTime),
        },
      ]),
    ),
    stopConditions: t.stopConditions,
    creationTime: new Date(e.createdAt),
    startTime: date(e.startTime),
    endTime: date(e.endTime),
    tags: e.tags,
  };
}

export function installFisFake(backend: () => SdkBackend): void {
  const b = backend;
  const deployedAt = () => new Date(b().now() - 86_400_000);
  /** clientToken → experiment id, per world: StartExperiment is idempotent on it. */
  const started = new WeakMap<World, Map<string, string>>();
  installFake(
    {
      service: "fis",
      module: fis as unknown as Record<string, unknown>,
      client: fis.FisClient,
      commands: [
        [
          fis.ListExperimentTemplatesCommand,
          (_i: Input, info) => ({
            experimentTemplates: fisOf(worldOf(b()))
              .templates(info.region)
              .map((t) => ({
                id: t.id,
                arn: templateArn(b(), t),
                description: t.description,
                creationTime: deployedAt(),
                lastUpdateTime: deployedAt(),
                tags: t.tags,
              })),
          }),
        ],
        [
          fis.GetExperimentTemplateCommand,
          (i: Input, info) => ({
            experimentTemplate: templateShape(b(), fisOf(worldOf(b())).template(info.region, String(i.id)), deployedAt()),
          }),
        ],
        [
          fis.StartExperimentCommand,
          (i: Input, info) => {
            const world = worldOf(b());
            const tokens = started.get(world) ?? new Map<string, string>();
            started.set(world, tokens);
            const again = i.clientToken ? tokens.get(`${info.region}|${i.clientToken}`) : undefined;
            const e = again
              ? fisOf(world).get(info.region, again)
              : fisOf(world).start(info.region, String(i.experimentTemplateId), (i.tags ?? {}) as Record<string, string>);
            if (i.clientToken) tokens.set(`${info.region}|${i.clientToken}`, e.id);
            return { experiment: experimentShape(b(), e) };
          },
        ],
        [
          fis.GetExperimentCommand,
          (i: Input, info) => ({ experiment: experimentShape(b(), fisOf(worldOf(b())).get(info.region, String(i.id))) }),
        ],
        [
          fis.StopExperimentCommand,
          (i: Input, info) => ({ experiment: experimentShape(b(), fisOf(worldOf(b())).stop(info.region, String(i.id))) }),
        ],
      ],
    },
    backend,
  );
}
