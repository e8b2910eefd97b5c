/**
 * What an AWS FIS action does to the simulated world, in the fault vocabulary of sim/experiments.ts
 * wherever the vocabulary has the words, so a deployed experiment template runs offline as the
 * same faults a scenario or `--fault` injects. Each mapping follows the FIS actions reference
 * (https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html); where the
 * simulation cannot say exactly what AWS does, it takes the harsher reading and says so.
 *
 * | FIS action                                    | in the world                                                      |
 * |-----------------------------------------------|-------------------------------------------------------------------|
 * | aws:dynamodb:global-table-pause-replication   | MREC: `pause-replication` of the table into the target replica's region AND into every other replica's (FIS denies the replication role on the replica and on its stream: nothing in, nothing out). MRSC: `network-partition` of the replica's region from the others on the replication path (harsher: every table's replica there is cut, not just this one) |
 * | aws:network:disrupt-connectivity (dynamodb, s3) | calls from functions attached to the target subnets to that service's endpoint in the region never connect (the caller's SDK times out): a network ACL denies the traffic both ways. Not in the vocabulary (a per-subnet deny): applied through World.networkDenies |
 * | aws:lambda:invocation-error                   | `lambda-invocation-error` — only on functions carrying the FIS extension (AWS_FIS_CONFIGURATION_LOCATION, AWS_LAMBDA_EXEC_WRAPPER); it lasts 20 s past the action (the extension's ramp-down) |
 * | aws:lambda:invocation-add-delay               | `lambda-invocation-delay` — same requirement and ramp-down                                      |
 *
 * Effects start when the action starts. AWS says a pause "may continue to be replicated for up to
 * 5 minutes after action begins" and the Lambda extension may take up to its slow-poll interval
 * (60 s) to see a fault: a drill cannot count on that grace, so neither does the rehearsal.
 */
import { describeFault, tableName, type TableRef, type WorldFault } from "../experiments";
import type { Deployment, ExperimentTemplateDefinition, FunctionSpec } from "../deployment/types";
import type { World } from "../world";

export type FisActionId =
  | "aws:dynamodb:global-table-pause-replication"
  | "aws:network:disrupt-connectivity"
  | "aws:lambda:invocation-error"
  | "aws:lambda:invocation-add-delay";

export const SIMULATED_FIS_ACTIONS: readonly FisActionId[] = [
  "aws:dynamodb:global-table-pause-replication",
  "aws:network:disrupt-connectivity",
  "aws:lambda:invocation-error",
  "aws:lambda:invocation-add-delay",
];

/** A network ACL's deny (aws:network:disrupt-connectivity): these functions cannot reach `service` in `region`. */
export interface NetworkDeny {
  region: string;
  service: string;
  /** Physical names of the functions attached to the target subnets. */
  functions: string[];
  subnets: string[];
}

export type FisEffect = { kind: "fault"; fault: WorldFault } | { kind: "network-deny"; deny: NetworkDeny };

/** One action of a template, with its targets resolved to ARNs. */
export interface ResolvedAction {
  name: string;
  actionId: string;
  parameters: Record<string, string>;
  region: string;
  targetArns: string[];
}

/** FIS would refuse or fail this action: the experiment fails with this reason. */
export class FisActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FisActionError";
  }
}

/** What the action does in the world, and how long it lingers after its end (the Lambda extension's ramp-down). */
export interface ActionPlan {
  effects: FisEffect[];
  lingerMs: number;
  /** One line for the timeline. */
  describe: string;
}

const TABLE_REFS: readonly TableRef[] = ["payments", "idempotency", "control"];
/** "You may also notice a ramp-down period of up to 20s after the fault has been injected" (use-lambda-actions). */
export const LAMBDA_EXTENSION_RAMP_DOWN_MS = 20_000;
/** The Lambda extension's wrapper (https://docs.aws.amazon.com/fis/latest/userguide/use-lambda-actions.html). */
export const FIS_EXEC_WRAPPER = "/opt/aws-fis/bootstrap";

