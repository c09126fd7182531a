import { AuthzedAction } from "@larder/gen/es/larder/core/v1/permission_pb";

export { AuthzedAction };

/** Every action, as Feast's `ALL_ACTIONS`. */
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

/** Reading feature values, online and offline (Feast's `READ`). */
export const READ: readonly AuthzedAction[] = Object.freeze([AuthzedAction.READ_ONLINE, AuthzedAction.READ_OFFLINE]);

/** Writing feature values, online and offline (Feast's `WRITE`). */
export const WRITE: readonly AuthzedAction[] = Object.freeze([AuthzedAction.WRITE_ONLINE, AuthzedAction.WRITE_OFFLINE]);

/** Managing registry objects (Feast's `CRUD`). */
export const CRUD: readonly AuthzedAction[] = Object.freeze([
  AuthzedAction.CREATE,
  AuthzedAction.DESCRIBE,
  AuthzedAction.UPDATE,
  AuthzedAction.DELETE,
]);
