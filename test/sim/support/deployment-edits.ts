/**
 * Edits of a simulated deployment for tests that show what a missing permission or a changed
 * policy does (iam.test.ts, iam-rehearsal.test.ts, audit-scheduler.test.ts). `clone` first: `withoutAction` changes
 * the deployment it is given.
 */
import type { Deployment } from "../../../sim/deployment/types";

/** A deep copy made in this realm (jest's structuredClone builds objects of another realm, which zod then refuses). */
export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
export const statementsOf = (doc: { Statement: unknown }) =>
  (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Statement[];

/** A copy of the deployment with `action` removed from every policy of `roleName`. */
export function without(d: Deployment, roleName: string, action: string): Deployment {
  const copy = clone(d);
  const role = copy.iam.roles.find((r) => r.name === roleName);
  if (!role) throw new Error(`no role ${roleName}`);
  return withoutAction(copy, role.arn, action);
}

/** `d` itself, with `action` removed from every policy of the role `roleArn` (throws if it was never granted). */
export function withoutAction(d: Deployment, roleArn: string, action: string): Deployment {
  const role = d.iam.roles.find((r) => r.arn === roleArn);
  if (!role) throw new Error(`no role ${roleArn}`);
  let removed = 0;
  for (const p of role.policies) {
    for (const s of statementsOf(p.document)) {
      const actions = [s.Action].flat();
      if (actions.includes(action)) removed += 1;
      s.Action = actions.filter((a) => a !== action);
    }
    p.document.Statement = statementsOf(p.document).filter((s) => [s.Action].flat().length > 0);
  }
  if (removed === 0) throw new Error(`${role.name} was never granted ${action}`);
  return d;
}
