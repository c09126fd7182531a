import { InvalidArgumentError, NotFoundError } from "@larder/core";
import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type { FeatureView } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import type { OnDemandFeatureView } from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import type { OnlineView } from "@larder/serving";

export interface Column {
  readonly name: string;
  readonly type: ValueType;
}

/** A feature view a push writes to, with where each of its columns is found in the pushed rows. */
export interface TargetView {
  readonly name: string;
  readonly online: OnlineView;
  /** Sorted by name. */
  readonly joinKeys: readonly Column[];
  readonly features: readonly Column[];
  /** The batch source offline appends go to (the push source's). */
  readonly batchSource: DataSource | undefined;
  readonly timestampField: string;
  readonly createdField: string;
}

/** Thrown for an unknown push source; REST answers it with Feast's 422. */
export class PushSourceNotFoundError extends NotFoundError {
  constructor(readonly pushSourceName: string) {
    super(`Unable to find push source '${pushSourceName}'.`);
  }
}

const byName = (a: Column, b: Column): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The df column holding `name`: its source column under field_mapping when that column was sent, else `name`. */
export function inputColumnOf(source: DataSource | undefined, name: string, has: (column: string) => boolean): string {
  for (const [column, mapped] of Object.entries(source?.fieldMapping ?? {})) {
    if (mapped === name && has(column)) return column;
  }
  return name;
}

function targetOf(project: string, view: FeatureView, batchSource: DataSource | undefined): TargetView {
  const spec = view.spec!;
  const joinKeys = spec.entityColumns.map((c) => ({ name: c.name, type: c.valueType })).sort(byName);
  const features = spec.features.map((f) => ({ name: f.name, type: f.valueType }));
  const source = batchSource ?? spec.batchSource;
  return {
    name: spec.name,
    online: { project, name: spec.name, joinKeys: joinKeys.map((k) => k.name), features: features.map((f) => f.name) },
    joinKeys,
    features,
    batchSource: source,
    timestampField: source?.timestampField || "event_timestamp",
    createdField: source?.createdTimestampColumn ?? "",
  };
}

function projectViews(registry: Registry, project: string): FeatureView[] {
  return [...registry.featureViews, ...registry.streamFeatureViews].filter(
    (v) => v.spec?.project === project,
  ) as FeatureView[];
}

/** Every feature view and stream feature view whose stream source is the push source `name`. */
export function pushTargets(registry: Registry, project: string, name: string): TargetView[] {
  const targets = projectViews(registry, project)
    .filter((v) => v.spec?.streamSource?.name === name && v.spec.streamSource.options.case === "pushOptions")
    .map((v) => targetOf(project, v, v.spec!.streamSource!.batchSource));
  if (targets.length === 0) {
    const pushSource = registry.dataSources.some(
      (s) => s.project === project && s.name === name && s.options.case === "pushOptions",
    );
    if (!pushSource) throw new PushSourceNotFoundError(name);
  }
  return targets;
}

/** A feature view (or an on-demand view writing to the online store) by name, for WriteToOnlineStore. */
export function writeTarget(
  registry: Registry,
  project: string,
  name: string,
): { view: TargetView } | { odfv: OnDemandFeatureView } {
  const view = projectViews(registry, project).find((v) => v.spec?.name === name);
  if (view !== undefined) return { view: targetOf(project, view, view.spec?.streamSource?.batchSource) };
  const odfv = registry.onDemandFeatureViews.find((v) => v.spec?.project === project && v.spec.name === name);
  if (odfv === undefined) throw new NotFoundError(`feature view "${name}" does not exist in project "${project}"`);
  if (odfv.spec?.writeToOnlineStore !== true) {
    throw new InvalidArgumentError(
      `feature_view_name: on demand feature view "${name}" does not write to the online store (write_to_online_store is false)`,
    );
  }
  return { odfv };
}

/** Feature-view names an on-demand view reads. */
export function odfvSourceViews(odfv: OnDemandFeatureView): string[] {
  const names: string[] = [];
  for (const source of Object.values(odfv.spec?.sources ?? {})) {
    const s = source.source;
    if (s.case === "featureView") names.push(s.value.spec?.name ?? "");
    else if (s.case === "featureViewProjection") names.push(s.value.featureViewName);
  }
  return names;
}

/** On-demand views marked write_to_online_store whose feature-view inputs are all among `views`. */
export function transformsOnWrite(
  registry: Registry,
  project: string,
  views: readonly string[],
): OnDemandFeatureView[] {
  return registry.onDemandFeatureViews.filter((odfv) => {
    if (odfv.spec?.project !== project || !odfv.spec.writeToOnlineStore) return false;
    const sources = odfvSourceViews(odfv);
    return sources.length > 0 && sources.every((name) => views.includes(name));
  });
}
