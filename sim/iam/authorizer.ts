/**
 * IAM, enforced: every request the simulated world serves is authorized against the stack's own
 * policies (deployment/iam.ts) by a maintained IAM policy evaluator, @cloud-copilot/iam-simulate
 * (identity and resource policies, same-account rules, trust policies and KMS key policies, every
 * condition operator). A request is allowed only if AWS would allow it.
 *
 * Principals:
 * - a role session — a Lambda function runs as its execution role; a client holding credentials
 *   from sts:AssumeRole runs as the assumed role (the world maps issued access keys to sessions);
 * - a service principal (events.amazonaws.com, cloudwatch.amazonaws.com, ...) — allowed only by a
 *   resource policy, as AWS does;
 * - the operator — people and tools on the internet (drctl, the rehearsal's on-call and clients)
 *   act as the account's administrator: the stack defines no operator role, so there is nothing
 *   to hold them to (stated in sim/README.md).
 *
 * Context keys are the ones AWS sends for the request (aws:SecureTransport, aws:SourceAccount /
 * aws:SourceArn where the service sends them, kms:ViaService, cloudwatch:namespace, ...); a key AWS
 * may not send is left out, so a condition on it does not match — the harsher reading.
 *
 * The evaluator is AGPL-3.0 licensed; it is a devDependency of the simulator only, never part of a
 * Lambda bundle (dependency-cruiser forbids it there).
 */
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { IamModel, PolicyDocument } from "../deployment/iam";
import { contextPoliciesRead, PolicyText } from "./context-keys";
import { DEFAULT_ENDPOINT_POLICY, evaluableEndpointPolicy } from "./endpoint-policies";
import { sharedDecision } from "./shared-decisions";

export type Principal =
  | { kind: "role"; roleArn: string; sessionName: string }
  | { kind: "service"; service: string }
  | { kind: "operator" };

export interface AuthRequest {
  principal: Principal;
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  /** The VPC endpoint the request came through: its policy must allow it too (endpoint-policies.ts). */
  endpoint?: { id: string; type: "Gateway" | "Interface"; policy?: PolicyDocument };
}

export interface AuthDecision {
  allowed: boolean;
  result: string;
  principal: string;
  action: string;
  resource: string;
  /** AWS's wording of why it was denied. */
  reason: string;
  /** The VPC endpoint whose policy denied it, when that is why. */
  vpcEndpointId?: string;
}

/** What AWS says when a request is denied: "User: X is not authorized to perform: A on resource: R because ..." */
export function denialMessage(d: AuthDecision): string {
  return `User: ${d.principal} is not authorized to perform: ${d.action} on resource: ${d.resource} ${d.reason}`;
}

export function principalArn(p: Principal, accountId: string): string {
  if (p.kind === "service") return p.service;
  if (p.kind === "operator") return `arn:aws:iam::${accountId}:root`;
  const roleName = p.roleArn.split("/").slice(1).join("/");
  return `arn:aws:sts::${accountId}:assumed-role/${roleName}/${p.sessionName}`;
}

/**
 * The evaluator reads its Service Authorization Reference data from disk, lazily, per service:
 * real I/O that virtual time must not run ahead of (a Task would "time out" while a file loads).
 * The world waits for this before its clock moves: one evaluation per service the stack's calls use.
 */
const SERVICES_IN_USE = [
  ["dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t"],
  ["sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q"],
  ["sns:Publish", "arn:aws:sns:us-east-1:123456789012:t"],
  ["s3:GetObject", "arn:aws:s3:::b/k"],
  ["lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:f"],
  ["cloudwatch:PutMetricData", "*"],
  ["states:StartExecution", "arn:aws:states:us-east-1:123456789012:stateMachine:m"],
  ["ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/p"],
  ["sts:AssumeRole", "arn:aws:iam::123456789012:role/r"],
  ["route53:GetHealthCheckStatus", "arn:aws:route53:::healthcheck/h"],
  ["kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/k"],
  // AWS FIS's experiment role: network ACLs for the payment-path action, log delivery.
  ["ec2:DescribeSubnets", "*"],
  ["logs:CreateLogDelivery", "*"],
  ["fis:StartExperiment", "arn:aws:fis:us-east-1:123456789012:experiment-template/t"],
] as const;

let ready: Promise<void> | undefined;
export function evaluatorReady(): Promise<void> {
  ready ??= Promise.all(
    SERVICES_IN_USE.map(([action, resource]) =>
      runSimulation(
        {
          identityPolicies: [],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          request: {
            principal: "arn:aws:iam::123456789012:role/warm-up",
            action,
            resource: { accountId: "123456789012", resource },
            contextVariables: {},
          },
        } as unknown as Simulation,
        {},
      ),
    ),
  ).then(() => undefined);
  return ready;
}

