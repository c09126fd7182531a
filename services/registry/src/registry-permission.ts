import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ChangeType, ObjectKind, type RepoContents } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import {
  CREATE,
  DELETE,
  DESCRIBE,
  DESCRIBE_UPDATE,
  ResourceTypes,
  type Authorizer,
  type Principal,
  type Resource,
  type ResourceType,
} from "@larder/core";
import { contentsOf, KINDS, kindInfo, objectsOf, type KindInfo, type RegistryObject } from "./object-kinds.js";
import { planApply } from "./plan.js";

const TYPE_OF_KIND: Readonly<Record<number, ResourceType>> = {
  [ObjectKind.PROJECT]: ResourceTypes.PROJECT,
  [ObjectKind.ENTITY]: ResourceTypes.ENTITY,
  [ObjectKind.DATA_SOURCE]: ResourceTypes.DATA_SOURCE,
  [ObjectKind.FEATURE_VIEW]: ResourceTypes.FEATURE_VIEW,
  [ObjectKind.ON_DEMAND_FEATURE_VIEW]: ResourceTypes.ON_DEMAND_FEATURE_VIEW,
  [ObjectKind.STREAM_FEATURE_VIEW]: ResourceTypes.STREAM_FEATURE_VIEW,
  [ObjectKind.FEATURE_SERVICE]: ResourceTypes.FEATURE_SERVICE,
  [ObjectKind.PERMISSION]: ResourceTypes.PERMISSION,
};

function tagsOf(object: RegistryObject): Record<string, string> {
  const withSpec = object as { spec?: { tags?: Record<string, string> }; tags?: Record<string, string> };
  return withSpec.spec?.tags ?? withSpec.tags ?? {};
}

/** The permission resource of a registry object of any kind. */
export function resourceOf(info: KindInfo, object: RegistryObject): Resource {
  const type = TYPE_OF_KIND[info.kind];
  if (type === undefined) throw new Error(`no permission type for object kind ${info.kind}`);
  return { type, name: info.name(object), project: info.project(object), tags: tagsOf(object) };
}

/** A registered object by kind, project and name; DeleteFeatureView's kind finds views of every kind. */
export function findObject(
  registry: Registry,
  kind: ObjectKind,
  project: string,
  name: string,
): { info: KindInfo; object: RegistryObject } | undefined {
  const kinds =
    kind === ObjectKind.FEATURE_VIEW
      ? [ObjectKind.FEATURE_VIEW, ObjectKind.ON_DEMAND_FEATURE_VIEW, ObjectKind.STREAM_FEATURE_VIEW]
      : [kind];
  for (const k of kinds) {
    const info = kindInfo(k);
    const object = objectsOf(registry, info).find((o) => info.project(o) === project && info.name(o) === name);
    if (object !== undefined) return { info, object };
  }
  return undefined;
}

/** Filters a listing down to what the principal may DESCRIBE. */
export function describable<T>(
  authz: Authorizer,
  principal: Principal,
  registry: Registry,
  kind: ObjectKind,
  items: T[],
): T[] {
  if (!authz.enforcing) return items;
  const info = kindInfo(kind);
  return authz.filter(principal, registry, items, (item) => resourceOf(info, item as RegistryObject));
}

/** The snapshot with every object the principal may not DESCRIBE left out (Feast's filtered `Proto`). */
export function describableSnapshot(authz: Authorizer, principal: Principal, registry: Registry): Registry {
  if (!authz.enforcing) return registry;
  // A shallow copy with new lists: the snapshot itself is shared (cached by the store) and never mutated.
  const filtered: Registry = { ...registry };
  for (const info of KINDS) {
    const kept = authz.filter(principal, registry, objectsOf(registry, info), (o) => resourceOf(info, o));
    (filtered[info.field] as RegistryObject[]) = kept;
  }
  return filtered;
}

/**
 * Checks an apply against the snapshot it will be applied to: CREATE on each new object, DESCRIBE and
 * UPDATE on each changed one (its registered and its new definition, so tags cannot move an object
 * out of or into a permission's reach), DELETE on each removed one.
 */
export function authorizeApply(
  authz: Authorizer,
  principal: Principal,
  current: Registry,
  desired: RepoContents,
  skipDeletes: boolean,
): void {
  const plan = planApply(current, desired, new Date(0), skipDeletes);
  for (const change of plan.changes) {
    const info = kindInfo(change.kind);
    const wanted = contentsOf(desired, info).find((o) => info.name(o) === change.name);
    const existing = objectsOf(current, info).find(
      (o) => info.project(o) === plan.project && info.name(o) === change.name,
    );
    switch (change.change) {
      case ChangeType.CREATE:
        if (wanted !== undefined) authz.check(principal, current, [resourceOf(info, wanted)], CREATE);
        break;
      case ChangeType.UPDATE: {
        const resources = [existing, wanted].flatMap((o) => (o === undefined ? [] : [resourceOf(info, o)]));
        authz.check(principal, current, resources, DESCRIBE_UPDATE);
        break;
      }
      case ChangeType.DELETE:
        if (existing !== undefined) authz.check(principal, current, [resourceOf(info, existing)], DELETE);
        break;
      case ChangeType.UNCHANGED:
      case ChangeType.UNSPECIFIED:
        break;
    }
  }
}

/** Checks a plan: it shows the registered definitions of objects it would change or delete (DESCRIBE). */
export function authorizePlan(authz: Authorizer, principal: Principal, current: Registry, desired: RepoContents): void {
  const plan = planApply(current, desired, new Date(0));
  for (const change of plan.changes) {
    if (change.change !== ChangeType.UPDATE && change.change !== ChangeType.DELETE) continue;
    const found = findObject(current, change.kind, plan.project, change.name);
    if (found !== undefined) authz.check(principal, current, [resourceOf(found.info, found.object)], DESCRIBE);
  }
}
