/**
 * The stack's IAM as the simulated world enforces it, read from the offline evaluation: each
 * role's trust policy and identity policies (inline, RolePolicy, attached), the resource policies
 * (queues, topics, buckets, functions' permissions, KMS key policies), and which KMS key encrypts
 * which queue, topic and bucket (for the implicit KMS calls SSE-KMS makes on a caller's behalf).
 * Nothing here is written by hand: a permission the stack does not grant does not exist here.
 */
import type { CapturedResource } from "../../infra/offline/mocks";

export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[] | Record<string, unknown>;
}

export interface RoleDefinition {
  name: string;
  arn: string;
  trust: PolicyDocument;
  /** Inline and attached policies, by name (attached AWS-managed policies are listed in `managed`). */
  policies: { name: string; document: PolicyDocument }[];
  /** AWS-managed policies attached (their documents are not in the evaluation: calls they would allow are not simulated). */
  managed: string[];
}

export type ResourcePolicyKind = "sqs" | "sns" | "s3" | "lambda" | "kms";

export interface IamModel {
  roles: RoleDefinition[];
  /** Resource policies by the ARN of what they protect (a bucket's covers its objects). */
  resourcePolicies: { kind: ResourcePolicyKind; arn: string; region?: string; document: PolicyDocument }[];
  /** The KMS key (full ARN) that encrypts a queue, topic or bucket (by ARN). */
  encryption: { resourceArn: string; keyArn: string }[];
}

function parse(policy: unknown, what: string): PolicyDocument {
  const doc = typeof policy === "string" ? (JSON.parse(policy) as PolicyDocument) : (policy as PolicyDocument | undefined);
  if (!doc?.Statement) throw new Error(`${what} has no policy document`);
  return doc;
}