/**
 * KMS's encryption-context condition keys (kms:EncryptionContext:<context key>) are variable keys
 * the evaluator does not recognise (it matches variable keys on a "/", and drops the rest from the
 * request context), so a key-policy condition on them could never hold. They are renamed, in the
 * policies and in the request alike, to a variable key it does evaluate (aws:RequestTag/...,
 * which nothing in this stack uses): the same operators compare the same values.
 */
const KMS_CONTEXT = /"kms:EncryptionContext:([^"]+)"/gi;
function withEvaluableKeys<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(KMS_CONTEXT, (_m, key: string) => `"aws:RequestTag/kms.EncryptionContext.${key}"`)) as T;
}

/**
 * Decides requests against one deployment's IAM, as it was when the world was built: a changed
 * policy is a changed deployment (test/sim/support/deployment-edits.ts edits a copy), and a world
 * built from it gets an Authorizer of its own. Decisions are cached twice: per Authorizer, by the
 * request (this world asks the same things over and over), and across worlds by exactly what was
 * evaluated (shared-decisions.ts), so an edited policy is evaluated afresh.
 */
export class Authorizer {
  private readonly cache = new Map<string, Promise<AuthDecision>>();
  private readonly roles: Map<string, IamModel["roles"][number]>;
  /** Every decision made, in order (tests and the rehearsal's check read the denials). */
  readonly decisions: AuthDecision[] = [];

  constructor(
    private readonly model: IamModel,
    private readonly accountId: string,
  ) {
    this.roles = new Map(model.roles.map((r) => [r.arn, r]));
  }

  role(arn: string) {
    return this.roles.get(arn);
  }

  /** The ARN whose resource policy applies (a bucket's covers its objects; a role's trust policy is its own). */
  private resourcePolicyArn(action: string, resource: string): string {
    if (action === "sts:AssumeRole") return `trust:${resource}`;
    const bucket = /^arn:aws:s3:::([^/]+)/.exec(resource)?.[1];
    return bucket ? `arn:aws:s3:::${bucket}` : resource;
  }

  private resourcePolicy(action: string, resource: string): PolicyDocument | undefined {
    if (action === "sts:AssumeRole") return this.roles.get(resource)?.trust;
    const arn = this.resourcePolicyArn(action, resource);
    return this.model.resourcePolicies.find((p) => p.arn === arn)?.document;
  }

  private readonly policyTexts = new Map<string, PolicyText>();
  /** The text of every policy `request` is evaluated against: what its context keys are looked up in (context-keys.ts). */
  private policyText(request: AuthRequest): PolicyText {
    const roleArn = request.principal.kind === "role" ? request.principal.roleArn : "";
    const id = `${roleArn}|${this.resourcePolicyArn(request.action, request.resource)}|${request.endpoint?.id ?? ""}`;
    let text = this.policyTexts.get(id);
    if (!text) {
      text = new PolicyText([
        ...(this.roles.get(roleArn)?.policies ?? []).map((p) => p.document),
        this.resourcePolicy(request.action, request.resource),
        request.endpoint ? (request.endpoint.policy ?? DEFAULT_ENDPOINT_POLICY) : undefined,
      ]);
      this.policyTexts.set(id, text);
    }
    return text;
  }

