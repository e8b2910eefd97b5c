/** IAM policies and trust policies (I1–I4). */
import * as aws from "@pulumi/aws";
import type { ReportViolation, ResourceValidation } from "@pulumi/policy";
import {
  actionsOf,
  asArray,
  conditionValues,
  hasSourceCondition,
  isAllow,
  isWildcardAction,
  principalsOf,
  resourcesOf,
  statementsOf,
} from "../lib/documents";
import { forType, resourceRule, stackRule } from "../lib/rule";
import { wildcardResourceAllowed } from "../exceptions";

/** AWS-managed policies that grant far more than any one function needs. */
const BROAD_MANAGED_POLICY = /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess|[A-Za-z0-9]+FullAccess)$/;

/** I1 on one identity-policy document. */
export function reportLeastPrivilege(document: unknown, report: ReportViolation, where = "the policy"): void {
  for (const s of statementsOf(document).filter(isAllow)) {
    const sid = s.Sid ? ` (${s.Sid})` : "";
    if (s.NotAction !== undefined) report(`${where}${sid} allows NotAction, i.e. everything else`);
    if (s.NotResource !== undefined) report(`${where}${sid} allows NotResource, i.e. everything else`);
    const actions = actionsOf(s);
    for (const a of actions.filter(isWildcardAction)) report(`${where}${sid} allows ${a}`);
    const resources = resourcesOf(s);
    if (resources.includes("*") && !wildcardResourceAllowed(s, actions)) {
      report(`${where}${sid} allows ${actions.join(", ")} on Resource "*" (only actions AWS cannot scope may, see policy/exceptions.ts)`);
    }
    if (actions.some((a) => a.toLowerCase() === "iam:passrole") && resources.some((r) => r.includes("*")))
      report(`${where}${sid} allows iam:PassRole on a wildcard`);
  }
}

const onManagedPolicy = (arn: unknown, report: ReportViolation) => {
  if (BROAD_MANAGED_POLICY.test(String(arn))) report(`attaches the broad managed policy ${arn}`);
};

/** Every identity-policy document the stack can define, checked with `check`. */
export function identityPolicyValidations(
  check: (document: unknown, report: ReportViolation, where?: string) => void,
): ResourceValidation[] {
  return [
    forType(aws.iam.Policy, (p, report) => check(p.policy, report)),
    forType(aws.iam.RolePolicy, (p, report) => check(p.policy, report)),
    forType(aws.iam.UserPolicy, (p, report) => check(p.policy, report)),
    forType(aws.iam.GroupPolicy, (p, report) => check(p.policy, report)),
    forType(aws.iam.Role, (r, report) => {
      for (const inline of r.inlinePolicies ?? []) if (inline.policy) check(inline.policy, report, `inline policy ${inline.name}`);
    }),
  ];
}

export const iamLeastPrivilege = resourceRule(
  {
    id: "I1",
    name: "iam-least-privilege",
    title:
      'No identity policy allows `*` or `service:*` actions, NotAction/NotResource, iam:PassRole on a wildcard, or `Resource: "*"` except for the declared actions AWS cannot scope; no broad AWS-managed policies.',
    sources:
      "Security Hub IAM.1, IAM.21, KMS.1, KMS.2; Checkov CKV_AWS_62, CKV_AWS_63, CKV_AWS_355, CKV_AWS_274; cfn-nag F3, F4, F5, F38-F40, W11, W12; Trivy AVD-AWS-0057, AVD-AWS-0342; PCI DSS v4.0.1 7.2.1",
  },
  [
    ...identityPolicyValidations(reportLeastPrivilege),
    forType(aws.iam.RolePolicyAttachment, (a, report) => onManagedPolicy(a.policyArn, report)),
    forType(aws.iam.PolicyAttachment, (a, report) => onManagedPolicy(a.policyArn, report)),
    forType(aws.iam.Role, (r, report) =>
      asArray(r.managedPolicyArns).forEach((arn) => {
        onManagedPolicy(arn, report);
      }),
    ),
  ],
);

