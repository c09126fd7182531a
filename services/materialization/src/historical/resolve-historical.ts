import type { FeatureView } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { NotFoundError } from "@larder/core";
import { RequestResolver, type TransformRunner } from "@larder/serving";
import { materializableView } from "../engine/view-plan.js";
import type { HistoricalRead } from "../offline-store/offline-store.js";

/** What to retrieve: a feature service, or `view:feature` references. */
export type HistoricalKind = { readonly featureService: string } | { readonly features: readonly string[] };

/** An on-demand view computed after the join, from joined columns and entity-table (request data) columns. */
export interface HistoricalOdfv {
  readonly name: string;
  readonly runner: TransformRunner;
  /** Transform input name → batch column it is read from, with its type. */
  readonly inputs: ReadonlyArray<{ readonly name: string; readonly column: string; readonly type: ValueType }>;
  readonly outputs: ReadonlyArray<{ readonly feature: string; readonly type: ValueType; readonly column: string }>;
}

/** A resolved retrieval: the offline reads, the on-demand views, and the output columns in request order. */
export interface HistoricalPlan {
  readonly reads: readonly HistoricalRead[];
  readonly odfvs: readonly HistoricalOdfv[];
  /** Requested output columns in request order (entity columns come before them). */
  readonly outputOrder: readonly string[];
  /** Columns read only as on-demand inputs; dropped from the output. */
  readonly hiddenColumns: ReadonlySet<string>;
  /** Request-data fields the on-demand views need; they must be entity-table columns. */
  readonly requestFields: ReadonlyMap<string, ValueType>;
  /** Known column types: outputs, join-key columns, request fields and event_timestamp. */
  readonly columnTypes: ReadonlyMap<string, ValueType>;
}

export interface ResolveHistoricalOptions {
  /** Time limit per on-demand transform call. @default 1000 */
  readonly transformTimeoutMs?: number;
}

/** The default time limit per on-demand transform call, in milliseconds. */
export const DEFAULT_TRANSFORM_TIMEOUT_MS = 1000;

/** Name of the batch column a hidden on-demand input is read into. */
function hiddenName(read: number, feature: string): string {
  return `__larder_odfv_input_${read}__${feature}`;
}

/**
 * Resolves feature refs or a feature service for a point-in-time join, with the same rules as online
 * reads (the serving RequestResolver: aliases, feature subsets, join_key_map, name collisions, ODFV
 * inputs), then turns each view read into an offline HistoricalRead.
 */
export function resolveHistorical(
  registry: Registry,
  project: string,
  kind: HistoricalKind,
  fullFeatureNames: boolean,
  options: ResolveHistoricalOptions = {},
): HistoricalPlan {
  const resolver = new RequestResolver(registry, {
    project,
    transformTimeoutMs: options.transformTimeoutMs ?? DEFAULT_TRANSFORM_TIMEOUT_MS,
  });
  const resolved = resolver.resolve(
    "featureService" in kind ? { service: kind.featureService } : { refs: kind.features },
    fullFeatureNames,
  );
  const views = new Map<string, FeatureView>();
  for (const view of [...registry.featureViews, ...registry.streamFeatureViews]) {
    if (view.spec?.project === project) views.set(view.spec.name, view as FeatureView);
  }
  const hiddenColumns = new Set<string>();
  const columnTypes = new Map<string, ValueType>([["event_timestamp", ValueType.UNIX_TIMESTAMP]]);
  const columnOf = (read: number, feature: number): string => {
    const index = resolved.reads[read]?.outputIndex[feature] ?? -1;
    const name = resolved.reads[read]?.features[feature] ?? "";
    return index >= 0 ? (resolved.outputNames[index] ?? name) : hiddenName(read, name);
  };

  const reads = resolved.reads.map((read, r): HistoricalRead => {
    const view = views.get(read.view.name);
    if (view === undefined)
      throw new NotFoundError(`feature view "${read.view.name}" does not exist in project "${project}"`);
    const offline = materializableView(project, view).offline;
    const outputNames = read.features.map((_feature, f) => columnOf(r, f));
    outputNames.forEach((name, f) => {
      columnTypes.set(name, read.featureTypes[f] ?? ValueType.UNSPECIFIED);
      if ((read.outputIndex[f] ?? -1) < 0) hiddenColumns.add(name);
    });
    const joinKeyMap: Record<string, string> = {};
    read.joinKeys.forEach((key, k) => {
      const column = read.requestColumns[k] ?? key;
      joinKeyMap[key] = column;
      columnTypes.set(column, read.joinKeyTypes[k] ?? ValueType.UNSPECIFIED);
    });
    return { view: offline, features: [...read.features], outputNames, joinKeyMap };
  });

  for (const [field, type] of resolved.requestFields) columnTypes.set(field, type);
  const odfvs = resolved.odfvs.map((odfv): HistoricalOdfv => ({
    name: odfv.name,
    runner: odfv.runner,
    inputs: odfv.inputs.map(({ name, from }) => {
      if ("request" in from)
        return { name, column: from.request, type: resolved.requestFields.get(from.request) ?? ValueType.UNSPECIFIED };
      const column = columnOf(from.read, from.feature);
      return { name, column, type: columnTypes.get(column) ?? ValueType.UNSPECIFIED };
    }),
    outputs: odfv.outputs.map(({ feature, type, outputIndex }) => {
      const column = resolved.outputNames[outputIndex] ?? feature;
      columnTypes.set(column, type);
      return { feature, type, column };
    }),
  }));
  return {
    reads,
    odfvs,
    outputOrder: [...resolved.outputNames],
    hiddenColumns,
    requestFields: resolved.requestFields,
    columnTypes,
  };
}
