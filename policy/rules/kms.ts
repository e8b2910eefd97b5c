/** KMS customer-managed keys (K1). Region-local use of keys (K2) is in symmetry.ts. */
import * as aws from "@pulumi/aws";
import { parseArn } from "../lib/arn";
import { actionsOf, isAllow, isWildcardAction, principalsOf, statementsOf } from "../lib/documents";
import { forType, resourceRule, stackRule } from "../lib/rule";
import { isKeyPolicyRootStatement } from "../exceptions";

/** The longest waiting period KMS offers: the most time to notice a scheduled deletion. */
export const KEY_DELETION_WINDOW_DAYS = 30;

export const kmsKeySettings = resourceRule(
  {
    id: "K1",
    name: "kms-key-settings",
    title: `Customer-managed keys rotate yearly, have a description and an explicit key policy, never bypass the lockout safety check, and wait ${KEY_DELETION_WINDOW_DAYS} days before deletion.`,
    sources:
      "Security Hub KMS.3 and KMS.4; Checkov CKV_AWS_7, CKV_AWS_33, CKV_AWS_227, CKV2_AWS_64; cfn-nag F19, F76; Trivy AVD-AWS-0065; PCI DSS v4.0.1 3.6/3.7",
  },
  forType(aws.kms.Key, (k, report) => {
    const symmetric = (k.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT";
    if (symmetric && k.enableKeyRotation !== true) report("key rotation is off");
    if (!k.description) report("the key has no description");
    if (!k.policy) report("the key has no explicit key policy");
    if (k.bypassPolicyLockoutSafetyCheck === true) report("the key bypasses the policy lockout safety check");
    if (k.deletionWindowInDays !== KEY_DELETION_WINDOW_DAYS)
      report(`the deletion window is ${k.deletionWindowInDays ?? "30 (default, implicit)"} days; state ${KEY_DELETION_WINDOW_DAYS}`);
  }),
);

export const kmsKeyPolicy = stackRule(
  {
    id: "K1",
    name: "kms-key-policy",
    title:
      "Key policies keep the account-root statement (the only `kms:*`, a declared exception) and grant nothing else to anyone, to a whole service, or to an AWS service without a condition; AWS services are bound by what KMS always receives (encryption context, kms:ViaService), never only by aws:Source* keys a service may not send.",
    sources:
      "Security Hub KMS.1/KMS.2; cfn-nag F76; AWS KMS default key policy documentation; IAM global condition keys (aws:SourceAccount availability)",
  },
  (stack, report) => {
    for (const { resource, props } of stack.all(aws.kms.Key)) {
      const account = parseArn(props.arn)?.account;
      const statements = statementsOf(props.policy);
      const roots = statements.filter((s) => isKeyPolicyRootStatement(s, account));
      if (roots.length !== 1)
        report(
          `key ${props.description ?? resource.name}: expected exactly one account-root statement, found ${roots.length}`,
          resource.urn,
        );
      for (const s of statements.filter(isAllow)) {
        if (roots.includes(s)) continue;
        const sid = s.Sid ?? "(no Sid)";
        const p = principalsOf(s);
        if ((p.anyone || s.NotPrincipal !== undefined) && !s.Condition)
          report(`key policy statement ${sid} allows anyone without a condition`, resource.urn);
        for (const a of actionsOf(s).filter(isWildcardAction)) report(`key policy statement ${sid} allows ${a}`, resource.urn);
        if (p.service.length > 0 && !s.Condition)
          report(`key policy statement ${sid} lets ${p.service.join(", ")} use the key without a condition`, resource.urn);
        if (p.service.length > 0 && s.Condition) {
          // Condition keys are case-insensitive in AWS; compare lower-cased, report as written.
          const keys = Object.values(s.Condition).flatMap((entries) => Object.keys(entries ?? {}));
          const bindsByRequest = keys.some((k) => /^kms:(encryptioncontext:|viaservice$|calleraccount$)/i.test(k));
          const sourceKeys = keys.filter((k) => /^aws:source/i.test(k));
          if (sourceKeys.length > 0 && !bindsByRequest)
            report(
              `key policy statement ${sid} binds ${p.service.join(", ")} by ${sourceKeys.join(", ")}, ` +
                "which a service acting through SNS or SQS may not send to KMS (a missing key denies: the notification is lost); " +
                "bind it by kms:EncryptionContext (the topic or queue ARN SNS and SQS always send) instead",
              resource.urn,
            );
        }
      }
    }
  },
);

export const kmsRules = [kmsKeySettings, kmsKeyPolicy];
