/**
 * How a rule is declared: its checklist id (../shared SECURITY-CHECKLIST ids, e.g. "D1"), a
 * kebab-case name, what it checks and where that comes from. The policy name is
 * `<id>-<name>` (lower case) and the description starts with the id, so every violation the
 * Pulumi CLI prints says which checklist rule it enforces.
 */
import {
  type PolicyConfigSchema,
  type ReportViolation,
  type ResourceValidation,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import type { Resource, Unwrap } from "@pulumi/pulumi";
import { UnreadableDocumentError } from "./documents";
import { StackIndex } from "./stack";

export interface RuleInfo {
  /** Checklist id: D1, S3, L7, B7... */
  id: string;
  /** Kebab-case name, e.g. `dynamodb-pitr`. */
  name: string;
  /** What the rule requires, one sentence. */
  title: string;
  /** Standards and documents the rule comes from. */
  sources: string;
  configSchema?: PolicyConfigSchema;
}

export type Rule = ResourceValidationPolicy | StackValidationPolicy;

function metadata(info: RuleInfo) {
  return {
    name: `${info.id.toLowerCase()}-${info.name}`,
    displayName: `${info.id} ${info.name}`,
    description: `${info.id}: ${info.title} Sources: ${info.sources}.`,
    ...(info.configSchema ? { configSchema: info.configSchema } : {}),
  };
}

/** The checklist id a policy enforces, read back from its name. */
export function checklistId(policy: Rule): string {
  return policy.name.split("-")[0].toUpperCase();
}

/** A document that cannot be parsed is a violation, not a crash of the pack. */
function reportingUnreadable<A extends unknown[]>(
  fn: (...args: A) => void | Promise<void>,
  report: ReportViolation,
  ...args: A
): void | Promise<void> {
  try {
    return fn(...args);
  } catch (e) {
    if (e instanceof UnreadableDocumentError) return report(e.message);
    throw e;
  }
}

type Check<P> = (props: P, report: ReportViolation, args: ResourceValidationArgs) => void;

/** One validation for one resource class, typed by that class's args. */
export function forType<T extends Resource, A>(
  // biome-ignore lint/suspicious/noExplicitAny: a Pulumi resource class takes (name, args, opts); only its first two matter here.
  cls: { new (name: string, args: A, ...rest: any[]): T },
  check: Check<Unwrap<NonNullable<A>>>,
): ResourceValidation {
  return validateResourceOfType(cls, (props, args, report) => reportingUnreadable(check, report, props, report, args));
}

/** A rule checked on each resource's inputs, before it is created or updated. */
export function resourceRule(info: RuleInfo, validations: ResourceValidation | ResourceValidation[]): ResourceValidationPolicy {
  return { ...metadata(info), validateResource: validations };
}

/** A rule over the whole stack (outputs), for relations between resources. */
export function stackRule(
  info: RuleInfo,
  check: (stack: StackIndex, report: ReportViolation, args: StackValidationArgs) => void,
): StackValidationPolicy {
  return {
    ...metadata(info),
    validateStack: (args, report) => reportingUnreadable(check, report, new StackIndex(args.resources), report, args),
  };
}
