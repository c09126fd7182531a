import type { Policy } from "@larder/gen/es/larder/core/v1/policy_pb";
import type { Principal } from "../auth/principal.js";

function anyOf(wanted: readonly string[], held: readonly string[]): boolean {
  for (const value of wanted) if (held.includes(value)) return true;
  return false;
}

/**
 * Whether the policy accepts the principal, as Feast's policies: role-based (any role), group-based
 * (any group), namespace-based (any namespace), combined (any group or any namespace). An empty
 * policy, or none, is Feast's AllowAll.
 */
export function policyAccepts(policy: Policy | undefined, principal: Principal): boolean {
  const type = policy?.policyType;
  switch (type?.case) {
    case undefined:
      return true;
    case "roleBasedPolicy":
      return anyOf(type.value.roles, principal.roles);
    case "groupBasedPolicy":
      return anyOf(type.value.groups, principal.groups);
    case "namespaceBasedPolicy":
      return anyOf(type.value.namespaces, principal.namespaces);
    case "combinedGroupNamespacePolicy":
      return anyOf(type.value.groups, principal.groups) || anyOf(type.value.namespaces, principal.namespaces);
  }
}

/** Roles a policy names (none unless it is role-based). */
export function policyRoles(policy: Policy | undefined): readonly string[] {
  const type = policy?.policyType;
  return type?.case === "roleBasedPolicy" ? type.value.roles : [];
}

/** One line describing who a policy admits: `roles: reader, writer`, `allow all`. */
export function describePolicy(policy: Policy | undefined): string {
  const type = policy?.policyType;
  switch (type?.case) {
    case undefined:
      return "allow all";
    case "roleBasedPolicy":
      return `roles: ${type.value.roles.join(", ")}`;
    case "groupBasedPolicy":
      return `groups: ${type.value.groups.join(", ")}`;
    case "namespaceBasedPolicy":
      return `namespaces: ${type.value.namespaces.join(", ")}`;
    case "combinedGroupNamespacePolicy":
      return `groups: ${type.value.groups.join(", ")}; namespaces: ${type.value.namespaces.join(", ")}`;
  }
}
