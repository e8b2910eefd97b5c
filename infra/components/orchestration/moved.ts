import type * as pulumi from "@pulumi/pulumi";

/**
 * Options for a resource that a refactor moved into a new component: parented to that component,
 * with an alias naming its former parent (and its former name, when the move renamed it), so its URN's old form still matches the deployed
 * resource. Without the alias `pulumi up` would create a new resource and delete the old one —
 * and for physically named resources (a state machine, a role) the create fails on the name.
 * test/infra/urn-stability.test.ts holds every released URN to this.
 */
export function movedInto(
  component: pulumi.Resource,
  formerParent: pulumi.Resource | undefined,
  formerName?: string,
): pulumi.CustomResourceOptions {
  if (!formerParent) throw new Error("a moved resource needs its former parent, to keep its URN");
  return { parent: component, aliases: [{ parent: formerParent, ...(formerName ? { name: formerName } : {}) }] };
}
