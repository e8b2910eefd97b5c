/**
 * Schema validation for everything that runs in Lambda. `zod/mini` keeps bundles small (~20 KB
 * with English messages, against ~440 KB for classic zod); this module installs the English
 * locale once and turns issues into messages that name the field and what is allowed.
 */
import * as z from "./zod";

/**
 * @deprecated Import `* as z from "./zod"` instead: re-exporting the namespace defeats
 * tree-shaking. Kept only until every consumer has moved.
 */
export { z };

export interface FieldProblem {
  field: string;
  message: string;
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      const base = issue.path.join(".");
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: "is not an allowed field" }));
    }
    return [{ field: issue.path.join(".") || "(body)", message: issue.message }];
  });
}

export function formatProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join("; ");
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

export function parseWith<S extends z.ZodMiniType>(schema: S, value: unknown): ParseResult<z.infer<S>> {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: describeIssues(result.error.issues) };
}