export function readIam(resources: CapturedResource[]): IamModel {
  const of = (type: string) => resources.filter((r) => r.type === type);
  const roles = new Map<string, RoleDefinition>();
  for (const r of of("aws:iam/role:Role")) {
    const name = String(r.inputs.name ?? r.state.name);
    roles.set(name, {
      name,
      arn: String(r.state.arn),
      trust: parse(r.inputs.assumeRolePolicy, `role ${name}'s trust`),
      policies: ((r.inputs.inlinePolicies ?? []) as { name: string; policy: string }[]).map((p) => ({
        name: p.name,
        document: parse(p.policy, `role ${name}'s inline policy ${p.name}`),
      })),
      managed: [...((r.inputs.managedPolicyArns ?? []) as string[])],
    });
  }
  const customerPolicies = new Map(
    of("aws:iam/policy:Policy").map((p) => [String(p.state.arn), parse(p.inputs.policy, `policy ${p.name}`)]),
  );
  for (const p of of("aws:iam/rolePolicy:RolePolicy")) {
    const role = roles.get(String(p.inputs.role));
    if (!role) throw new Error(`RolePolicy ${p.name} is on ${p.inputs.role}, a role the stack does not define`);
    role.policies.push({ name: String(p.inputs.name ?? p.name), document: parse(p.inputs.policy, `role policy ${p.name}`) });
  }
  for (const a of of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")) {
    const role = roles.get(String(a.inputs.role));
    if (!role) continue;
    const arn = String(a.inputs.policyArn);
    const doc = customerPolicies.get(arn);
    if (doc) role.policies.push({ name: arn, document: doc });
    else role.managed.push(arn);
  }

  const keys = of("aws:kms/key:Key").map((k) => ({
    arn: String(k.state.arn),
    id: String(k.state.keyId ?? k.id),
    region: k.region,
    policy: k.inputs.policy,
  }));
  const aliases = new Map(of("aws:kms/alias:Alias").map((a) => [`${a.region}|${a.inputs.name}`, String(a.inputs.targetKeyId)]));
  const keyArn = (ref: unknown, region: string | undefined): string | undefined => {
    if (typeof ref !== "string" || ref.length === 0) return undefined;
    const byArn = keys.find((k) => k.arn === ref || k.id === ref);
    if (byArn) return byArn.arn;
    const aliasTarget = aliases.get(`${region}|${ref.replace(/^arn:aws:kms:[^:]+:\d+:/, "")}`);
    return keys.find((k) => k.id === aliasTarget || k.arn === aliasTarget)?.arn ?? ref;
  };

  const resourcePolicies: IamModel["resourcePolicies"] = [];
  for (const k of keys)
    if (k.policy) resourcePolicies.push({ kind: "kms", arn: k.arn, region: k.region, document: parse(k.policy, `key ${k.arn}`) });
  const queueArnByUrl = new Map(of("aws:sqs/queue:Queue").map((q) => [String(q.state.url), String(q.state.arn)]));
  for (const p of of("aws:sqs/queuePolicy:QueuePolicy")) {
    const arn = queueArnByUrl.get(String(p.inputs.queueUrl));
    if (arn) resourcePolicies.push({ kind: "sqs", arn, region: p.region, document: parse(p.inputs.policy, `queue policy ${p.name}`) });
  }
  for (const p of of("aws:sns/topicPolicy:TopicPolicy"))
    resourcePolicies.push({
      kind: "sns",
      arn: String(p.inputs.arn),
      region: p.region,
      document: parse(p.inputs.policy, `topic policy ${p.name}`),
    });
  for (const p of of("aws:s3/bucketPolicy:BucketPolicy"))
    resourcePolicies.push({
      kind: "s3",
      arn: `arn:aws:s3:::${p.inputs.bucket}`,
      region: p.region,
      document: parse(p.inputs.policy, `bucket policy ${p.name}`),
    });

  // Lambda's resource policy is the sum of its permissions (AddPermission), one statement each.
  const functionArn = new Map(of("aws:lambda/function:Function").map((f) => [String(f.inputs.name), String(f.state.arn)]));
  const permissions = new Map<string, Record<string, unknown>[]>();
  for (const p of of("aws:lambda/permission:Permission")) {
    const fn = String(p.inputs.function);
    const arn = fn.startsWith("arn:") ? fn : functionArn.get(fn);
    if (!arn) throw new Error(`Lambda permission ${p.name} is on ${fn}, a function the stack does not define`);
    const condition: Record<string, Record<string, string>> = {};
    if (p.inputs.sourceArn) condition.ArnLike = { "aws:SourceArn": String(p.inputs.sourceArn) };
    if (p.inputs.sourceAccount) condition.StringEquals = { "aws:SourceAccount": String(p.inputs.sourceAccount) };
    const principal = String(p.inputs.principal);
    const statement = {
      Sid: p.name,
      Effect: "Allow",
      Principal: principal.endsWith(".amazonaws.com") ? { Service: principal } : { AWS: principal },
      Action: String(p.inputs.action),
      Resource: arn,
      ...(Object.keys(condition).length ? { Condition: condition } : {}),
    };
    permissions.set(arn, [...(permissions.get(arn) ?? []), statement]);
  }
  for (const [arn, statements] of permissions)
    resourcePolicies.push({ kind: "lambda", arn, region: arn.split(":")[3], document: { Version: "2012-10-17", Statement: statements } });

  const encryption: IamModel["encryption"] = [];
  for (const q of of("aws:sqs/queue:Queue")) {
    const key = keyArn(q.inputs.kmsMasterKeyId, q.region);
    if (key) encryption.push({ resourceArn: String(q.state.arn), keyArn: key });
  }
  for (const t of of("aws:sns/topic:Topic")) {
    const key = keyArn(t.inputs.kmsMasterKeyId, t.region);
    if (key) encryption.push({ resourceArn: String(t.state.arn), keyArn: key });
  }
  for (const c of of("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")) {
    const rule = (
      (c.inputs.rules ?? []) as { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string; kmsMasterKeyId?: string } }[]
    )[0];
    const byDefault = rule?.applyServerSideEncryptionByDefault;
    if (byDefault?.sseAlgorithm !== "aws:kms") continue;
    const key = keyArn(byDefault.kmsMasterKeyId, c.region);
    if (key) encryption.push({ resourceArn: `arn:aws:s3:::${c.inputs.bucket}`, keyArn: key });
  }
  return { roles: [...roles.values()], resourcePolicies, encryption };
}