  async authorize(asked: AuthRequest): Promise<AuthDecision> {
    const principal = principalArn(asked.principal, this.accountId);
    // Context keys no policy of the request names cannot change the decision (context-keys.ts).
    const request =
      asked.principal.kind === "operator" ? asked : { ...asked, context: contextPoliciesRead(asked.context, this.policyText(asked)) };
    const key = JSON.stringify([principal, request.action, this.resourceKey(request), request.context ?? {}, request.endpoint?.id ?? null]);
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.evaluate(request, principal);
      this.cache.set(key, pending);
    }
    // A decision shared through the cache names the resource of this request.
    const decision = { ...(await pending), resource: request.resource };
    this.decisions.push(decision);
    return decision;
  }

  /**
   * What of the resource the decision can depend on, for the cache key. An S3 object ARN is
   * reduced to its bucket and which of the policies' Resource/NotResource patterns match it: the
   * payment path writes one new object per payment, and without this each write would be a fresh
   * evaluation (most of a rehearsal's IAM time). The reduction is exact: an object ARN has no
   * region or account segment, and IAM matches the rest of it against a pattern as a whole, `*`
   * spanning any characters and `?` one (IAM User Guide, "IAM JSON policy elements: Resource",
   * "Including wildcard characters in the resource ARN"); conditions see only the request context,
   * which is part of the key. A policy variable (`${...}`) could make the match depend on the
   * principal or context, so any pattern with one keeps the full ARN.
   */
  private resourceKey(request: AuthRequest): string {
    const object = /^arn:aws:s3:::([^/]+)\/./.exec(request.resource);
    if (!object || request.principal.kind === "operator") return request.resource;
    const patterns = this.patternsFor(request);
    if (!patterns) return request.resource;
    return `${object[1]}/[${patterns.map((p) => (p.test(request.resource) ? 1 : 0)).join("")}]`;
  }

  private readonly patternCache = new Map<string, RegExp[] | null>();
  /** The Resource and NotResource patterns of the policies in the request, as regexes (null: one has a policy variable). */
  private patternsFor(request: AuthRequest): RegExp[] | null {
    const roleArn = request.principal.kind === "role" ? request.principal.roleArn : "";
    const bucketArn = `arn:aws:s3:::${/^arn:aws:s3:::([^/]+)/.exec(request.resource)?.[1]}`;
    const id = `${roleArn}|${bucketArn}`;
    let patterns = this.patternCache.get(id);
    if (patterns === undefined) {
      const documents = [
        ...(this.roles.get(roleArn)?.policies ?? []).map((p) => p.document),
        ...this.model.resourcePolicies.filter((p) => p.arn === bucketArn).map((p) => p.document),
      ];
      const strings = documents.flatMap((d) =>
        (Array.isArray(d.Statement) ? d.Statement : [d.Statement]).flatMap((st) =>
          [st.Resource, st.NotResource].flatMap((r) => (r === undefined ? [] : Array.isArray(r) ? r : [r])).map(String),
        ),
      );
      patterns = strings.some((p) => p.includes("${"))
        ? null
        : [...new Set(strings)].map(
            (p) =>
              new RegExp(
                `^${p
                  .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                  .replace(/\*/g, ".*")
                  .replace(/\?/g, ".")}$`,
                "s",
              ),
          );
      this.patternCache.set(id, patterns);
    }
    return patterns;
  }

  private async evaluate(request: AuthRequest, principal: string): Promise<AuthDecision> {
    const base = { principal, action: request.action, resource: request.resource };
    if (request.principal.kind === "operator") return { ...base, allowed: true, result: "Allowed", reason: "" };
    const identityPolicies =
      request.principal.kind === "role"
        ? (this.roles.get(request.principal.roleArn)?.policies ?? []).map((p) => ({ name: p.name, policy: p.document }))
        : [];
    const resourcePolicy = this.resourcePolicy(request.action, request.resource);
    const simulation = {
      identityPolicies: identityPolicies.map((p) => ({ ...p, policy: withEvaluableKeys(p.policy) })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy: withEvaluableKeys(resourcePolicy) } : {}),
      ...(request.endpoint
        ? {
            vpcEndpointPolicies: [
              {
                name: request.endpoint.id,
                policy: withEvaluableKeys(evaluableEndpointPolicy(request.endpoint.policy, request.endpoint.type)),
              },
            ],
          }
        : {}),
      request: {
        principal,
        action: request.action,
        resource: { accountId: this.accountId, resource: request.resource },
        contextVariables: withEvaluableKeys({ "aws:SecureTransport": "true", ...(request.context ?? {}) }),
      },
    } as unknown as Simulation;
    // Another world may have evaluated exactly this already (shared-decisions.ts).
    const response = await sharedDecision(simulation, () => runSimulation(simulation, {}));
    if (response.resultType === "error") {
      throw new Error(
        `The simulated IAM cannot evaluate ${request.action} on ${request.resource} by ${principal}: ${JSON.stringify(response.errors)}`,
      );
    }
    const result = String(response.overallResult);
    const allowed = result === "Allowed";
    // AWS names one policy type when several deny (IAM User Guide, "Troubleshoot access denied error
    // messages"); the endpoint is named when it is what blocks a request the other policies allow,
    // or when it denies explicitly: "with an explicit deny in a VPC endpoint policy", "because no
    // VPC endpoint policy allows the <action> action".
    const analysis = (response as { result?: { analysis?: { blockedBy?: string[]; endpointAnalysis?: { result?: string } } } }).result
      ?.analysis;
    const endpointResult = analysis?.endpointAnalysis?.result;
    const byEndpoint =
      !allowed &&
      request.endpoint !== undefined &&
      (endpointResult === "ExplicitlyDenied" ||
        (endpointResult === "ImplicitlyDenied" && (analysis?.blockedBy ?? []).every((b) => b === "vpce")));
    if (byEndpoint) {
      const reason =
        endpointResult === "ExplicitlyDenied"
          ? "with an explicit deny in a VPC endpoint policy"
          : `because no VPC endpoint policy allows the ${request.action} action`;
      return { ...base, allowed, result, reason, vpcEndpointId: request.endpoint?.id };
    }
    const reason = allowed
      ? ""
      : result === "ExplicitlyDenied"
        ? "with an explicit deny in a policy"
        : request.principal.kind === "service"
          ? "because no resource-based policy allows it"
          : resourcePolicy && (request.action === "sts:AssumeRole" || request.action.startsWith("kms:"))
            ? `because the ${request.action === "sts:AssumeRole" ? "role's trust policy" : "key policy"} does not allow it, or no identity-based policy allows it`
            : `because no identity-based policy allows the ${request.action} action`;
    return { ...base, allowed, result, reason };
  }
}
