/**
 * EventBridge event patterns, which Lambda event-source filters use too
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html): every field
 * of the pattern must match; a leaf is a list of allowed values, where an entry is a literal or one
 * of the content filters `prefix`, `exists`, `anything-but`. Other filters throw, so a pattern
 * the rehearsal cannot evaluate is never treated as matching or not matching by accident.
 */
export class UnsupportedPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedPatternError";
  }
}

type Json = unknown;

function leafMatches(allowed: Json[], value: Json, present: boolean): boolean {
  const values = Array.isArray(value) ? value : [value];
  return allowed.some((rule) => {
    if (rule === null || typeof rule !== "object") return present && values.some((v) => v === rule);
    const [filter, arg] = Object.entries(rule as Record<string, Json>)[0] ?? [];
    switch (filter) {
      case "exists":
        return arg === present;
      case "prefix":
        return present && values.some((v) => typeof v === "string" && v.startsWith(String(arg)));
      case "anything-but": {
        const excluded = Array.isArray(arg) ? arg : [arg];
        return present && values.every((v) => !excluded.includes(v));
      }
      default:
        throw new UnsupportedPatternError(`the rehearsal does not evaluate the "${filter}" filter`);
    }
  });
}

export function matchesPattern(pattern: Record<string, Json>, event: Json): boolean {
  for (const [field, rule] of Object.entries(pattern)) {
    const container = event !== null && typeof event === "object" ? (event as Record<string, Json>) : undefined;
    const present = container !== undefined && field in container;
    const value = container?.[field];
    if (Array.isArray(rule)) {
      if (!leafMatches(rule, value, present)) return false;
    } else if (rule !== null && typeof rule === "object") {
      if (!present || !matchesPattern(rule as Record<string, Json>, value)) return false;
    } else {
      throw new UnsupportedPatternError(`pattern field ${field} must be a list or an object, got ${JSON.stringify(rule)}`);
    }
  }
  return true;
}