/**
 * The aws:SourceArn a service sends when it assumes a role, where that is not the ARN of the resource
 * one would expect. A trust policy naming anything else is never satisfied: the role is unusable.
 */
const SOURCE_ARN_SENT: Record<string, { pattern: RegExp; sends: string; source: string }> = {
  "scheduler.amazonaws.com": {
    pattern: /^arn:aws[a-z-]*:scheduler:[^:]*:[^:]*:schedule-group\/[^/]+$/,
    sends: "its schedule group's ARN (arn:aws:scheduler:<region>:<account>:schedule-group/<group>), never a schedule's",
    source: "https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html",
  },
};

export const iamTrustPolicies = resourceRule(
  {
    id: "I2",
    name: "iam-trust-policies",
    title:
      "Trust policies name their principals (no `*`, no NotPrincipal or NotAction) and restrict AWS service principals to this account or a source ARN, in the form the service sends it (EventBridge Scheduler: the schedule group's ARN).",
    sources:
      "Checkov CKV_AWS_60 and CKV_AWS_61; cfn-nag F2, F6, W14; IAM confused-deputy guidance; EventBridge Scheduler confused deputy prevention",
  },
  forType(aws.iam.Role, (r, report) => {
    for (const s of statementsOf(r.assumeRolePolicy).filter(isAllow)) {
      const p = principalsOf(s);
      if (p.anyone) report("the trust policy allows any principal");
      if (s.NotPrincipal !== undefined) report("the trust policy uses NotPrincipal");
      if (s.NotAction !== undefined) report("the trust policy uses NotAction");
      if (p.service.length > 0 && !hasSourceCondition(s))
        report(`the trust policy lets ${p.service.join(", ")} assume the role without aws:SourceAccount or aws:SourceArn`);
      for (const service of p.service) {
        const sent = SOURCE_ARN_SENT[service];
        if (!sent) continue;
        for (const arn of conditionValues(s, "aws:SourceArn"))
          if (!sent.pattern.test(arn))
            report(`the trust policy expects ${service} to send aws:SourceArn ${arn}; it sends ${sent.sends} (${sent.source})`);
      }
    }
  }),
);

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

export const iamNamedRoleTrust = resourceRule(
  {
    id: "I3",
    name: "iam-trust-named-roles",
    title:
      "Roles trusted by other AWS principals (the cross-region DR operations role) name exact role ARNs, never an account root or a wildcard.",
    sources: "Checkov CKV_AWS_60; IAM role trust policy documentation",
  },
  forType(aws.iam.Role, (r, report) => {
    for (const s of statementsOf(r.assumeRolePolicy).filter(isAllow)) {
      for (const a of principalsOf(s).aws)
        if (!ROLE_ARN.test(a) || a.includes("*")) report(`the trust policy trusts ${a}, not a specific role ARN`);
    }
  }),
);

export const iamNoPolicyConflicts = stackRule(
  {
    id: "I4",
    name: "iam-no-policy-management-conflicts",
    title:
      "A role whose policies are managed on the role itself (inlinePolicies, managedPolicyArns) has no separate RolePolicy or attachment fighting over them.",
    sources: "AWS Guard iam-role-no-policy-management-conflicts",
  },
  (stack, report) => {
    const separate = new Set([
      ...stack.all(aws.iam.RolePolicy).map(({ props }) => props.role),
      ...stack.all(aws.iam.RolePolicyAttachment).map(({ props }) => props.role),
    ]);
    for (const { resource, props } of stack.all(aws.iam.Role)) {
      const onRole = (props.inlinePolicies ?? []).length > 0 || (props.managedPolicyArns ?? []).length > 0;
      if (onRole && (separate.has(props.name) || separate.has(props.arn)))
        report(`role ${props.name} has policies both on the role and as separate resources`, resource.urn);
    }
  },
);

export const iamRules = [iamLeastPrivilege, iamTrustPolicies, iamNamedRoleTrust, iamNoPolicyConflicts];
