import { DataSource_SourceType, type DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type { FeatureSpec } from "@larder/gen/es/larder/core/v1/feature_pb";
import type { RepoContents } from "@larder/gen/es/larder/registry/v1/registry_service_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { FailedPreconditionError, InvalidArgumentError } from "@larder/core";
import { KINDS, contentsOf } from "./object-kinds.js";

const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9_]*$/;

interface Problems {
  definition: string[];
  reference: string[];
}

function checkFeatures(
  owner: string,
  features: readonly FeatureSpec[],
  entityColumns: readonly string[],
  p: Problems,
): void {
  const seen = new Set<string>();
  for (const feature of features) {
    if (feature.name === "") p.definition.push(`${owner}: a feature has no name`);
    else if (seen.has(feature.name)) p.definition.push(`${owner}: feature "${feature.name}" is defined twice`);
    else if (entityColumns.includes(feature.name))
      p.definition.push(`${owner}: feature "${feature.name}" has the name of a join key`);
    seen.add(feature.name);
    if (feature.valueType === ValueType.UNSPECIFIED || ValueType[feature.valueType] === undefined) {
      p.definition.push(`${owner}: feature "${feature.name}" has an unknown type`);
    }
  }
}

function checkSource(
  owner: string,
  source: DataSource | undefined,
  field: string,
  sources: Set<string>,
  p: Problems,
): void {
  if (source === undefined) return;
  if (source.name !== "" && !sources.has(source.name)) {
    p.reference.push(`${owner}: ${field} "${source.name}" is not a data source of this project`);
  }
}

/**
 * Checks a desired repo state before it is applied, and lists every problem at once:
 * INVALID_ARGUMENT for bad definitions, FAILED_PRECONDITION when something referenced is missing.
 */
export function validateContents(desired: RepoContents): void {
  const p: Problems = { definition: [], reference: [] };
  const project = desired.project?.spec?.name ?? "";
  if (!PROJECT_NAME.test(project)) {
    p.definition.push(`project "${project}": names use letters, digits and underscores and do not start with "_"`);
  }
  for (const info of KINDS) {
    const seen = new Set<string>();
    for (const object of contentsOf(desired, info)) {
      const name = info.name(object);
      if (name === "") p.definition.push(`a ${info.label} has no name`);
      else if (seen.has(name)) p.definition.push(`${info.label} "${name}" is defined more than once`);
      seen.add(name);
      const objectProject = info.project(object);
      if (objectProject !== "" && objectProject !== project) {
        p.definition.push(`${info.label} "${name}" belongs to project "${objectProject}", not "${project}"`);
      }
    }
  }
  const entities = new Map(desired.entities.map((e) => [e.spec?.name ?? "", e]));
  const sources = new Set(desired.dataSources.map((s) => s.name));
  for (const source of desired.dataSources) {
    if (source.type === DataSource_SourceType.PUSH_SOURCE && source.batchSource === undefined) {
      p.definition.push(`push source "${source.name}": batch_source is required`);
    }
  }
  const views = new Map<string, readonly FeatureSpec[]>();
  for (const view of [...desired.featureViews, ...desired.streamFeatureViews]) {
    const spec = view.spec;
    if (spec === undefined) continue;
    const owner = `feature view "${spec.name}"`;
    views.set(spec.name, spec.features);
    for (const entity of spec.entities) {
      if (!entities.has(entity)) p.reference.push(`${owner}: entity "${entity}" is not defined in this project`);
    }
    checkFeatures(
      owner,
      spec.features,
      spec.entityColumns.map((c) => c.name),
      p,
    );
    if (spec.batchSource === undefined && spec.streamSource === undefined)
      p.definition.push(`${owner}: source is required`);
    checkSource(owner, spec.batchSource, "batch source", sources, p);
    checkSource(owner, spec.streamSource, "stream source", sources, p);
    if (spec.ttl !== undefined && (spec.ttl.seconds < 0n || spec.ttl.nanos < 0)) {
      p.definition.push(`${owner}: ttl must not be negative`);
    }
  }
  for (const odfv of desired.onDemandFeatureViews) {
    const spec = odfv.spec;
    if (spec === undefined) continue;
    const owner = `on demand feature view "${spec.name}"`;
    views.set(spec.name, spec.features);
    checkFeatures(owner, spec.features, [], p);
    if (spec.features.length === 0) p.definition.push(`${owner}: schema must list at least one output feature`);
    const body = spec.featureTransformation?.transformation.value?.bodyText ?? "";
    if (body === "") p.definition.push(`${owner}: transform is required`);
    if (Object.keys(spec.sources).length === 0) p.definition.push(`${owner}: sources must not be empty`);
    for (const [key, source] of Object.entries(spec.sources)) {
      const s = source.source;
      const viewName =
        s.case === "featureView"
          ? s.value.spec?.name
          : s.case === "featureViewProjection"
            ? s.value.featureViewName
            : undefined;
      if (
        viewName !== undefined &&
        !desired.featureViews.some((v) => v.spec?.name === viewName) &&
        !desired.streamFeatureViews.some((v) => v.spec?.name === viewName)
      ) {
        p.reference.push(`${owner}: source "${key}" refers to feature view "${viewName}", which is not defined`);
      }
    }
  }
  for (const service of desired.featureServices) {
    const spec = service.spec;
    if (spec === undefined) continue;
    const owner = `feature service "${spec.name}"`;
    if (spec.features.length === 0) p.definition.push(`${owner}: features must not be empty`);
    for (const projection of spec.features) {
      const features = views.get(projection.featureViewName);
      if (features === undefined) {
        p.reference.push(`${owner}: feature view "${projection.featureViewName}" is not defined`);
        continue;
      }
      const known = new Set(features.map((f) => f.name));
      for (const column of projection.featureColumns) {
        if (!known.has(column.name)) {
          p.reference.push(`${owner}: feature "${column.name}" is not in feature view "${projection.featureViewName}"`);
        }
      }
    }
  }
  for (const permission of desired.permissions) {
    const spec = permission.spec;
    if (spec === undefined) continue;
    if (spec.actions.length === 0) p.definition.push(`permission "${spec.name}": actions must not be empty`);
    if (spec.policy === undefined) p.definition.push(`permission "${spec.name}": policy is required`);
  }
  const all = [...p.definition, ...p.reference];
  if (all.length === 0) return;
  const message = `The repo has ${all.length} problem${all.length === 1 ? "" : "s"}:\n- ${all.join("\n- ")}`;
  if (p.reference.length > 0) throw new FailedPreconditionError(message);
  throw new InvalidArgumentError(message);
}
