/**
 * Reading AWS policy documents (IAM, key, bucket, topic, queue, log-destination policies) the
 * way AWS does: a document may arrive as a JSON string or an object, and every one of Statement,
 * Action, Resource and a principal's values may be one value or a list.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export function asArray<T>(value: T | readonly T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...value] : [value as T];
}

export class UnreadableDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableDocumentError";
  }
}

/** A JSON-string property (redrive policy, ASL definition), parsed; throws {@link UnreadableDocumentError}. */
export function parseJson<T>(text: unknown, what: string): T {
  if (typeof text !== "string") return text as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UnreadableDocumentError(`${what} is not valid JSON`);
  }
}

/** The statements of a policy document; throws {@link UnreadableDocumentError} if it is not one. */
export function statementsOf(document: unknown): PolicyStatement[] {
  let doc = document;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      throw new UnreadableDocumentError("the policy document is not valid JSON");
    }
  }
  if (!doc || typeof doc !== "object") throw new UnreadableDocumentError("the policy document is missing");
  return asArray((doc as { Statement?: PolicyStatement | PolicyStatement[] }).Statement);
}

export const isAllow = (s: PolicyStatement) => s.Effect === "Allow";

export const actionsOf = (s: PolicyStatement): string[] => asArray(s.Action as string | string[]);
export const resourcesOf = (s: PolicyStatement): string[] => asArray(s.Resource as string | string[]);

/** `*` or a whole service (`s3:*`): what IAM.1/IAM.21, CKV_AWS_62/63 and cfn-nag F3/W11 reject. */
export function isWildcardAction(action: string): boolean {
  return action === "*" || /^[A-Za-z0-9-]+:\*$/.test(action);
}

export interface Principals {
  /** `"*"` or `{ AWS: "*" }`: anyone. */
  anyone: boolean;
  aws: string[];
  service: string[];
  federated: string[];
}

export function principalsOf(s: PolicyStatement): Principals {
  const p = s.Principal;
  if (p === "*") return { anyone: true, aws: [], service: [], federated: [] };
  const obj = (p && typeof p === "object" ? p : {}) as Record<string, unknown>;
  const aws = asArray(obj.AWS as string | string[]);
  return {
    anyone: aws.includes("*"),
    aws: aws.filter((a) => a !== "*"),
    service: asArray(obj.Service as string | string[]),
    federated: asArray(obj.Federated as string | string[]),
  };
}

/** Condition values for a key under any operator (keys compared case-insensitively, as AWS does). */
export function conditionValues(s: PolicyStatement, key: string, operators?: readonly string[]): string[] {
  const out: string[] = [];
  for (const [operator, entries] of Object.entries(s.Condition ?? {})) {
    if (operators && !operators.includes(operator)) continue;
    for (const [k, v] of Object.entries(entries ?? {})) {
      if (k.toLowerCase() === key.toLowerCase()) out.push(...asArray(v as string | string[]).map(String));
    }
  }
  return out;
}

/** Does the statement restrict a service principal to our account or a source ARN (confused deputy)? */
export function hasSourceCondition(s: PolicyStatement): boolean {
  return (
    conditionValues(s, "aws:SourceAccount", ["StringEquals"]).length > 0 ||
    conditionValues(s, "aws:SourceArn", ["ArnLike", "ArnEquals", "StringEquals", "StringLike"]).length > 0 ||
    conditionValues(s, "aws:SourceOwner", ["StringEquals"]).length > 0
  );
}

/**
 * What is wrong with a resource policy (bucket, topic, queue; checklist S4, N1, Q1): Allow
 * statements open to anyone (`*`, `{ AWS: "*" }`, NotPrincipal), whatever their conditions, and
 * Allow statements granting a whole service.
 */
export function openStatements(document: unknown, what: string): string[] {
  const problems: string[] = [];
  for (const s of statementsOf(document).filter(isAllow)) {
    const sid = s.Sid ?? "without Sid";
    if (principalsOf(s).anyone || s.NotPrincipal !== undefined)
      problems.push(`${what} allows ${s.NotPrincipal ? "everyone but NotPrincipal" : "any principal"} (statement ${sid})`);
    for (const a of actionsOf(s).filter(isWildcardAction)) problems.push(`${what} allows ${a} (statement ${sid})`);
  }
  return problems;
}
