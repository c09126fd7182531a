import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { DataSourceSchema, DataSource_SourceMetaSchema } from "@larder/gen/es/larder/core/v1/data_source_pb";
import { EntityMetaSchema, EntitySchema } from "@larder/gen/es/larder/core/v1/entity_pb";
import { FeatureServiceMetaSchema, FeatureServiceSchema } from "@larder/gen/es/larder/core/v1/feature_service_pb";
import { FeatureViewMetaSchema, FeatureViewSchema } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import {
  OnDemandFeatureViewMetaSchema,
  OnDemandFeatureViewSchema,
} from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import { PermissionMetaSchema, PermissionSchema } from "@larder/gen/es/larder/core/v1/permission_pb";
import { ProjectMetaSchema, ProjectSchema } from "@larder/gen/es/larder/core/v1/project_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { StreamFeatureViewSchema } from "@larder/gen/es/larder/core/v1/stream_feature_view_pb";
import type { RepoContents } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { ObjectKind } from "@larder/gen/es/larder/registry/v1/registry_service_pb";

/** The registry's list fields, one per kind of object. */
export type RegistryListField =
  | "projects"
  | "entities"
  | "dataSources"
  | "featureViews"
  | "onDemandFeatureViews"
  | "streamFeatureViews"
  | "featureServices"
  | "permissions";

/** Metadata every object kind carries. */
export interface ObjectMeta {
  createdTimestamp?: Timestamp | undefined;
  lastUpdatedTimestamp?: Timestamp | undefined;
}

/** A registry object of any kind, seen through what all kinds share. */
export type RegistryObject = Message & { meta?: ObjectMeta | undefined };

/** How to read, name and stamp one kind of object. */
export interface KindInfo {
  readonly kind: ObjectKind;
  /** Singular, as Feast's CLI prints it: "entity", "feature view". */
  readonly label: string;
  readonly field: RegistryListField;
  readonly schema: DescMessage;
  name(object: RegistryObject): string;
  project(object: RegistryObject): string;
  /** The part that defines the object (spec, or the whole source), compared by plan. */
  definition(object: RegistryObject): Message | undefined;
  definitionSchema(): DescMessage;
  ensureMeta(object: RegistryObject): ObjectMeta;
}

type Spec = { name: string; project: string };
type WithSpec = RegistryObject & { spec?: (Message & Spec) | undefined };

function specKind(
  kind: ObjectKind,
  label: string,
  field: RegistryListField,
  schema: DescMessage,
  metaSchema: DescMessage,
): KindInfo {
  const specField = schema.fields.find((f) => f.localName === "spec");
  if (specField?.message === undefined) throw new Error(`${schema.typeName} has no spec message`);
  const specSchema = specField.message;
  return {
    kind,
    label,
    field,
    schema,
    name: (o) => (o as WithSpec).spec?.name ?? "",
    project: (o) =>
      kind === ObjectKind.PROJECT ? ((o as WithSpec).spec?.name ?? "") : ((o as WithSpec).spec?.project ?? ""),
    definition: (o) => (o as WithSpec).spec,
    definitionSchema: () => specSchema,
    ensureMeta(o) {
      o.meta ??= create(metaSchema) as ObjectMeta;
      return o.meta;
    },
  };
}

const dataSourceKind: KindInfo = {
  kind: ObjectKind.DATA_SOURCE,
  label: "data source",
  field: "dataSources",
  schema: DataSourceSchema,
  name: (o) => (o as unknown as Spec).name,
  project: (o) => (o as unknown as Spec).project,
  // A data source has no spec: everything but meta defines it; plan clears meta before comparing.
  definition: (o) => o,
  definitionSchema: () => DataSourceSchema,
  ensureMeta(o) {
    o.meta ??= create(DataSource_SourceMetaSchema) as ObjectMeta;
    return o.meta;
  },
};

/** Every kind, in the order objects are created (dependencies first) and printed. */
export const KINDS: readonly KindInfo[] = [
  specKind(ObjectKind.PROJECT, "project", "projects", ProjectSchema, ProjectMetaSchema),
  specKind(ObjectKind.ENTITY, "entity", "entities", EntitySchema, EntityMetaSchema),
  dataSourceKind,
  specKind(ObjectKind.FEATURE_VIEW, "feature view", "featureViews", FeatureViewSchema, FeatureViewMetaSchema),
  specKind(
    ObjectKind.ON_DEMAND_FEATURE_VIEW,
    "on demand feature view",
    "onDemandFeatureViews",
    OnDemandFeatureViewSchema,
    OnDemandFeatureViewMetaSchema,
  ),
  specKind(
    ObjectKind.STREAM_FEATURE_VIEW,
    "stream feature view",
    "streamFeatureViews",
    StreamFeatureViewSchema,
    FeatureViewMetaSchema,
  ),
  specKind(
    ObjectKind.FEATURE_SERVICE,
    "feature service",
    "featureServices",
    FeatureServiceSchema,
    FeatureServiceMetaSchema,
  ),
  specKind(ObjectKind.PERMISSION, "permission", "permissions", PermissionSchema, PermissionMetaSchema),
];

const byKind = new Map(KINDS.map((k) => [k.kind, k]));

export function kindInfo(kind: ObjectKind): KindInfo {
  const info = byKind.get(kind);
  if (info === undefined) throw new Error(`unknown object kind ${kind}`);
  return info;
}

/** The objects of one kind in a registry snapshot. */
export function objectsOf(registry: Registry, info: KindInfo): RegistryObject[] {
  return registry[info.field];
}

/** The objects of one kind in a desired repo state (the project is a single optional object). */
export function contentsOf(contents: RepoContents, info: KindInfo): RegistryObject[] {
  if (info.field === "projects") return contents.project === undefined ? [] : [contents.project];
  return contents[info.field];
}
