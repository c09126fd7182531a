import type { FeatureView } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "@larder/core";
import type { OnlineView } from "@larder/serving";
import type { OfflineView } from "../offline-store/offline-store.js";

/** A view to materialize, seen by both stores. */
export interface MaterializableView {
  readonly name: string;
  readonly offline: OfflineView;
  readonly online: OnlineView;
  /** End of the latest recorded materialization interval, if any. */
  readonly lastEndMs: number | undefined;
  readonly ttlSeconds: number;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Builds the store views of a registry feature view (batch source, sorted join keys, features). */
export function materializableView(project: string, view: FeatureView): MaterializableView {
  const spec = view.spec;
  if (spec === undefined) throw new InvalidArgumentError("feature view without spec");
  if (spec.batchSource === undefined)
    throw new FailedPreconditionError(`feature view "${spec.name}" has no batch source to materialize from`);
  const joinKeys = [...spec.entityColumns].map((c) => ({ name: c.name, type: c.valueType })).sort(byName);
  const features = spec.features.map((f) => ({ name: f.name, type: f.valueType }));
  const ttlSeconds = Number(spec.ttl?.seconds ?? 0n);
  let lastEndMs: number | undefined;
  for (const interval of view.meta?.materializationIntervals ?? []) {
    const end =
      interval.endTime === undefined
        ? undefined
        : Number(interval.endTime.seconds) * 1000 + Math.floor(interval.endTime.nanos / 1e6);
    if (end !== undefined && (lastEndMs === undefined || end > lastEndMs)) lastEndMs = end;
  }
  return {
    name: spec.name,
    offline: { name: spec.name, source: spec.batchSource, joinKeys, features, ttlSeconds },
    online: { project, name: spec.name, joinKeys: joinKeys.map((k) => k.name), features: features.map((f) => f.name) },
    lastEndMs,
    ttlSeconds,
  };
}

/**
 * The views a run covers: the named ones (which must exist and be online), or every online
 * feature view and stream feature view of the project (Feast's rule).
 */
export function viewsToMaterialize(
  registry: Registry,
  project: string,
  names: readonly string[],
): MaterializableView[] {
  const all = [...registry.featureViews, ...registry.streamFeatureViews].filter(
    (v) => v.spec?.project === project,
  ) as FeatureView[];
  if (names.length === 0) return all.filter((v) => v.spec?.online === true).map((v) => materializableView(project, v));
  return names.map((name) => {
    const view = all.find((v) => v.spec?.name === name);
    if (view === undefined) {
      const odfv = registry.onDemandFeatureViews.some((v) => v.spec?.project === project && v.spec.name === name);
      if (odfv)
        throw new InvalidArgumentError(
          `feature_views: "${name}" is an on demand feature view; only views with write_to_online_store can be materialized`,
        );
      throw new NotFoundError(`feature view "${name}" does not exist in project "${project}"`);
    }
    if (view.spec?.online !== true)
      throw new InvalidArgumentError(`feature_views: "${name}" is offline only (online: false)`);
    return materializableView(project, view);
  });
}
