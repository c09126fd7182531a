import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { FeatureViewMeta } from "@larder/gen/es/larder/core/v1/feature_view_pb";

/** Milliseconds of a protobuf Timestamp. */
function timestampMs(t: { seconds: bigint; nanos: number } | undefined): number | undefined {
  return t === undefined ? undefined : Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6);
}

/** End of the newest materialization interval the registry records for a view (Feast's freshness basis). */
export function lastMaterializedMs(meta: FeatureViewMeta | undefined): number | undefined {
  let newest: number | undefined;
  for (const interval of meta?.materializationIntervals ?? []) {
    const end = timestampMs(interval.endTime);
    if (end !== undefined && (newest === undefined || end > newest)) newest = end;
  }
  return newest;
}

/**
 * Per feature view, the newest data this process knows of: the end of the newest materialization
 * interval in the registry, or the newest event time written to the online store here (pushes and
 * in-process materialization), whichever is later.
 */
export class FeatureFreshness {
  private readonly written = new Map<string, number>();

  /** Records the newest event time of a write to `project`/`view`. */
  noteWrite(project: string, view: string, eventTimeMs: number): void {
    const key = `${project}\u0000${view}`;
    const known = this.written.get(key);
    if (known === undefined || eventTimeMs > known) this.written.set(key, eventTimeMs);
  }

  /** Seconds since the newest data per online view of `project`, at `nowMs`. */
  *ages(registry: Registry, project: string, nowMs: number): Iterable<readonly [readonly string[], number]> {
    for (const view of [...registry.featureViews, ...registry.streamFeatureViews]) {
      const spec = view.spec;
      if (spec === undefined || spec.project !== project || !spec.online) continue;
      const materialized = lastMaterializedMs(view.meta);
      const written = this.written.get(`${project}\u0000${spec.name}`);
      const newest = Math.max(materialized ?? -Infinity, written ?? -Infinity);
      if (newest === -Infinity) continue;
      yield [[spec.name, project], Math.max(0, (nowMs - newest) / 1000)];
    }
  }
}
