import type { AuthzedAction } from "@larder/gen/es/larder/core/v1/permission_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ALL_ACTIONS } from "./actions.js";
import { compilePermission, permissionCovers } from "./matcher.js";
import { policyRoles } from "./policy.js";
import { projectObjectResources } from "./registry-resources.js";
import type { Resource } from "./resource.js";

/** What `larder permissions check` reports for a project. */
export interface CoverageReport {
  /** Objects no permission covers: `auth.default_policy_for_uncovered` decides for them. */
  readonly uncovered: readonly Resource[];
  /** Covered objects and the actions no covering permission grants (refused to everyone). */
  readonly ungranted: ReadonlyArray<{ readonly resource: Resource; readonly actions: readonly AuthzedAction[] }>;
}

/** Which objects of a project permissions leave uncovered, and which actions they grant nobody. */
export function coverageReport(registry: Registry, project: string): CoverageReport {
  const permissions = registry.permissions.filter((p) => p.spec?.project === project).map(compilePermission);
  const uncovered: Resource[] = [];
  const ungranted: Array<{ resource: Resource; actions: AuthzedAction[] }> = [];
  for (const resource of projectObjectResources(registry, project)) {
    const covering = permissions.filter((p) => permissionCovers(p, resource));
    if (covering.length === 0) {
      uncovered.push(resource);
      continue;
    }
    const missing = ALL_ACTIONS.filter((action) => !covering.some((p) => p.actions.has(action)));
    if (missing.length > 0) ungranted.push({ resource, actions: missing });
  }
  return { uncovered, ungranted };
}

/** Every role a role-based policy of the project names, sorted, once each (Feast's `list-roles`). */
export function rolesInPolicies(registry: Registry, project: string): string[] {
  const roles = new Set<string>();
  for (const permission of registry.permissions) {
    if (permission.spec?.project !== project) continue;
    for (const role of policyRoles(permission.spec.policy)) roles.add(role);
  }
  return [...roles].sort();
}
