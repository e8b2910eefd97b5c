/**
 * A read-only index over the resources a stack validation receives (their *outputs*): lookups by
 * type, ARN and id, and the deployed role of each region read from the stack's own DR tags
 * (infra/core/tags.ts: `Region` and `DR-Role` on every taggable resource).
 */
import type { PolicyResource } from "@pulumi/policy";
import type { Resource } from "@pulumi/pulumi";
import type { ResolvedResource } from "@pulumi/pulumi/queryable";

/** A resource class of @pulumi/aws, used only for its type token. */
export interface ResourceClass<T extends Resource> {
  new (...args: never[]): T;
  __pulumiType?: string;
}

export function typeOf<T extends Resource>(cls: ResourceClass<T>): string {
  const token = (cls as { __pulumiType?: string }).__pulumiType;
  if (!token) throw new Error(`${cls.name} carries no Pulumi type token`);
  return token;
}

export interface Typed<T extends Resource> {
  resource: PolicyResource;
  props: ResolvedResource<T> & { region?: string; tags?: Record<string, string> };
}

export class StackIndex {
  private readonly byType = new Map<string, PolicyResource[]>();
  private arnIndex?: Map<string, PolicyResource>;

  constructor(readonly resources: readonly PolicyResource[]) {
    for (const r of resources) {
      const list = this.byType.get(r.type) ?? [];
      list.push(r);
      this.byType.set(r.type, list);
    }
  }

  ofType(type: string): PolicyResource[] {
    return this.byType.get(type) ?? [];
  }

  all<T extends Resource>(cls: ResourceClass<T>): Typed<T>[] {
    return this.ofType(typeOf(cls)).map((resource) => ({ resource, props: resource.props as Typed<T>["props"] }));
  }

  /** The resource whose `arn` output is exactly this ARN. */
  byArn(arn: unknown): PolicyResource | undefined {
    if (!this.arnIndex) {
      this.arnIndex = new Map();
      for (const r of this.resources) if (typeof r.props.arn === "string") this.arnIndex.set(r.props.arn, r);
    }
    return typeof arn === "string" ? this.arnIndex.get(arn) : undefined;
  }

  /** The resource of a type whose provider id is `id`. */
  byId(type: string, id: unknown): PolicyResource | undefined {
    return this.ofType(type).find((r) => r.props.id === id);
  }

  /** Regions by deployed role, from the DR tags. */
  regionRoles(): { primary?: string; secondary?: string } {
    const roles: { primary?: string; secondary?: string } = {};
    for (const r of this.resources) {
      const tags = r.props.tags as Record<string, string> | undefined;
      const role = tags?.["DR-Role"];
      if ((role === "primary" || role === "secondary") && typeof tags?.Region === "string") roles[role] ??= tags.Region;
    }
    return roles;
  }
}
