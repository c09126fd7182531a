import { create } from "@bufbuild/protobuf";
import { EntitySchema, type Entity } from "@larder/gen/es/larder/core/v1/entity_pb";
import { FeatureSpecSchema } from "@larder/gen/es/larder/core/v1/feature_pb";
import {
  FeatureServiceSchema,
  LoggingConfigSchema,
  type FeatureService,
  type LoggingConfig,
} from "@larder/gen/es/larder/core/v1/feature_service_pb";
import {
  FeatureViewProjectionSchema,
  type FeatureViewProjection,
} from "@larder/gen/es/larder/core/v1/feature_view_projection_pb";
import {
  AuthzedAction,
  PermissionSchema,
  PermissionSpec_Type,
  type Permission,
} from "@larder/gen/es/larder/core/v1/permission_pb";
import { ProjectSchema } from "@larder/gen/es/larder/core/v1/project_pb";
import { RegistrySchema, type Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import type { FeastImport, ImportWarning, ImportedProject } from "./import-model.js";
import { SourceMapper } from "./map-sources.js";
import { DUMMY_ENTITY, disableOnDemandView, mapFeatureView, mapStreamFeatureView } from "./map-views.js";
import { readFeastRegistry } from "./read-feast-registry.js";
import { feastFieldName } from "./unknown-fields.js";
import { reportUnknownFields, type Warn } from "./warn.js";

type Spec = { spec?: { project: string } | undefined };

/** Every project named in the registry: listed projects and the projects of its objects. */
function projectNames(registry: Registry): string[] {
  const names = new Set<string>();
  for (const project of registry.projects) if (project.spec?.name) names.add(project.spec.name);
  const lists: Spec[][] = [
    registry.entities,
    registry.featureViews,
    registry.streamFeatureViews,
    registry.onDemandFeatureViews,
    registry.featureServices,
    registry.permissions,
  ];
  for (const list of lists) for (const object of list) if (object.spec?.project) names.add(object.spec.project);
  for (const source of registry.dataSources) if (source.project !== "") names.add(source.project);
  return [...names].sort();
}

function mapEntity(entity: Entity, project: string, warn: Warn): Entity | undefined {
  const spec = entity.spec;
  if (spec === undefined || spec.name === DUMMY_ENTITY) return undefined;
  const label = `entity "${spec.name}"`;
  let valueType = spec.valueType;
  if (valueType === ValueType.UNSPECIFIED || ValueType[valueType] === undefined) {
    warn(label, `has no value type Larder knows (${valueType}); imported as STRING`);
    valueType = ValueType.STRING;
  }
  reportUnknownFields(warn, label, EntitySchema, entity);
  return create(EntitySchema, {
    spec: {
      name: spec.name,
      project,
      valueType,
      description: spec.description,
      joinKey: spec.joinKey === "" ? spec.name : spec.joinKey,
      tags: { ...spec.tags },
      owner: spec.owner,
    },
  });
}

function mapLogging(config: LoggingConfig, label: string, warn: Warn): LoggingConfig | undefined {
  const destination = config.destination;
  if (destination.case === "fileDestination") {
    if (destination.value.s3EndpointOverride !== "") warn(label, "logging s3_endpoint_override not imported");
    return create(LoggingConfigSchema, {
      sampleRate: config.sampleRate,
      destination: {
        case: "fileDestination",
        value: { path: destination.value.path, partitionBy: [...destination.value.partitionBy] },
      },
    });
  }
  warn(label, "logging config not imported: Larder logs to files or PostgreSQL only");
  return undefined;
}

function mapFeatureService(
  service: FeatureService,
  project: string,
  views: ReadonlyMap<string, ReadonlyMap<string, ValueType>>,
  onDemandViews: ReadonlySet<string>,
  warn: Warn,
): FeatureService | undefined {
  const spec = service.spec;
  if (spec === undefined) return undefined;
  const label = `feature service "${spec.name}"`;
  const projections: FeatureViewProjection[] = [];
  for (const projection of spec.features) {
    const name = projection.featureViewName;
    const viewFeatures = views.get(name);
    if (viewFeatures === undefined) {
      const why = onDemandViews.has(name) ? "the on-demand view is imported disabled" : "the view was not imported";
      warn(label, `features of "${name}" dropped: ${why}`);
      continue;
    }
    const columns = projection.featureColumns.filter((column) => {
      if (viewFeatures.has(column.name)) return true;
      warn(label, `feature "${name}:${column.name}" dropped: the view has no such imported feature`);
      return false;
    });
    if (columns.length === 0) continue;
    projections.push(
      create(FeatureViewProjectionSchema, {
        featureViewName: name,
        featureViewNameAlias: projection.featureViewNameAlias,
        featureColumns: columns.map((column) =>
          create(FeatureSpecSchema, { name: column.name, valueType: viewFeatures.get(column.name) ?? 0 }),
        ),
        joinKeyMap: { ...projection.joinKeyMap },
      }),
    );
  }
  if (projections.length === 0) {
    warn(label, "not imported: none of its views were imported");
    return undefined;
  }
  const logging = spec.loggingConfig === undefined ? undefined : mapLogging(spec.loggingConfig, label, warn);
  reportUnknownFields(
    warn,
    label,
    FeatureServiceSchema,
    service,
    new Set([4, 5, 6, 8, 9].map((no) => `larder.core.v1.LoggingConfig:${no}`)),
    /features\[\d+\]\.(batch_source|stream_source)/,
  );
  return create(FeatureServiceSchema, {
    spec: {
      name: spec.name,
      project,
      features: projections,
      tags: { ...spec.tags },
      description: spec.description,
      owner: spec.owner,
      ...(logging !== undefined && { loggingConfig: logging }),
    },
  });
}

function mapPermission(permission: Permission, project: string, warn: Warn): Permission | undefined {
  const spec = permission.spec;
  if (spec === undefined) return undefined;
  const label = `permission "${spec.name}"`;
  const types = spec.types.filter((type) => {
    if (PermissionSpec_Type[type] !== undefined) return true;
    warn(label, `resource type ${type} (e.g. Feast's LABEL_VIEW) not imported`);
    return false;
  });
  const actions = spec.actions.filter((action) => AuthzedAction[action] !== undefined);
  if (types.length === 0 || actions.length === 0) {
    warn(label, "not imported: no resource type or action Larder knows");
    return undefined;
  }
  reportUnknownFields(warn, label, PermissionSchema, permission);
  return create(PermissionSchema, {
    spec: {
      name: spec.name,
      project,
      types,
      namePatterns: [...spec.namePatterns],
      requiredTags: { ...spec.requiredTags },
      actions,
      tags: { ...spec.tags },
      ...(spec.policy !== undefined && { policy: spec.policy }),
    },
  });
}

function importProject(registry: Registry, name: string, warnings: ImportWarning[]): ImportedProject {
  const warn: Warn = (object, message) => warnings.push({ project: name, object, message });
  const inProject = <T extends Spec>(list: readonly T[]): T[] => list.filter((o) => o.spec?.project === name);

  const project = registry.projects.find((p) => p.spec?.name === name);
  if (project?.spec !== undefined) {
    if (project.spec.owner !== "" || Object.keys(project.spec.tags).length > 0) {
      warn(`project "${name}"`, "owner and tags not imported (feature_store.yaml has no place for them)");
    }
    reportUnknownFields(warn, `project "${name}"`, ProjectSchema, project);
  }

  const entities = new Map<string, Entity>();
  for (const entity of inProject(registry.entities)) {
    const mapped = mapEntity(entity, name, warn);
    if (mapped?.spec !== undefined) entities.set(mapped.spec.name, mapped);
  }

  const sources = new SourceMapper(name, warn);
  for (const source of registry.dataSources) if (source.project === name) sources.map(source);

  const featureViews = inProject(registry.featureViews)
    .map((view) => mapFeatureView(view, name, entities, sources, warn))
    .filter((view) => view !== undefined);
  const streamFeatureViews = inProject(registry.streamFeatureViews)
    .map((view) => mapStreamFeatureView(view, name, entities, sources, warn))
    .filter((view) => view !== undefined);
  const onDemandFeatureViews = inProject(registry.onDemandFeatureViews)
    .map((view) => disableOnDemandView(view, warn))
    .filter((view) => view !== undefined);

  const materialized = [...inProject(registry.featureViews), ...inProject(registry.streamFeatureViews)].filter(
    (view) => (view.meta?.materializationIntervals.length ?? 0) > 0,
  );
  if (materialized.length > 0) {
    warn(
      `project "${name}"`,
      `materialization history of ${materialized.length} view(s) not imported; ` +
        "materialize-incremental starts from each view's ttl",
    );
  }

  const viewFeatures = new Map<string, Map<string, ValueType>>();
  for (const view of [...featureViews, ...streamFeatureViews]) {
    viewFeatures.set(view.spec?.name ?? "", new Map(view.spec?.features.map((f) => [f.name, f.valueType])));
  }
  const onDemandNames = new Set(onDemandFeatureViews.map((v) => v.view.spec?.name ?? ""));
  const featureServices = inProject(registry.featureServices)
    .map((service) => mapFeatureService(service, name, viewFeatures, onDemandNames, warn))
    .filter((service) => service !== undefined);
  const permissions = inProject(registry.permissions)
    .map((permission) => mapPermission(permission, name, warn))
    .filter((permission) => permission !== undefined);

  return {
    name,
    description: project?.spec?.description ?? "",
    entities: [...entities.values()],
    dataSources: sources.all(),
    featureViews,
    streamFeatureViews,
    onDemandFeatureViews,
    featureServices,
    permissions,
  };
}

/**
 * Imports a serialized Feast registry: one ImportedProject per project, and a warning for each
 * thing that was not imported or was imported differently.
 */
export function importFeastRegistry(bytes: Uint8Array): FeastImport {
  const registry = readFeastRegistry(bytes);
  const warnings: ImportWarning[] = [];
  const topLevel = new Map<number, number>();
  for (const field of (registry as { $unknown?: Array<{ no: number }> }).$unknown ?? []) {
    topLevel.set(field.no, (topLevel.get(field.no) ?? 0) + 1);
  }
  for (const [no, count] of topLevel) {
    warnings.push({
      project: "",
      object: "registry",
      message: `${feastFieldName(RegistrySchema.typeName, no)}: ${count} entr${count === 1 ? "y" : "ies"} not imported (Larder has no equivalent)`,
    });
  }
  const projects = projectNames(registry).map((name) => importProject(registry, name, warnings));
  return { projects, warnings };
}
