import { AuthzedAction } from "@larder/gen/es/larder/core/v1/permission_pb";

/** Every action, in Feast's order. */
export const ALL_ACTIONS: readonly AuthzedAction[] = Object.freeze([
  AuthzedAction.CREATE,
  AuthzedAction.DESCRIBE,
  AuthzedAction.UPDATE,
  AuthzedAction.DELETE,
  AuthzedAction.READ_ONLINE,
  AuthzedAction.READ_OFFLINE,
  AuthzedAction.WRITE_ONLINE,
  AuthzedAction.WRITE_OFFLINE,
]);

/** The action sets the permission checks of the servers ask for, shared so they allocate nothing per call. */
export const DESCRIBE: readonly AuthzedAction[] = Object.freeze([AuthzedAction.DESCRIBE]);
export const CREATE: readonly AuthzedAction[] = Object.freeze([AuthzedAction.CREATE]);
/** Feast's check for changing an existing object (`assert_permissions_to_update`). */
export const DESCRIBE_UPDATE: readonly AuthzedAction[] = Object.freeze([AuthzedAction.DESCRIBE, AuthzedAction.UPDATE]);
export const DELETE: readonly AuthzedAction[] = Object.freeze([AuthzedAction.DELETE]);
export const READ_ONLINE: readonly AuthzedAction[] = Object.freeze([AuthzedAction.READ_ONLINE]);
export const READ_OFFLINE: readonly AuthzedAction[] = Object.freeze([AuthzedAction.READ_OFFLINE]);
export const WRITE_ONLINE: readonly AuthzedAction[] = Object.freeze([AuthzedAction.WRITE_ONLINE]);
export const WRITE_OFFLINE: readonly AuthzedAction[] = Object.freeze([AuthzedAction.WRITE_OFFLINE]);
/** A push to both stores: one permission must grant both (as Feast's push). */
export const WRITE_ONLINE_AND_OFFLINE: readonly AuthzedAction[] = Object.freeze([
  AuthzedAction.WRITE_ONLINE,
  AuthzedAction.WRITE_OFFLINE,
]);

/** The action's name as Feast prints it in upper case: `READ_ONLINE`. */
export function actionName(action: AuthzedAction): string {
  return AuthzedAction[action] ?? `ACTION_${String(action)}`;
}

/** `READ_ONLINE`, or `WRITE_ONLINE+WRITE_OFFLINE` for combined actions. */
export function actionsLabel(actions: readonly AuthzedAction[]): string {
  return actions.map(actionName).join("+");
}
