/**
 * VPC endpoint policies, made evaluable by the same engine as every other policy
 * (@cloud-copilot/iam-simulate, which takes them as `vpcEndpointPolicies` and requires the request
 * to be allowed by them in addition to the identity and resource policies — as AWS does: "An
 * endpoint policy does not override or replace identity-based policies or resource-based
 * policies", https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
 *
 * What AWS documents about the Principal element of an endpoint policy, which the engine does not
 * model (it accepts only `"*"`), is applied here by rewriting each named principal as the
 * condition AWS says it amounts to, on a statement with Principal `"*"`:
 * - gateway endpoints: "you must use the aws:PrincipalArn condition key to grant access to a
 *   principal"; a principal given as `"AWS": "<account_id>"` or `"AWS": "arn:aws:iam::<account_id>:root"`
 *   grants access "to the AWS account root user only, not all users and roles for the account"
 *   (same page, "Principals for gateway endpoints") — so an account principal becomes
 *   aws:PrincipalArn = the root user, and a role session never matches it;
 * - interface endpoints: an account principal means every principal of the account
 *   (aws:PrincipalAccount), any other ARN that principal (aws:PrincipalArn).
 * An endpoint without a policy has AWS's default: Principal "*", Action "*", Resource "*".
 */
import type { PolicyDocument } from "../deployment/iam";

export const DEFAULT_ENDPOINT_POLICY: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }],
};

type Statement = Record<string, unknown> & { Principal?: unknown; Condition?: Record<string, Record<string, unknown>> };

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);

/** `condition[operator][key]` must also be one of `values`: two IN-sets that must both hold are their intersection. */
function requireOneOf(condition: Record<string, Record<string, unknown>>, operator: string, key: string, values: string[]) {
  const block = { ...(condition[operator] ?? {}) };
  const existing = block[key];
  block[key] = existing === undefined ? values : asList(existing).filter((v) => values.includes(v));
  return { ...condition, [operator]: block };
}

const ACCOUNT_ROOT = /^(?:arn:aws:iam::(\d{12}):root|(\d{12}))$/;

function rewrite(statement: Statement, type: "Gateway" | "Interface"): Statement[] {
  const principal = statement.Principal;
  if (principal === undefined || principal === "*") return [statement];
  const aws = (principal as { AWS?: unknown }).AWS;
  if (aws === undefined)
    throw new Error(`an endpoint policy names a principal the simulation does not model: ${JSON.stringify(principal)}`);
  if (asList(aws).includes("*")) return [{ ...statement, Principal: "*" }];
  const accounts: string[] = [];
  const arns: string[] = [];
  for (const p of asList(aws)) {
    const root = ACCOUNT_ROOT.exec(p);
    if (root && type === "Interface") accounts.push(root[1] ?? root[2]);
    else arns.push(root ? `arn:aws:iam::${root[1] ?? root[2]}:root` : p);
  }
  // Principals are alternatives: one statement per condition key, each with Principal "*".
  const out: Statement[] = [];
  const base = statement.Condition ?? {};
  if (accounts.length > 0)
    out.push({ ...statement, Principal: "*", Condition: requireOneOf(base, "StringEquals", "aws:PrincipalAccount", accounts) });
  if (arns.length > 0) out.push({ ...statement, Principal: "*", Condition: requireOneOf(base, "ArnEquals", "aws:PrincipalArn", arns) });
  return out;
}

/** The endpoint's policy as the engine evaluates it (see the module comment). */
export function evaluableEndpointPolicy(policy: PolicyDocument | undefined, type: "Gateway" | "Interface"): PolicyDocument {
  const doc = policy ?? DEFAULT_ENDPOINT_POLICY;
  const statements = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Statement[];
  return { ...doc, Statement: statements.flatMap((s) => rewrite(s, type)) };
}
