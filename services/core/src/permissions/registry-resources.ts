import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type { OnDemandFeatureView } from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ResourceTypes, type Resource, type ResourceType } from "./resource.js";

interface SpecHolder {
  readonly spec?:
    { readonly name: string; readonly project: string; readonly tags: Record<string, string> } | undefined;
}

/** The resource of a registry object that has a spec (entity, views, feature service, permission). */
export function specResource(type: ResourceType, object: SpecHolder): Resource {
  return {
    type,
    name: object.spec?.name ?? "",
    project: object.spec?.project ?? "",
    tags: object.spec?.tags ?? {},
  };
}

export function dataSourceResource(source: DataSource): Resource {
  return { type: ResourceTypes.DATA_SOURCE, name: source.name, project: source.project, tags: source.tags };
}

/** A project is its own resource: its name is also its project. */
export function projectResource(project: {
  readonly spec?: { name: string; tags: Record<string, string> } | undefined;
}): Resource {
  const name = project.spec?.name ?? "";
  return { type: ResourceTypes.PROJECT, name, project: name, tags: project.spec?.tags ?? {} };
}

/** A project named in a request but not (or not yet) in the registry: no tags. */
export function namedProjectResource(name: string): Resource {
  return { type: ResourceTypes.PROJECT, name, project: name, tags: {} };
}

/** A feature view, stream feature view or on-demand view by name, typed by which list holds it. */
export function viewResource(registry: Registry, project: string, name: string): Resource | undefined {
  const inProject = (o: SpecHolder): boolean => o.spec?.project === project && o.spec.name === name;
  const view = registry.featureViews.find(inProject);
  if (view !== undefined) return specResource(ResourceTypes.FEATURE_VIEW, view);
  const stream = registry.streamFeatureViews.find(inProject);
  if (stream !== undefined) return specResource(ResourceTypes.STREAM_FEATURE_VIEW, stream);
  const odfv = registry.onDemandFeatureViews.find(inProject);
  return odfv === undefined ? undefined : specResource(ResourceTypes.ON_DEMAND_FEATURE_VIEW, odfv);
}

/** Resources of the views named; names not in the registry are left to the caller's NOT_FOUND. */
export function viewResources(registry: Registry, project: string, names: Iterable<string>): Resource[] {
  const out: Resource[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const resource = viewResource(registry, project, name);
    if (resource !== undefined) out.push(resource);
  }
  return out;
}

function odfvInputs(odfv: OnDemandFeatureView): string[] {
  const names: string[] = [];
  for (const source of Object.values(odfv.spec?.sources ?? {})) {
    const s = source.source;
    if (s.case === "featureView") names.push(s.value.spec?.name ?? "");
    else if (s.case === "featureViewProjection") names.push(s.value.featureViewName);
  }
  return names;
}

/**
 * What a feature read touches (online or offline): the feature service if one is named, every view it
 * or the refs name, and the views on-demand views among them read as inputs.
 */
export function featureReadResources(
  registry: Registry,
  project: string,
  kind: { readonly service: string } | { readonly refs: readonly string[] },
): Resource[] {
  const out: Resource[] = [];
  const names: string[] = [];
  if ("service" in kind) {
    const service = registry.featureServices.find((s) => s.spec?.project === project && s.spec.name === kind.service);
    if (service === undefined) return out;
    out.push(specResource(ResourceTypes.FEATURE_SERVICE, service));
    for (const projection of service.spec?.features ?? []) names.push(projection.featureViewName);
  } else {
    for (const ref of kind.refs) {
      const at = ref.indexOf(":");
      if (at > 0) names.push(ref.slice(0, at));
    }
  }
  for (const name of [...names]) {
    const odfv = registry.onDemandFeatureViews.find((v) => v.spec?.project === project && v.spec.name === name);
    if (odfv !== undefined) names.push(...odfvInputs(odfv));
  }
  out.push(...viewResources(registry, project, names));
  return out;
}

/** The feature views and stream feature views a push source feeds (what a push writes to). */
export function pushSourceResources(registry: Registry, project: string, pushSourceName: string): Resource[] {
  const out: Resource[] = [];
  const feeds = (v: { spec?: { project: string; streamSource?: DataSource | undefined } | undefined }): boolean =>
    v.spec?.project === project &&
    v.spec.streamSource?.name === pushSourceName &&
    v.spec.streamSource.options.case === "pushOptions";
  for (const view of registry.featureViews) if (feeds(view)) out.push(specResource(ResourceTypes.FEATURE_VIEW, view));
  for (const view of registry.streamFeatureViews) {
    if (feeds(view)) out.push(specResource(ResourceTypes.STREAM_FEATURE_VIEW, view));
  }
  return out;
}

/** Every object of a project as a resource, the project first (for coverage reports). */
export function projectObjectResources(registry: Registry, project: string): Resource[] {
  const inProject = (o: SpecHolder): boolean => o.spec?.project === project;
  const projectObject = registry.projects.find((p) => p.spec?.name === project);
  return [
    projectObject === undefined ? namedProjectResource(project) : projectResource(projectObject),
    ...registry.entities.filter(inProject).map((o) => specResource(ResourceTypes.ENTITY, o)),
    ...registry.dataSources.filter((s) => s.project === project).map(dataSourceResource),
    ...registry.featureViews.filter(inProject).map((o) => specResource(ResourceTypes.FEATURE_VIEW, o)),
    ...registry.onDemandFeatureViews
      .filter(inProject)
      .map((o) => specResource(ResourceTypes.ON_DEMAND_FEATURE_VIEW, o)),
    ...registry.streamFeatureViews.filter(inProject).map((o) => specResource(ResourceTypes.STREAM_FEATURE_VIEW, o)),
    ...registry.featureServices.filter(inProject).map((o) => specResource(ResourceTypes.FEATURE_SERVICE, o)),
    ...registry.permissions.filter(inProject).map((o) => specResource(ResourceTypes.PERMISSION, o)),
  ];
}
