/**
 * Runs the pack's policies without the Pulumi CLI: the resources the program registers under
 * Pulumi mocks stand in for what the engine would send. Resource policies get each resource's
 * inputs (as `pulumi preview` sends them); stack policies get every resource with its outputs
 * (inputs plus what the mocks compute, and the provider id, as the AWS provider reports `id`).
 *
 * PolicyPack is never constructed here: it starts a gRPC server. What this cannot prove: that the
 * engine sends exactly these property shapes (AWS may normalise policy JSON, for instance) —
 * the rules read documents defensively for that reason.
 */
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { CapturedResource } from "../../../infra/offline/mocks";
import type { Rule } from "../../../policy/lib/rule";

export interface Violation {
  policy: string;
  resource?: string;
  message: string;
}

const pulumiTypeOf = (cls: unknown) => (cls as { __pulumiType?: string })?.__pulumiType;
/** The engine's URN as the mocks recorded it, or one made up the same way for a hand-made fixture. */
const urnOf = (r: Pick<CapturedResource, "type" | "name" | "urn">) => r.urn ?? `urn:pulumi:dev::payments-dr::${r.type}::${r.name}`;
const NO_OPTIONS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

/**
 * A rule's "this resource is not mine": thrown for nearly every (rule, resource) pair, tens of
 * thousands of times per file, so it captures no stack trace (that alone was ~2 s of CPU per run).
 */
class NotApplicable extends Error {
  constructor(reason?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(reason);
    Error.stackTraceLimit = limit;
  }
}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

/** What a stack validation sees of a resource: its outputs, with the provider id (dependencies filled in by asPolicyResources). */
export function asPolicyResource(r: CapturedResource): PolicyResource {
  const props = { ...r.state, id: r.id };
  return {
    type: r.type,
    name: r.name,
    urn: urnOf(r),
    props,
    opts: NO_OPTIONS,
    dependencies: [],
    propertyDependencies: {},
    isType: (cls) => pulumiTypeOf(cls) === r.type,
    asType: (cls: unknown) => (pulumiTypeOf(cls) === r.type ? (props as any) : undefined),
  };
}

/**
 * Every resource as a stack validation sees it, each with the resources it depends on (the
 * engine's dependency list, recorded by the offline evaluation): what `pulumi up` waits for.
 */
export function asPolicyResources(resources: readonly CapturedResource[]): PolicyResource[] {
  const converted = resources.map(asPolicyResource);
  const byUrn = new Map(converted.map((p) => [p.urn, p]));
  resources.forEach((r, i) => {
    converted[i].dependencies = (r.dependencies ?? []).map((urn) => byUrn.get(urn)).filter((p): p is PolicyResource => p !== undefined);
  });
  return converted;
}

/** What a resource validation sees of a resource: its inputs. */
export function asValidationArgs(r: CapturedResource, config: object = {}): ResourceValidationArgs {
  return {
    type: r.type,
    name: r.name,
    urn: urnOf(r),
    props: r.inputs,
    opts: NO_OPTIONS,
    stackTags: new Map(),
    isType: (cls) => pulumiTypeOf(cls) === r.type,
    asType: (cls: unknown) => (pulumiTypeOf(cls) === r.type ? (r.inputs as any) : undefined),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

const isStackPolicy = (p: Rule): p is StackValidationPolicy => typeof (p as StackValidationPolicy).validateStack === "function";

/** Violations one policy reports on these resources. `config` is the policy's pack config. */
export async function violationsOf(policy: Rule, resources: readonly CapturedResource[], config: object = {}): Promise<Violation[]> {
  const out: Violation[] = [];
  if (isStackPolicy(policy)) {
    const byUrn = new Map(resources.map((r) => [urnOf(r), r.name]));
    const report: ReportViolation = (message, urn) =>
      out.push({ policy: policy.name, resource: urn ? (byUrn.get(urn) ?? urn) : undefined, message });
    try {
      await policy.validateStack(
        { resources: asPolicyResources(resources), stackTags: new Map(), getConfig: <T extends object>() => config as T, notApplicable },
        report,
      );
    } catch (e) {
      if (!(e instanceof NotApplicable)) throw e;
    }
    return out;
  }
  const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
  for (const r of resources) {
    const report: ReportViolation = (message) => out.push({ policy: policy.name, resource: r.name, message });
    for (const validate of validations) {
      try {
        await validate(asValidationArgs(r, config), report);
      } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
      }
    }
  }
  return out;
}

/** How many resources a resource policy applies to (0 means a positive test proves nothing). */
export async function applicableCount(policy: ResourceValidationPolicy, resources: readonly CapturedResource[]): Promise<number> {
  let count = 0;
  for (const r of resources) {
    for (const validate of [policy.validateResource ?? []].flat()) {
      try {
        await validate(asValidationArgs(r), () => undefined);
        count++;
        break;
      } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
      }
    }
  }
  return count;
}

/** Every violation of every policy. */
export async function packViolations(policies: readonly Rule[], resources: readonly CapturedResource[]): Promise<Violation[]> {
  const all = await Promise.all(policies.map((p) => violationsOf(p, resources)));
  return all.flat();
}
