/**
 * The shape every rule's tests take: it passes on the synthesized stack (and, for a resource
 * rule, actually applied to some resource there), and it fails on each deliberately broken copy
 * of that stack with a message naming the problem.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { CapturedResource } from "../../../infra/offline/mocks";
import type { Rule } from "../../../policy/lib/rule";
import { stack } from "../../support/stack";
import { applicableCount, violationsOf } from "./harness";

export interface FailingCase {
  rule: Rule;
  /** What the change does, completing "fails when ...". */
  when: string;
  change: (resources: readonly CapturedResource[]) => CapturedResource[];
  /** Expected in one of the violation messages. */
  expect: RegExp;
  /** The policy's pack config for this case. */
  config?: object;
}

const isResourceRule = (rule: Rule): rule is ResourceValidationPolicy => "validateResource" in rule;

/** Declares the tests of a group of rules; the stack is evaluated once per test file. */
export function ruleSuite(rules: readonly Rule[], cases: readonly FailingCase[]): void {
  let resources: CapturedResource[];
  beforeAll(async () => {
    resources = (await stack()).resources;
  });

  it("gives every rule at least one failing case", () => {
    expect(rules.filter((r) => !cases.some((c) => c.rule === r)).map((r) => r.name)).toEqual([]);
  });

  describe.each(rules.map((r) => [r.name, r] as const))("%s", (_, rule) => {
    it("passes on the synthesized stack", async () => {
      expect(await violationsOf(rule, resources)).toEqual([]);
      if (isResourceRule(rule)) expect(await applicableCount(rule, resources)).toBeGreaterThan(0);
    });

    const mine = cases.filter((c) => c.rule === rule).map((c) => [c.when, c] as const);
    if (mine.length > 0) {
      it.each(mine)("fails when %s", async (_when, c) => {
        const messages = (await violationsOf(rule, c.change(resources), c.config)).map((v) => v.message);
        expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(c.expect)]));
      });
    }
  });
}
