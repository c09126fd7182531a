import {
  pushSourceResources,
  viewResource,
  WRITE_OFFLINE,
  WRITE_ONLINE,
  WRITE_ONLINE_AND_OFFLINE,
  type PermissionGuard,
  type Principal,
} from "@larder/core";
import type { AuthzedAction } from "@larder/gen/es/larder/core/v1/permission_pb";
import type { PushTo } from "./pusher.js";

const ACTIONS: Readonly<Record<PushTo, readonly AuthzedAction[]>> = {
  online: WRITE_ONLINE,
  offline: WRITE_OFFLINE,
  // Both from one permission, as Feast's push asks for them together.
  online_and_offline: WRITE_ONLINE_AND_OFFLINE,
};

/** A push needs WRITE_ONLINE, WRITE_OFFLINE or both on every view its push source feeds (an unknown source is left to NOT_FOUND). */
export function authorizePush(guard: PermissionGuard, principal: Principal, pushSourceName: string, to: PushTo): void {
  const registry = guard.registry();
  guard.authz.check(principal, registry, pushSourceResources(registry, guard.project, pushSourceName), ACTIONS[to]);
}

/** WriteToOnlineStore needs WRITE_ONLINE on the view written (an unknown one is left to NOT_FOUND). */
export function authorizeOnlineWrite(guard: PermissionGuard, principal: Principal, viewName: string): void {
  const registry = guard.registry();
  const resource = viewResource(registry, guard.project, viewName);
  if (resource !== undefined) guard.authz.check(principal, registry, [resource], WRITE_ONLINE);
}
