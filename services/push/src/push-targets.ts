import { InvalidArgumentError, NotFoundError } from "@larder/core";
import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type { FeatureView } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import type { OnDemandFeatureView } from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { Value, ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { createEntityKeyEncoder, type OnlineView } from "@larder/serving";

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
  /** The batch source's field_mapping reversed: name → the df columns mapped to it. */
  readonly mappedFrom: ReadonlyMap<string, readonly string[]>;
  readonly timestampField: string;
  readonly createdField: string;
  /** Serializes this view's join-key Values (sorted by name) into its entity key; made once per target. */
  readonly encodeKey: (keys: readonly Value[]) => Uint8Array;
}

/** Thrown for an unknown push source; REST answers it with Feast's 422. */
export class PushSourceNotFoundError extends NotFoundError {
  constructor(readonly pushSourceName: string) {
    super(`Unable to find push source '${pushSourceName}'.`);
  }
}

const byName = (a: Column, b: Column): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const NONE: readonly string[] = [];

/** The df column holding `name`: its source column under field_mapping when that column was sent, else `name`. */
export function inputColumnOf(target: TargetView, name: string, has: (column: string) => boolean): string {
  for (const column of target.mappedFrom.get(name) ?? NONE) if (has(column)) return column;
  return name;
}

/** field_mapping reversed: each mapped name's source columns, in mapping order (resolved once per target). */
function reverseMapping(source: DataSource | undefined): Map<string, string[]> {
  const reversed = new Map<string, string[]>();
  for (const [column, mapped] of Object.entries(source?.fieldMapping ?? {})) {
    const columns = reversed.get(mapped);
    if (columns === undefined) reversed.set(mapped, [column]);
    else columns.push(column);
  }
  return reversed;
}

function targetOf(project: string, view: FeatureView, batchSource: DataSource | undefined): TargetView {
  const spec = view.spec!;
  const joinKeys = spec.entityColumns.map((c) => ({ name: c.name, type: c.valueType })).sort(byName);
  const features = spec.features.map((f) => ({ name: f.name, type: f.valueType }));
  const source = batchSource ?? spec.batchSource;
  let encoder: ((keys: readonly Value[]) => Uint8Array) | undefined;
  return {
    name: spec.name,
    online: { project, name: spec.name, joinKeys: joinKeys.map((k) => k.name), features: features.map((f) => f.name) },
    joinKeys,
    features,
    batchSource: source,
    mappedFrom: reverseMapping(source),
    timestampField: source?.timestampField || "event_timestamp",
    createdField: source?.createdTimestampColumn ?? "",
    // Made on first use: a view whose keys cannot be encoded fails the push that writes rows, as before.
    encodeKey: (keys) =>
      (encoder ??= createEntityKeyEncoder(
        joinKeys.map((k) => k.name),
        joinKeys.map((k) => k.type),
      ))(keys),
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
