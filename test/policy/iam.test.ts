/** IAM and KMS rules (I1-I4, K1) against the synthesized stack and broken copies of it. */
import { iamRules } from "../../policy/rules/iam";
import * as iam from "../../policy/rules/iam";
import { kmsRules } from "../../policy/rules/kms";
import * as kms from "../../policy/rules/kms";
import { byType, editJson, fixture, withChange } from "./support/fixtures";
import { type FailingCase, ruleSuite } from "./support/suite";

const rolePolicy = (role: string) => byType("aws:iam/rolePolicy:RolePolicy", (r) => r.inputs.role === role);
const notifyPolicy = rolePolicy("notify-us-east-1-dev");
const role = (name: string) => byType("aws:iam/role:Role", (r) => r.inputs.name === name);
const key = byType("aws:kms/key:Key", (r) => r.region === "us-east-1");
const allow = (Action: unknown, Resource: unknown, extra: object = {}) => ({ Effect: "Allow", Action, Resource, ...extra });
const grant = (statement: object) => (rs: Parameters<FailingCase["change"]>[0]) =>
  withChange(rs, notifyPolicy, (p) => editJson(p, "policy", (doc) => doc.Statement.push(statement)));

const cases: FailingCase[] = [
  {
    rule: iam.iamTrustPolicies,
    when: "Scheduler's role is trusted for one schedule, an aws:SourceArn Scheduler never sends",
    change: (rs) =>
      withChange(rs, role("canary-schedule-us-east-1-dev"), (p) =>
        editJson(
          p,
          "assumeRolePolicy",
          (doc) =>
            (doc.Statement[0].Condition.ArnLike["aws:SourceArn"] =
              "arn:aws:scheduler:us-east-1:123456789012:schedule/default/canary-schedule-us-east-1-dev"),
        ),
      ),
    expect:
      /expects scheduler\.amazonaws\.com to send aws:SourceArn arn:aws:scheduler:us-east-1:123456789012:schedule\/default\/canary-schedule-us-east-1-dev; it sends its schedule group's ARN/,
  },
  {
    rule: iam.iamLeastPrivilege,
    when: "a policy allows every action",
    change: grant(allow("*", "arn:aws:sns:us-east-1:123456789012:x")),
    expect: /allows \*$/,
  },
  {
    rule: iam.iamLeastPrivilege,
    when: "a policy allows a whole service",
    change: grant(allow(["sns:Publish", "dynamodb:*"], "arn:aws:dynamodb:us-east-1:123456789012:table/x")),
    expect: /allows dynamodb:\*/,
  },
  {
    rule: iam.iamLeastPrivilege,
    when: "a policy allows NotAction",
    change: grant({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }),
    expect: /allows NotAction/,
  },
  {
    rule: iam.iamLeastPrivilege,
    when: "kms:Decrypt is allowed on every key",
    change: grant(allow("kms:Decrypt", "*")),
    expect: /allows kms:Decrypt on Resource "\*"/,
  },
  {
    rule: iam.iamLeastPrivilege,
    when: "iam:PassRole is allowed on every role",
    change: grant(allow("iam:PassRole", "arn:aws:iam::123456789012:role/*")),
    expect: /iam:PassRole on a wildcard/,
  },
  {
    rule: iam.iamLeastPrivilege,
    when: "a role gets AdministratorAccess",
    change: (rs) => [
      ...rs,
      fixture("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin", {
        role: "notify-us-east-1-dev",
        policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
      }),
    ],
    expect: /broad managed policy arn:aws:iam::aws:policy\/AdministratorAccess/,
  },
  {
    rule: iam.iamLeastPrivilege,
    when: "an inline policy on a role allows a wildcard",
    change: (rs) =>
      withChange(
        rs,
        role("notify-us-east-1-dev"),
        (p) => (p.inlinePolicies = [{ name: "extra", policy: JSON.stringify({ Version: "2012-10-17", Statement: [allow("s3:*", "*")] }) }]),
      ),
    expect: /inline policy extra allows s3:\*/,
  },
  {
    rule: iam.iamLeastPrivilege,
    when: "a policy is not JSON",
    change: (rs) => withChange(rs, notifyPolicy, (p) => (p.policy = "{not json")),
    expect: /not valid JSON/,
  },
  {
    rule: iam.iamTrustPolicies,
    when: "Lambda may assume a role on behalf of any account",
    change: (rs) =>
      withChange(rs, role("notify-us-east-1-dev"), (p) => editJson(p, "assumeRolePolicy", (doc) => delete doc.Statement[0].Condition)),
    expect: /lets lambda.amazonaws.com assume the role without aws:SourceAccount/,
  },
  {
    rule: iam.iamTrustPolicies,
    when: "anyone may assume a role",
    change: (rs) =>
      withChange(rs, role("notify-us-east-1-dev"), (p) => editJson(p, "assumeRolePolicy", (doc) => (doc.Statement[0].Principal = "*"))),
    expect: /allows any principal/,
  },
  {
    rule: iam.iamNamedRoleTrust,
    when: "the DR operations role trusts a whole account",
    change: (rs) =>
      withChange(rs, role("dr-operations-global-dev"), (p) =>
        editJson(p, "assumeRolePolicy", (doc) => (doc.Statement[0].Principal = { AWS: "arn:aws:iam::123456789012:root" })),
      ),
    expect: /trusts arn:aws:iam::123456789012:root, not a specific role ARN/,
  },
  {
    rule: iam.iamNamedRoleTrust,
    when: "the DR operations role trusts a wildcard role",
    change: (rs) =>
      withChange(rs, role("dr-operations-global-dev"), (p) =>
        editJson(p, "assumeRolePolicy", (doc) => (doc.Statement[0].Principal = { AWS: "arn:aws:iam::123456789012:role/*" })),
      ),
    expect: /not a specific role ARN/,
  },
  {
    rule: iam.iamNoPolicyConflicts,
    when: "a role has inline policies and a separate RolePolicy",
    change: (rs) =>
      withChange(
        rs,
        role("notify-us-east-1-dev"),
        (p) => (p.inlinePolicies = [{ name: "extra", policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }]),
      ),
    expect: /role notify-us-east-1-dev has policies both on the role and as separate resources/,
  },

  {
    rule: kms.kmsKeySettings,
    when: "rotation is off",
    change: (rs) => withChange(rs, key, (p) => (p.enableKeyRotation = false)),
    expect: /key rotation is off/,
  },
  {
    rule: kms.kmsKeySettings,
    when: "the lockout safety check is bypassed",
    change: (rs) => withChange(rs, key, (p) => (p.bypassPolicyLockoutSafetyCheck = true)),
    expect: /bypasses the policy lockout safety check/,
  },
  {
    rule: kms.kmsKeySettings,
    when: "deletion waits only 7 days",
    change: (rs) => withChange(rs, key, (p) => (p.deletionWindowInDays = 7)),
    expect: /deletion window is 7 days/,
  },
  {
    rule: kms.kmsKeySettings,
    when: "the key relies on the default key policy",
    change: (rs) => withChange(rs, key, (p) => delete p.policy),
    expect: /no explicit key policy/,
  },
  {
    rule: kms.kmsKeyPolicy,
    when: "a service may use the key without a condition",
    change: (rs) =>
      withChange(rs, key, (p) =>
        editJson(p, "policy", (doc) => delete doc.Statement.find((s: any) => s.Sid === "CloudWatchAlarmsToEncryptedTopics").Condition),
      ),
    expect: /statement CloudWatchAlarmsToEncryptedTopics lets cloudwatch.amazonaws.com use the key without a condition/,
  },
  {
    rule: kms.kmsKeyPolicy,
    when: "alarm notifications to the encrypted topic depend on aws:SourceAccount, which KMS may not receive (a lost alarm)",
    change: (rs) =>
      withChange(rs, key, (p) =>
        editJson(
          p,
          "policy",
          (doc) =>
            (doc.Statement.find((s: any) => s.Sid === "CloudWatchAlarmsToEncryptedTopics").Condition = {
              StringEquals: { "aws:SourceAccount": "123456789012" },
            }),
        ),
      ),
    expect:
      /statement CloudWatchAlarmsToEncryptedTopics binds cloudwatch.amazonaws.com by aws:SourceAccount, which a service acting through SNS or SQS may not send to KMS/,
  },
  {
    rule: kms.kmsKeyPolicy,
    when: "the root statement is dropped (lockout)",
    change: (rs) =>
      withChange(rs, key, (p) =>
        editJson(p, "policy", (doc) => (doc.Statement = doc.Statement.filter((s: any) => s.Sid !== "EnableIamPolicies"))),
      ),
    expect: /expected exactly one account-root statement, found 0/,
  },
];

describe("IAM and KMS rules", () => ruleSuite([...iamRules, ...kmsRules], cases));
