/**
 * Which of a request's context keys its decision can depend on.
 *
 * A policy reads the request context only through the keys it names: a condition "match[es] the
 * context keys and values in the policy against keys and values in the request context", and a
 * policy variable `${key}` is replaced by that key's value (IAM User Guide, "IAM JSON policy
 * elements: Condition", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html,
 * and "IAM policy elements: Variables and tags"). The evaluator (@cloud-copilot/iam-simulate) reads
 * context values only for a condition or a variable of the policies it is given. So a service
 * key that none of a request's policies names cannot change its decision: it is left out of the
 * evaluation and of the decision caches' keys. That is what lets one evaluation stand for every payment a function writes:
 * `dynamodb:LeadingKeys` (each new payment's id) counts only for the roles whose policies name it.
 *
 * Global keys (`aws:...`) are always kept: few, constant per caller, and kept even if the
 * evaluator were to read one that no policy names.
 */

/** The request's context without the service-specific keys that `policyText` never names. */
export function contextPoliciesRead(
  context: Record<string, string | string[]> | undefined,
  policyText: PolicyText,
): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(context ?? {})) {
    if (key.toLowerCase().startsWith("aws:") || policyText.names(key)) kept[key] = value;
  }
  return kept;
}

/**
 * The text of the policies one request is evaluated against, searched for a context key's name
 * case-insensitively ("Context key names are not case-sensitive", same page). A name appearing
 * anywhere — a condition, a variable, even a Sid — counts as read: the cautious side.
 */
export class PolicyText {
  private readonly text: string;
  private readonly answers = new Map<string, boolean>();

  constructor(documents: readonly unknown[]) {
    this.text = documents
      .map((d) => JSON.stringify(d ?? null))
      .join("\n")
      .toLowerCase();
  }

  names(key: string): boolean {
    let named = this.answers.get(key);
    if (named === undefined) {
      named = this.text.includes(key.toLowerCase());
      this.answers.set(key, named);
    }
    return named;
  }
}
