import type { AuthzedAction } from "@larder/gen/es/larder/core/v1/permission_pb";
import type { UncoveredPolicy } from "../config/auth-config.js";
import type { Principal } from "../auth/principal.js";
import { grantsAll, permissionCovers, type CompiledPermission } from "./matcher.js";
import { policyAccepts } from "./policy.js";
import type { Resource } from "./resource.js";

/**
 * Why a principal may or may not act on a resource:
 * - `granted`: a permission covering the resource grants all the actions and its policy accepts the principal;
 * - `denied`: permissions cover the resource, but none both grants all the actions and accepts the principal;
 * - `uncovered`: no permission covers the resource; `auth.default_policy_for_uncovered` decided.
 */
export type Decision =
  | { readonly allowed: true; readonly reason: "granted" | "uncovered"; readonly permission?: string }
  | { readonly allowed: false; readonly reason: "denied" | "uncovered" | "unauthenticated" };

const GRANTED_UNCOVERED: Decision = Object.freeze({ allowed: true, reason: "uncovered" });
const DENIED: Decision = Object.freeze({ allowed: false, reason: "denied" });
const DENIED_UNCOVERED: Decision = Object.freeze({ allowed: false, reason: "uncovered" });
const UNAUTHENTICATED: Decision = Object.freeze({ allowed: false, reason: "unauthenticated" });

/**
 * Decides one resource and a set of actions (pure). All actions must be granted by one permission;
 * any matching permission whose policy accepts grants (Feast's affirmative strategy). A resource is
 * covered as soon as one permission matches its type, name and tags, so granting one action never
 * opens the others to the uncovered default. A caller that was not authenticated is always refused.
 */
export function decide(
  permissions: readonly CompiledPermission[],
  principal: Principal,
  resource: Resource,
  actions: readonly AuthzedAction[],
  uncovered: UncoveredPolicy,
): Decision {
  if (principal.source === "no_auth") return UNAUTHENTICATED;
  let covered = false;
  for (const permission of permissions) {
    if (!permissionCovers(permission, resource)) continue;
    covered = true;
    if (grantsAll(permission, actions) && policyAccepts(permission.policy, principal)) {
      return { allowed: true, reason: "granted", permission: permission.name };
    }
  }
  if (covered) return DENIED;
  return uncovered === "allow_authenticated" ? GRANTED_UNCOVERED : DENIED_UNCOVERED;
}
