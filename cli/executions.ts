/**
 * Execution names and references. Names drctl chooses are `manual-<what>-<UTC time>-<operator>`:
 * valid for Step Functions and CloudWatch Logs (letters, digits, `-`, `_`), unique per second and
 * operator, and at most 71 characters so a drill's `<name>-failback` in the primary still fits the
 * 80-character limit (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 */
import { usageError } from "./errors";
import { checkRegion } from "./options";

export const MAX_EXECUTION_NAME = 71;

export function utcStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

export function manualExecutionName(what: string, nowMs: number, operator: string): string {
  const base = `manual-${what}-${utcStamp(nowMs)}`;
  const who = operator
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/-+/g, "-")
    .slice(0, Math.max(0, MAX_EXECUTION_NAME - base.length - 1))
    .replace(/^-+|-+$/g, "");
  return who.length > 0 ? `${base}-${who}` : base;
}

const EXECUTION_ARN = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):execution:([^:]+):([^:]+)$/;
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/;

export interface ExecutionRef {
  name: string;
  region: string;
  /** When the operator gave an ARN. */
  arn?: string;
}

/**
 * `<execution>` as the operator gave it: an execution ARN (the region comes from it) or a name
 * with --region. A region flag that contradicts the ARN is a usage error.
 */
export function parseExecutionRef(ref: string, regionFlag: string | undefined): ExecutionRef {
  const arn = EXECUTION_ARN.exec(ref);
  if (arn) {
    const region = arn[2];
    if (regionFlag !== undefined && regionFlag !== region) {
      throw usageError(`--region ${regionFlag} contradicts the execution ARN, which is in ${region}`);
    }
    return { name: arn[5], region, arn: ref };
  }
  if (ref.startsWith("arn:")) throw usageError(`${JSON.stringify(ref)} is not a Step Functions execution ARN`);
  if (!EXECUTION_NAME.test(ref)) throw usageError(`${JSON.stringify(ref)} is not an execution name or ARN`);
  if (regionFlag === undefined) {
    throw usageError(
      `which region ran ${ref}? pass --region <region> or the execution ARN`,
      "a runbook runs in the region it activates: failover/drill in the secondary, failback in the primary",
    );
  }
  return { name: ref, region: checkRegion(regionFlag, "--region") };
}

/** `arn:...:stateMachine:<machine>` + name → `arn:...:execution:<machine>:<name>`. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

export function consoleUrl(region: string, executionArn: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}
