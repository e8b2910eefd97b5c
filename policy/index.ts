/**
 * The payments-dr guardrails, served to the Pulumi CLI:
 *   pulumi preview --policy-pack policy
 * The rules live in ./rules (listed in ./policies.ts); docs/security.md explains each one.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("payments-dr-guardrails", { policies, enforcementLevel: "mandatory" });
