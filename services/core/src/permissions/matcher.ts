import type { AuthzedAction, Permission } from "@larder/gen/es/larder/core/v1/permission_pb";
import type { Policy } from "@larder/gen/es/larder/core/v1/policy_pb";
import { ResourceTypes, type Resource, type ResourceType } from "./resource.js";

/** A permission prepared for matching: name patterns compiled once per registry version. */
export interface CompiledPermission {
  readonly name: string;
  readonly project: string;
  /** Empty: every type (Feast's default `types`). */
  readonly types: ReadonlySet<ResourceType>;
  /** Full-match regular expressions; empty matches every name. */
  readonly patterns: readonly RegExp[];
  /** A name pattern did not compile: the permission matches nothing (fails closed). */
  readonly invalidPattern: boolean;
  readonly requiredTags: ReadonlyArray<readonly [string, string]>;
  readonly actions: ReadonlySet<AuthzedAction>;
  readonly policy: Policy | undefined;
}

/** Compiles a registry permission; a bad pattern (possible in a Feast-written registry) matches nothing. */
export function compilePermission(permission: Permission): CompiledPermission {
  const spec = permission.spec;
  const patterns: RegExp[] = [];
  let invalidPattern = false;
  for (const pattern of spec?.namePatterns ?? []) {
    try {
      // Python's re.fullmatch: the whole name must match.
      patterns.push(new RegExp(`^(?:${pattern})$`));
    } catch {
      invalidPattern = true;
    }
  }
  return {
    name: spec?.name ?? "",
    project: spec?.project ?? "",
    types: new Set(spec?.types ?? []),
    patterns,
    invalidPattern,
    requiredTags: Object.entries(spec?.requiredTags ?? {}),
    actions: new Set(spec?.actions ?? []),
    policy: spec?.policy,
  };
}

/**
 * Whether a permission of these types applies to a resource type. As Feast's `isinstance` check, a
 * FEATURE_VIEW permission also covers stream and batch feature views (its subclasses); on-demand views
 * are a type of their own.
 */
export function typeMatches(types: ReadonlySet<ResourceType>, type: ResourceType): boolean {
  if (types.size === 0 || types.has(type)) return true;
  return (
    (type === ResourceTypes.STREAM_FEATURE_VIEW || type === ResourceTypes.BATCH_FEATURE_VIEW) &&
    types.has(ResourceTypes.FEATURE_VIEW)
  );
}

/** No patterns: every name; else any pattern matching the whole name. */
export function nameMatches(permission: CompiledPermission, name: string): boolean {
  if (permission.invalidPattern) return false;
  if (permission.patterns.length === 0) return true;
  for (const pattern of permission.patterns) if (pattern.test(name)) return true;
  return false;
}

/** Every required tag is on the resource with the same value (what Feast meant, not what it does). */
export function tagsMatch(permission: CompiledPermission, tags: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of permission.requiredTags) {
    if (!Object.hasOwn(tags, key) || tags[key] !== value) return false;
  }
  return true;
}

/** The permission is about this resource: same project, type, name and tags (whatever the actions). */
export function permissionCovers(permission: CompiledPermission, resource: Resource): boolean {
  return (
    permission.project === resource.project &&
    typeMatches(permission.types, resource.type) &&
    nameMatches(permission, resource.name) &&
    tagsMatch(permission, resource.tags)
  );
}

/** The permission grants every one of the actions by itself. */
export function grantsAll(permission: CompiledPermission, actions: readonly AuthzedAction[]): boolean {
  for (const action of actions) if (!permission.actions.has(action)) return false;
  return true;
}
