/**
 * The pack as a whole: the synthesized stack violates none of its policies, the pack has the
 * shape the Pulumi CLI and docs/security.md expect, and index.ts serves exactly these policies.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { CapturedResource } from "../../infra/offline/mocks";
import { DECLARED_EXCEPTIONS } from "../../policy/exceptions";
import { checklistId } from "../../policy/lib/rule";
import { policies } from "../../policy/policies";
import { stack } from "../support/stack";
import { packViolations } from "./support/harness";

const root = join(__dirname, "..", "..");
const doc = readFileSync(join(root, "docs", "security.md"), "utf8");

let resources: CapturedResource[];
beforeAll(async () => {
  resources = (await stack()).resources;
});

it("finds no violation in the synthesized stack", async () => {
  const violations = await packViolations(policies, resources);
  expect(violations.map((v) => `${v.policy} ${v.resource ?? "(stack)"}: ${v.message}`)).toEqual([]);
});

it("covers every rule the issue asks for, by checklist id", () => {
  const ids = new Set(policies.map(checklistId));
  const required = [
    ...["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"],
    ...["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S10", "S11", "S12", "S13"],
    ...["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9"],
    ...["A1", "A2", "A3", "A4", "A5", "A6", "A8"],
    ...["N1", "Q1", "Q2", "Q3", "F1", "F2", "C1", "C2", "C3", "I1", "I2", "I3", "I4", "K1", "K2", "P1"],
    ...["R1", "R4", "R5", "R6", "R7", "E1", "V1", "V2", "X1"],
    ...["B1", "B2", "B7", "B8", "B9", "B11", "B12", "B13"],
  ];
  expect(required.filter((id) => !ids.has(id))).toEqual([]);
  expect([...ids].filter((id) => !required.includes(id))).toEqual([]);
});

it("names each policy uniquely after its checklist id and says where the rule comes from", () => {
  const names = policies.map((p) => p.name);
  expect(new Set(names).size).toBe(names.length);
  for (const p of policies) {
    expect({ name: p.name, ok: /^[a-z]\d+-[a-z0-9-]+$/.test(p.name) }).toEqual({ name: p.name, ok: true });
    expect(p.description).toMatch(new RegExp(`^${checklistId(p)}: .+ Sources: .+\\.$`));
  }
});

it("lists every policy and every declared exception in docs/security.md", () => {
  const rows = [...doc.matchAll(/^\| (\w+) \| `([a-z0-9-]+)` \|/gm)].map((m) => [m[1], m[2]]);
  expect(rows).toEqual(policies.map((p) => [checklistId(p), p.name]));
  for (const e of DECLARED_EXCEPTIONS) expect(doc).toContain(`| \`${e.key}\` | ${e.rules.join(", ")} |`);
});

it("serves exactly these policies as one mandatory pack named payments-dr-guardrails", () => {
  const PolicyPack = jest.fn();
  jest.isolateModules(() => {
    jest.doMock("@pulumi/policy", () => ({ ...jest.requireActual("@pulumi/policy"), PolicyPack }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const served = require("../../policy/policies").policies;
    require("../../policy/index");
    expect(PolicyPack).toHaveBeenCalledTimes(1);
    expect(PolicyPack).toHaveBeenCalledWith("payments-dr-guardrails", { policies: served, enforcementLevel: "mandatory" });
  });
});

it("is a Node.js pack with a version, as the CLI and @pulumi/policy need", () => {
  const project = parse(readFileSync(join(root, "policy", "PulumiPolicy.yaml"), "utf8"));
  const pkg = JSON.parse(readFileSync(join(root, "policy", "package.json"), "utf8"));
  expect(project.runtime).toBe("nodejs");
  expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(pkg.dependencies).toBeUndefined();
});
