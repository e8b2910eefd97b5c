/**
 * Builds the stacks the negative tests feed the rules: the real synthesized stack with one
 * deliberate change, so a rule is shown to catch exactly that change in realistic company.
 */
import type { CapturedResource } from "../../../infra/offline/mocks";

export type Select = (r: CapturedResource) => boolean;
/** Changes a resource's properties; applied to its inputs and its outputs alike. */
export type Change = (props: Record<string, any>, r: CapturedResource) => void;

export const byType =
  (type: string, predicate: Select = () => true): Select =>
  (r) =>
    r.type === type && predicate(r);
export const byName =
  (name: string): Select =>
  (r) =>
    r.name === name;

function changed(r: CapturedResource, change: Change): CapturedResource {
  const copy = { ...r, inputs: structuredClone(r.inputs), state: structuredClone(r.state) };
  change(copy.inputs, copy);
  change(copy.state, copy);
  return copy;
}

/** The stack with the first resource `select` matches changed. Throws if nothing matches. */
export function withChange(resources: readonly CapturedResource[], select: Select, change: Change): CapturedResource[] {
  const index = resources.findIndex(select);
  if (index < 0) throw new Error("withChange: no resource matches");
  return resources.map((r, i) => (i === index ? changed(r, change) : r));
}

/** The stack with every resource `select` matches changed. Throws if nothing matches. */
export function withChangeAll(resources: readonly CapturedResource[], select: Select, change: Change): CapturedResource[] {
  if (!resources.some(select)) throw new Error("withChangeAll: no resource matches");
  return resources.map((r) => (select(r) ? changed(r, change) : r));
}

/** The stack without the resources `select` matches. Throws if nothing matches. */
export function without(resources: readonly CapturedResource[], select: Select): CapturedResource[] {
  if (!resources.some(select)) throw new Error("without: no resource matches");
  return resources.filter((r) => !select(r));
}

/** A resource that is not in the stack, with the same inputs and outputs. */
export function fixture(type: string, name: string, inputs: Record<string, any>, computed: Record<string, any> = {}): CapturedResource {
  return { type, name, id: `${name}-id`, region: inputs.region, inputs, state: { ...inputs, ...computed } };
}

/** The first resource `select` matches. */
export function find(resources: readonly CapturedResource[], select: Select): CapturedResource {
  const found = resources.find(select);
  if (!found) throw new Error("find: no resource matches");
  return found;
}

/** Parses, changes and re-serialises a JSON-string property. */
export function editJson(props: Record<string, any>, key: string, edit: (doc: any) => void): void {
  const doc = JSON.parse(props[key]);
  edit(doc);
  props[key] = JSON.stringify(doc);
}
