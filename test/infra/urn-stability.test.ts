/**
 * A refactor must not replace what is deployed. Pulumi knows a resource by its URN (stack,
 * project, parent's type, type, name): moving a resource into a new component or renaming it
 * changes the URN, and `pulumi up` then creates a new resource and deletes the old one — for a
 * physically named resource (a state machine, a role, a table) the create fails on the name, and
 * for a table it would be data loss but for deletion protection. So every URN in
 * released-urns.txt (the default stack as of the last release) must still be a resource's URN, or
 * one of its aliases, as the engine resolves them: its own aliases, and those it inherits from a
 * parent that has aliases (https://www.pulumi.com/docs/iac/concepts/options/aliases/).
 *
 * Adding resources needs nothing here. Removing one on purpose: delete its line, and say why in
 * the commit. Regenerate the whole file only at a release: the URNs of the default evaluation.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CapturedResource } from "../../infra/offline/mocks";
import { stack } from "../support/stack";

const released = readFileSync(join(__dirname, "released-urns.txt"), "utf8").split("\n").filter(Boolean);

/** The URN the engine gives `type`/`name` under `parentUrn` (the parent's own type, not its chain). */
function urnOf(type: string, name: string, parentUrn: string | undefined, prefix: string): string {
  const parentType = parentUrn?.split("::")[2]?.split("$").pop();
  const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
  return `${prefix}${qualified}::${name}`;
}

function knownUrns(resources: CapturedResource[]): Set<string> {
  const byUrn = new Map(resources.filter((r) => r.urn).map((r) => [r.urn as string, r]));
  const memo = new Map<string, string[]>();
  const formers = (r: CapturedResource): string[] => {
    const urn = r.urn as string;
    const cached = memo.get(urn);
    if (cached) return cached;
    const prefix = urn.slice(0, urn.indexOf("::", urn.indexOf("::") + 2) + 2);
    const own = (r.aliases ?? []).map((a) =>
      "urn" in a ? a.urn : urnOf(a.type ?? r.type, a.name ?? r.name, a.noParent ? undefined : (a.parentUrn ?? r.parent), prefix),
    );
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    const inherited = parent
      ? formers(parent)
          .filter((p) => p !== parent.urn)
          .flatMap((p) =>
            [r.name, ...(r.aliases ?? []).flatMap((a) => ("name" in a && a.name ? [a.name] : []))].map((n) => urnOf(r.type, n, p, prefix)),
          )
      : [];
    const all = [urn, ...own, ...inherited];
    memo.set(urn, all);
    return all;
  };
  return new Set(resources.filter((r) => r.urn).flatMap(formers));
}

describe("URN stability: no refactor replaces a released resource", () => {
  it("still knows every released URN, as a resource's URN or its alias", async () => {
    const known = knownUrns((await stack()).resources);
    expect(released.length).toBeGreaterThan(1000);
    expect(released.filter((urn) => !known.has(urn))).toEqual([]);
  });

  it("would catch a move without an alias (the check is not vacuous)", async () => {
    const { resources } = await stack();
    const moved = resources.find((r) => r.aliases && r.aliases.length > 0);
    expect(moved).toBeDefined();
    const withoutAliases = resources.map((r) => (r === moved ? { ...r, aliases: undefined } : r));
    const known = knownUrns(withoutAliases);
    expect(released.filter((urn) => !known.has(urn)).length).toBeGreaterThan(0);
  });
});
