import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { Authorizer } from "./authorizer.js";

/**
 * What a service handler needs to enforce permissions: the server's authorizer, the project it serves
 * and its registry snapshot (a getter, sync on the serving path; a promise where the handler already awaits).
 */
export interface PermissionGuard<R extends Registry | Promise<Registry> = Registry> {
  readonly authz: Authorizer;
  readonly project: string;
  readonly registry: () => R;
}
