/**
 * Turns schema issues into messages that name the field and what is allowed. Schemas themselves
 * are written with `import * as z from "./zod"` (zod/mini with English messages).
 */
import type * as z from "./zod";

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