/** ISO 8601 durations as FIS takes them (PT15M, PT1H30M, PT45S), in ms. */
export function isoDurationMs(value: string | undefined, what: string): number {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(value ?? "");
  if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined))
    throw new FisActionError(`${what}: duration ${JSON.stringify(value)} is not an ISO 8601 duration such as PT10M`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

function tableOfArn(world: World, arn: string): { ref: TableRef; name: string; region: string } {
  const m = /^arn:aws:dynamodb:([a-z0-9-]+):\d{12}:table\/([^/]+)$/.exec(arn);
  if (!m) throw new FisActionError(`${arn} is not a DynamoDB table ARN`);
  const ref = TABLE_REFS.find((r) => tableName(world, r) === m[2]);
  if (!ref) throw new FisActionError(`${m[2]} is not a table of the stack`);
  return { ref, name: m[2], region: m[1] };
}

/** The extension's configuration on a function: required for every aws:lambda:* action ("Configure Lambda functions"). */
function extensionProblem(spec: FunctionSpec): string | undefined {
  if (!spec.env.AWS_FIS_CONFIGURATION_LOCATION)
    return `${spec.name} has no AWS_FIS_CONFIGURATION_LOCATION: the AWS FIS Lambda extension is not configured on it`;
  if (spec.env.AWS_LAMBDA_EXEC_WRAPPER !== FIS_EXEC_WRAPPER)
    return `${spec.name}'s AWS_LAMBDA_EXEC_WRAPPER is not ${FIS_EXEC_WRAPPER}: the AWS FIS Lambda extension does not run`;
  return undefined;
}

/** The action's effects in `world`; throws FisActionError where FIS would fail it. */
export function planAction(world: World, action: ResolvedAction): ActionPlan {
  const d = world.deployment;
  const faults = (fs: WorldFault[], describe: string, lingerMs = 0): ActionPlan => ({
    effects: fs.map((fault) => ({ kind: "fault" as const, fault })),
    lingerMs,
    describe,
  });
  switch (action.actionId as FisActionId) {
    case "aws:dynamodb:global-table-pause-replication": {
      const fs: WorldFault[] = [];
      for (const arn of action.targetArns) {
        const t = tableOfArn(world, arn);
        const def = d.tables.find((x) => x.name === t.name);
        if (!def?.regions.includes(t.region)) throw new FisActionError(`${t.name} has no replica in ${t.region}`);
        if (def.regions.length < 2) throw new FisActionError(`${t.name} is not a global table`);
        if (def.consistency === "STRONG") {
          for (const other of [...def.regions, ...(def.witness ? [def.witness] : [])].filter((r) => r !== t.region))
            fs.push({ action: "network-partition", from: t.region, to: other, paths: ["replication"] });
        } else {
          for (const region of def.regions) fs.push({ action: "pause-replication", table: t.ref, region });
        }
      }
      return faults(fs, fs.map(describeFault).join("; "));
    }
    case "aws:network:disrupt-connectivity": {
      const scope = action.parameters.scope;
      if (scope !== "dynamodb" && scope !== "s3")
        throw new FisActionError(`scope ${JSON.stringify(scope)} is not simulated (the rehearsal simulates dynamodb and s3)`);
      const subnets = action.targetArns.map((arn) => {
        const s = (d.subnets ?? []).find((x) => x.arn === arn);
        if (!s) throw new FisActionError(`${arn} is not a subnet of the stack`);
        return s;
      });
      const ids = new Set(subnets.map((s) => s.id));
      const functions = d.functions
        .filter((f) => f.region === action.region && (f.subnetIds ?? []).some((id) => ids.has(id)))
        .map((f) => f.name);
      const deny: NetworkDeny = { region: action.region, service: scope, functions, subnets: [...ids] };
      return {
        effects: [{ kind: "network-deny", deny }],
        lingerMs: 0,
        describe: `${scope} unreachable from ${subnets.length} subnet(s) in ${action.region} (${functions.length} functions)`,
      };
    }
    case "aws:lambda:invocation-error":
    case "aws:lambda:invocation-add-delay": {
      if (action.actionId === "aws:lambda:invocation-error" && action.parameters.preventExecution === "false")
        throw new FisActionError("preventExecution=false (run the code, then fail) is not simulated");
      const percentage = action.parameters.invocationPercentage === undefined ? undefined : Number(action.parameters.invocationPercentage);
      const fs = action.targetArns.map((arn): WorldFault => {
        const spec = d.functions.find((f) => f.arn === arn);
        if (!spec) throw new FisActionError(`${arn} is not a function of the stack`);
        const problem = extensionProblem(spec);
        if (problem) throw new FisActionError(problem);
        return action.actionId === "aws:lambda:invocation-error"
          ? {
              action: "lambda-invocation-error",
              function: spec.handler,
              region: spec.region,
              ...(percentage !== undefined ? { percentage } : {}),
            }
          : {
              action: "lambda-invocation-delay",
              function: spec.handler,
              region: spec.region,
              delayMs: Number(action.parameters.startupDelayMilliseconds ?? 1000),
              ...(percentage !== undefined ? { percentage } : {}),
            };
      });
      return faults(fs, fs.map(describeFault).join("; "), LAMBDA_EXTENSION_RAMP_DOWN_MS);
    }
    default:
      throw new FisActionError(`${action.actionId} is not simulated (the rehearsal simulates ${SIMULATED_FIS_ACTIONS.join(", ")})`);
  }
}

/** A template's actions with their targets resolved (targets by ARN: the stack's templates name ARNs, never tags). */
export function resolveActions(t: ExperimentTemplateDefinition): ResolvedAction[] {
  return t.actions.map((a) => {
    const targetArns = Object.values(a.targets).flatMap((name) => {
      const target = t.targets.find((x) => x.name === name);
      if (!target) throw new FisActionError(`action ${a.name} names target ${name}, which the template does not define`);
      if (target.selectionMode !== "ALL")
        throw new FisActionError(`target ${name}: selection mode ${target.selectionMode} is not simulated (ALL is)`);
      return target.resourceArns;
    });
    if (targetArns.length === 0 && t.emptyTargetResolutionMode !== "skip")
      throw new FisActionError(`action ${a.name}: its targets resolved to no resource (emptyTargetResolutionMode fail)`);
    return { name: a.name, actionId: a.actionId, parameters: a.parameters, region: t.region, targetArns };
  });
}

export interface FisIamRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/**
 * The calls FIS makes with the experiment role to start (`begin`) and to undo (`end`) an action, as
 * the FIS actions reference lists each action's permissions.
 */
export function actionIamRequests(d: Deployment, action: ResolvedAction, phase: "begin" | "end", aclId: string): FisIamRequest[] {
  const region = action.region;
  const requests: FisIamRequest[] = [];
  switch (action.actionId as FisActionId) {
    case "aws:dynamodb:global-table-pause-replication":
      if (phase === "begin") requests.push({ action: "tag:GetResources", resource: "*" });
      for (const arn of action.targetArns) {
        const name = arn.split("/").pop();
        const strong = d.tables.find((t) => t.name === name)?.consistency === "STRONG";
        // FIS appends its Deny to the table's resource policy (and, MREC, the stream's), then takes it out.
        const resources = strong ? [arn] : [arn, `${arn}/stream/2026-01-01T00:00:00.000`];
        for (const resource of resources) {
          if (phase === "begin") requests.push({ action: "dynamodb:DescribeTable", resource: arn });
          requests.push({ action: "dynamodb:GetResourcePolicy", resource });
          requests.push({ action: phase === "begin" ? "dynamodb:PutResourcePolicy" : "dynamodb:DeleteResourcePolicy", resource });
        }
        if (strong && phase === "begin")
          requests.push({
            action: "dynamodb:InjectError",
            resource: "*",
            context: { "dynamodb:FisActionId": [action.actionId], "dynamodb:FisTargetArns": [arn] },
          });
      }
      return requests;
    case "aws:network:disrupt-connectivity": {
      const subnets = action.targetArns.map((arn) => (d.subnets ?? []).find((s) => s.arn === arn)).filter((s) => s !== undefined);
      const vpcArn = `arn:aws:ec2:${region}:${d.accountId}:vpc/${subnets[0]?.vpcId ?? "unknown"}`;
      const fisAcl = `arn:aws:ec2:${region}:${d.accountId}:network-acl/${aclId}`;
      const originalAcl = `arn:aws:ec2:${region}:${d.accountId}:network-acl/acl-original`;
      const fisTagged = { "ec2:ResourceTag/managedByFIS": "true", "aws:ResourceTag/managedByFIS": "true", "ec2:Vpc": vpcArn };
      if (phase === "begin") {
        for (const a of ["ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeNetworkAcls", "ec2:DescribeManagedPrefixLists"])
          requests.push({ action: a, resource: "*" });
        requests.push({
          action: "ec2:GetManagedPrefixListEntries",
          resource: `arn:aws:ec2:${region}:aws:prefix-list/pl-${action.parameters.scope}`,
        });
        const create = { "aws:RequestTag/managedByFIS": "true", "aws:TagKeys": ["managedByFIS"] };
        requests.push({ action: "ec2:CreateNetworkAcl", resource: vpcArn, context: create });
        requests.push({ action: "ec2:CreateNetworkAcl", resource: fisAcl, context: create });
        requests.push({ action: "ec2:CreateTags", resource: fisAcl, context: { ...create, "ec2:CreateAction": "CreateNetworkAcl" } });
        requests.push({ action: "ec2:CreateNetworkAclEntry", resource: fisAcl, context: fisTagged });
        for (const s of subnets) {
          requests.push({ action: "ec2:ReplaceNetworkAclAssociation", resource: s.arn, context: { "ec2:Vpc": vpcArn } });
          requests.push({ action: "ec2:ReplaceNetworkAclAssociation", resource: fisAcl, context: fisTagged });
        }
      } else {
        for (const s of subnets) {
          requests.push({ action: "ec2:ReplaceNetworkAclAssociation", resource: s.arn, context: { "ec2:Vpc": vpcArn } });
          requests.push({ action: "ec2:ReplaceNetworkAclAssociation", resource: originalAcl, context: { "ec2:Vpc": vpcArn } });
        }
        requests.push({ action: "ec2:DeleteNetworkAcl", resource: fisAcl, context: fisTagged });
      }
      return requests;
    }
    case "aws:lambda:invocation-error":
    case "aws:lambda:invocation-add-delay":
      for (const arn of action.targetArns) {
        const location = d.functions.find((f) => f.arn === arn)?.env.AWS_FIS_CONFIGURATION_LOCATION ?? "";
        const object = `${location.replace(/\/?$/, "/")}${action.name}`;
        if (phase === "begin") {
          requests.push({ action: "tag:GetResources", resource: "*" }, { action: "lambda:GetFunction", resource: arn });
          requests.push({ action: "s3:PutObject", resource: object });
        } else requests.push({ action: "s3:DeleteObject", resource: object });
      }
      return requests;
    default:
      return requests;
  }
}
