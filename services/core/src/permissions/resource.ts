import { PermissionSpec_Type } from "@larder/gen/es/larder/core/v1/permission_pb";

/** The type of a registry object as permissions name it (Feast's `PermissionSpec.Type`). */
export type ResourceType = PermissionSpec_Type;
export { PermissionSpec_Type as ResourceTypes };

/** A registry object seen by the permission checks: what permissions match on. */
export interface Resource {
  readonly type: ResourceType;
  readonly name: string;
  readonly project: string;
  /** The object's own tags, which `required_tags` are compared with. */
  readonly tags: Readonly<Record<string, string>>;
}

const LABELS: Readonly<Record<number, string>> = {
  [PermissionSpec_Type.FEATURE_VIEW]: "feature view",
  [PermissionSpec_Type.ON_DEMAND_FEATURE_VIEW]: "on demand feature view",
  [PermissionSpec_Type.BATCH_FEATURE_VIEW]: "batch feature view",
  [PermissionSpec_Type.STREAM_FEATURE_VIEW]: "stream feature view",
  [PermissionSpec_Type.ENTITY]: "entity",
  [PermissionSpec_Type.FEATURE_SERVICE]: "feature service",
  [PermissionSpec_Type.DATA_SOURCE]: "data source",
  [PermissionSpec_Type.VALIDATION_REFERENCE]: "validation reference",
  [PermissionSpec_Type.SAVED_DATASET]: "saved dataset",
  [PermissionSpec_Type.PERMISSION]: "permission",
  [PermissionSpec_Type.PROJECT]: "project",
};

/** Singular lower-case label, as the CLI prints kinds: "feature view". */
export function resourceTypeLabel(type: ResourceType): string {
  return LABELS[type] ?? `type ${String(type)}`;
}

/** `feature view "driver_hourly_stats" in project "driver_ranking"` — for messages; never holds a token. */
export function describeResource(resource: Resource): string {
  const what = `${resourceTypeLabel(resource.type)} "${resource.name}"`;
  return resource.type === PermissionSpec_Type.PROJECT ? what : `${what} in project "${resource.project}"`;
}
