/**
 * The AWS FIS experiment templates and the subnets of the evaluated stack, read into the typed
 * deployment (types.ts) the simulated FIS (sim/fis/) runs. The shapes are CreateExperimentTemplate's
 * (https://docs.aws.amazon.com/fis/latest/APIReference/API_CreateExperimentTemplate.html) as the
 * Pulumi resource spells them: lists of key/value parameters become maps, one action target a map.
 */
import type { CapturedResource } from "../../infra/offline/mocks";
import { need } from "./parts";
import type { ExperimentTemplateDefinition, SubnetDefinition } from "./types";

const TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate";
const SUBNET = "aws:ec2/subnet:Subnet";

type KeyValue = { key: string; value: string };

export function readExperimentTemplates(resources: readonly CapturedResource[]): ExperimentTemplateDefinition[] {
  return resources
    .filter((r) => r.type === TEMPLATE)
    .map((r) => {
      const i = r.inputs;
      const logGroupArn = i.logConfiguration?.cloudwatchLogsConfiguration?.logGroupArn as string | undefined;
      return {
        id: r.id,
        region: need<string>(r.region, `experiment template ${r.name} has no region`),
        description: i.description ?? "",
        roleArn: need<string>(i.roleArn, `experiment template ${r.name} has no role`),
        tags: { ...(i.tags ?? {}) },
        targets: ((i.targets ?? []) as Record<string, any>[]).map((t) => ({
          name: t.name,
          resourceType: t.resourceType,
          resourceArns: [...(t.resourceArns ?? [])],
          selectionMode: t.selectionMode,
        })),
        actions: ((i.actions ?? []) as Record<string, any>[]).map((a) => ({
          name: a.name,
          actionId: a.actionId,
          parameters: Object.fromEntries(((a.parameters ?? []) as KeyValue[]).map((p) => [p.key, p.value])),
          targets: a.target ? { [a.target.key]: a.target.value } : {},
          startAfter: [...(a.startAfters ?? [])],
        })),
        stopConditions: ((i.stopConditions ?? []) as { source: string; value?: string }[]).map((c) => ({ ...c })),
        ...(logGroupArn ? { logGroupArn } : {}),
        ...(i.experimentOptions?.emptyTargetResolutionMode
          ? { emptyTargetResolutionMode: i.experimentOptions.emptyTargetResolutionMode }
          : {}),
      };
    });
}

export function readSubnets(
  resources: readonly CapturedResource[],
  accountId: string,
  routeTables: ReadonlyMap<string, string> = new Map(),
): SubnetDefinition[] {
  return resources
    .filter((r) => r.type === SUBNET)
    .map((r) => {
      const region = need<string>(r.region, `subnet ${r.name} has no region`);
      return {
        id: r.id,
        arn: `arn:aws:ec2:${region}:${accountId}:subnet/${r.id}`,
        region,
        vpcId: need<string>(r.inputs.vpcId, `subnet ${r.name}.vpcId`),
        ...(routeTables.has(r.id) ? { routeTableId: routeTables.get(r.id) } : {}),
      };
    });
}
