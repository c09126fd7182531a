import { create } from "@bufbuild/protobuf";
import type { FeatureSpec } from "@larder/gen/es/larder/core/v1/feature_pb";
import { FeatureViewSchema, type FeatureView } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import type { OnDemandFeatureView } from "@larder/gen/es/larder/core/v1/on_demand_feature_view_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { InvalidArgumentError, NotFoundError } from "@larder/core";
import { parseFeatureRef } from "./feature-refs.js";
import { TransformRunner } from "./odfv/transform-runner.js";
import type { OnlineView } from "./online-store/online-store.js";

/** One feature view read of a request: which features, under which output columns. */
export interface ViewRead {
  readonly view: OnlineView;
  /** Name used in full feature names: the alias, else the view name. */
  readonly projectionName: string;
  /** Sorted join keys of the view, and the request column each one is read from (join_key_map). */
  readonly joinKeys: readonly string[];
  readonly requestColumns: readonly string[];
  readonly joinKeyTypes: readonly ValueType[];
  readonly ttlSeconds: number;
  readonly features: readonly string[];
  readonly featureTypes: readonly ValueType[];
  /** Output column index per feature; -1 for a hidden input only an on-demand view needs. */
  readonly outputIndex: readonly number[];
}

/** An on-demand view of a request and where its inputs and outputs live. */
export interface OdfvPlan {
  readonly name: string;
  readonly runner: TransformRunner;
  /** Input name → where to find it: a view read's feature, or a request-data field. */
  readonly inputs: ReadonlyArray<{ name: string; from: { read: number; feature: number } | { request: string } }>;
  readonly outputs: ReadonlyArray<{ feature: string; type: ValueType; outputIndex: number }>;
}

/** Everything a request shape needs, computed once per registry version. */
export interface ResolvedRequest {
  readonly outputNames: readonly string[];
  readonly reads: readonly ViewRead[];
  readonly odfvs: readonly OdfvPlan[];
  /** Request-data fields the on-demand views need, with their types. */
  readonly requestFields: ReadonlyMap<string, ValueType>;
  /** Every request column that is a join key of some read (echoed first in the response). */
  readonly joinKeyColumns: ReadonlySet<string>;
  readonly joinKeyColumnTypes: ReadonlyMap<string, ValueType>;
}

export interface ResolveOptions {
  readonly project: string;
  readonly fullFeatureNames: boolean;
  readonly transformTimeoutMs: number;
  /**
   * Online reads: on-demand views with write_to_online_store are read from the store, where push wrote
   * them, instead of being computed. Historical retrieval computes them (nothing is stored offline).
   */
  readonly readStoredOnDemandViews?: boolean;
}

interface WantedRef {
  readonly viewName: string; // real view name
  readonly projectionName: string;
  readonly feature: string;
  readonly joinKeyMap: Readonly<Record<string, string>>;
}

function ttlSecondsOf(view: FeatureView): number {
  return Number(view.spec?.ttl?.seconds ?? 0n);
}

/** Resolves feature refs or a feature service against a registry snapshot. */
export class RequestResolver {
  private readonly views = new Map<string, FeatureView>();
  private readonly odfvs = new Map<string, OnDemandFeatureView>();
  private readonly runners = new Map<string, TransformRunner>();

  constructor(
    private readonly registry: Registry,
    private readonly options: Omit<ResolveOptions, "fullFeatureNames">,
  ) {
    const project = options.project;
    for (const view of [...registry.featureViews, ...registry.streamFeatureViews]) {
      if (view.spec?.project === project) this.views.set(view.spec.name, view as FeatureView);
    }
    for (const view of registry.onDemandFeatureViews) {
      if (view.spec?.project === project) this.odfvs.set(view.spec.name, view);
    }
    // write_to_online_store views were computed when their inputs were pushed: read like plain views.
    for (const odfv of this.odfvs.values()) {
      if (
        options.readStoredOnDemandViews === true &&
        odfv.spec?.writeToOnlineStore === true &&
        !this.views.has(odfv.spec.name)
      ) {
        this.views.set(odfv.spec.name, this.storedOdfvView(odfv));
      }
    }
  }

  /** The online view a write_to_online_store on-demand view is stored under (as push writes it). */
  private storedOdfvView(odfv: OnDemandFeatureView): FeatureView {
    const spec = odfv.spec!;
    let entityColumns = spec.entityColumns;
    if (entityColumns.length === 0) {
      const byName = new Map<string, FeatureSpec>();
      for (const source of Object.values(spec.sources)) {
        const s = source.source;
        const name =
          s.case === "featureView"
            ? s.value.spec?.name
            : s.case === "featureViewProjection"
              ? s.value.featureViewName
              : undefined;
        for (const column of (name === undefined ? undefined : this.views.get(name))?.spec?.entityColumns ?? []) {
          byName.set(column.name, column);
        }
      }
      entityColumns = [...byName.values()];
    }
    return create(FeatureViewSchema, {
      spec: { name: spec.name, project: spec.project, entityColumns, features: spec.features },
    });
  }

  get version(): bigint {
    return this.registry.version;
  }

  private refsOfService(name: string): WantedRef[] {
    const service = this.registry.featureServices.find(
      (s) => s.spec?.project === this.options.project && s.spec.name === name,
    );
    if (service?.spec === undefined)
      throw new NotFoundError(`feature service "${name}" does not exist in project "${this.options.project}"`);
    const refs: WantedRef[] = [];
    for (const projection of service.spec.features) {
      const viewName = projection.featureViewName;
      const projectionName = projection.featureViewNameAlias === "" ? viewName : projection.featureViewNameAlias;
      let columns: readonly FeatureSpec[] = projection.featureColumns;
      if (columns.length === 0) {
        columns = this.views.get(viewName)?.spec?.features ?? this.odfvs.get(viewName)?.spec?.features ?? [];
      }
      for (const column of columns)
        refs.push({ viewName, projectionName, feature: column.name, joinKeyMap: projection.joinKeyMap });
    }
    return refs;
  }

  private refsOfList(refs: readonly string[]): WantedRef[] {
    if (refs.length === 0)
      throw new InvalidArgumentError("features: list at least one feature, or name a feature_service");
    return refs.map((ref, i) => {
      const parsed = parseFeatureRef(ref, `features[${i}]`);
      return { viewName: parsed.view, projectionName: parsed.view, feature: parsed.feature, joinKeyMap: {} };
    });
  }

  /** Resolves a request shape: a feature service name, or a list of `view:feature` refs. */
  resolve(kind: { service: string } | { refs: readonly string[] }, fullFeatureNames: boolean): ResolvedRequest {
    const wanted = "service" in kind ? this.refsOfService(kind.service) : this.refsOfList(kind.refs);
    const outputNames: string[] = [];
    const reads: Array<ViewRead & { features: string[]; featureTypes: ValueType[]; outputIndex: number[] }> = [];
    const readIndex = new Map<string, number>(); // projectionName → read
    const odfvs: OdfvPlan[] = [];
    const requestFields = new Map<string, ValueType>();
    const pendingOdfv = new Map<
      string,
      { view: OnDemandFeatureView; outputs: Array<{ feature: string; type: ValueType; outputIndex: number }> }
    >();

    const readFor = (
      viewName: string,
      projectionName: string,
      joinKeyMap: Readonly<Record<string, string>>,
    ): number => {
      const existing = readIndex.get(projectionName);
      if (existing !== undefined) return existing;
      const view = this.views.get(viewName);
      if (view?.spec === undefined)
        throw new NotFoundError(`feature view "${viewName}" does not exist in project "${this.options.project}"`);
      const columns = [...view.spec.entityColumns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const joinKeys = columns.map((c) => c.name);
      const read = {
        view: {
          project: this.options.project,
          name: viewName,
          joinKeys,
          features: view.spec.features.map((f) => f.name),
        },
        projectionName,
        joinKeys,
        requestColumns: joinKeys.map((k) => joinKeyMap[k] ?? k),
        joinKeyTypes: columns.map((c) => c.valueType),
        ttlSeconds: ttlSecondsOf(view),
        features: [] as string[],
        featureTypes: [] as ValueType[],
        outputIndex: [] as number[],
      };
      reads.push(read);
      readIndex.set(projectionName, reads.length - 1);
      return reads.length - 1;
    };

    const featureIn = (read: (typeof reads)[number], feature: string, outputIndex: number): number => {
      const at = read.features.indexOf(feature);
      if (at >= 0) {
        if (outputIndex >= 0 && read.outputIndex[at] === -1) read.outputIndex[at] = outputIndex;
        return at;
      }
      const spec = this.views.get(read.view.name)?.spec?.features.find((f) => f.name === feature);
      if (spec === undefined)
        throw new NotFoundError(`feature "${feature}" does not exist in feature view "${read.view.name}"`);
      read.features.push(feature);
      read.featureTypes.push(spec.valueType);
      read.outputIndex.push(outputIndex);
      return read.features.length - 1;
    };

    for (const ref of wanted) {
      const outputIndex = outputNames.length;
      outputNames.push(fullFeatureNames ? `${ref.projectionName}__${ref.feature}` : ref.feature);
      const odfv = this.odfvs.get(ref.viewName);
      if (odfv?.spec !== undefined && !this.views.has(ref.viewName)) {
        const spec = odfv.spec.features.find((f) => f.name === ref.feature);
        if (spec === undefined)
          throw new NotFoundError(
            `feature "${ref.feature}" does not exist in on demand feature view "${ref.viewName}"`,
          );
        const entry = pendingOdfv.get(ref.viewName) ?? { view: odfv, outputs: [] };
        entry.outputs.push({ feature: ref.feature, type: spec.valueType, outputIndex });
        pendingOdfv.set(ref.viewName, entry);
        continue;
      }
      const read = reads[readFor(ref.viewName, ref.projectionName, ref.joinKeyMap)]!;
      featureIn(read, ref.feature, outputIndex);
    }

    for (const [name, { view, outputs }] of pendingOdfv) {
      const spec = view.spec!;
      const inputs: Array<OdfvPlan["inputs"][number]> = [];
      for (const source of Object.values(spec.sources)) {
        const s = source.source;
        if (s.case === "requestDataSource") {
          const options = s.value.options.case === "requestDataOptions" ? s.value.options.value : undefined;
          for (const field of options?.schema ?? []) {
            requestFields.set(field.name, field.valueType);
            inputs.push({ name: field.name, from: { request: field.name } });
          }
          continue;
        }
        const viewName =
          s.case === "featureView"
            ? (s.value.spec?.name ?? "")
            : s.case === "featureViewProjection"
              ? s.value.featureViewName
              : "";
        const alias =
          s.case === "featureViewProjection" && s.value.featureViewNameAlias !== ""
            ? s.value.featureViewNameAlias
            : viewName;
        const columns =
          s.case === "featureViewProjection" && s.value.featureColumns.length > 0
            ? s.value.featureColumns.map((c) => c.name)
            : (this.views.get(viewName)?.spec?.features.map((f) => f.name) ?? []);
        const readAt = readFor(viewName, alias, s.case === "featureViewProjection" ? s.value.joinKeyMap : {});
        for (const column of columns)
          inputs.push({ name: column, from: { read: readAt, feature: featureIn(reads[readAt]!, column, -1) } });
      }
      let runner = this.runners.get(name);
      if (runner === undefined) {
        const body = spec.featureTransformation?.transformation.value?.bodyText ?? "";
        runner = new TransformRunner(name, body, this.options.transformTimeoutMs);
        this.runners.set(name, runner);
      }
      odfvs.push({ name, runner, inputs, outputs });
    }

    const seen = new Map<string, number>();
    const duplicates = new Set<string>();
    for (const name of outputNames) {
      if (seen.has(name)) duplicates.add(name);
      seen.set(name, 1);
    }
    if (duplicates.size > 0) {
      throw new InvalidArgumentError(
        `Duplicate features named ${[...duplicates].join(", ")}; set full_feature_names to true, or alias views with withName()`,
      );
    }
    const joinKeyColumns = new Set<string>();
    const joinKeyColumnTypes = new Map<string, ValueType>();
    for (const read of reads) {
      read.requestColumns.forEach((column, i) => {
        joinKeyColumns.add(column);
        joinKeyColumnTypes.set(column, read.joinKeyTypes[i]!);
      });
    }
    for (const field of requestFields.keys()) joinKeyColumns.delete(field);
    return { outputNames, reads, odfvs, requestFields, joinKeyColumns, joinKeyColumnTypes };
  }
}

/** Caches resolutions per request shape for one registry version; a new version starts a new cache. */
export class ResolutionCache {
  private resolver: RequestResolver | undefined;
  private readonly cache = new Map<string, ResolvedRequest>();
  /**
   * Resolutions by refs array identity, for frozen arrays (the gRPC request decoder hands out one per
   * repeated feature list): no key string joined from 50 refs per call.
   */
  private byRefs = new WeakMap<readonly string[], ResolvedRequest[]>();

  constructor(
    private readonly options: Omit<ResolveOptions, "fullFeatureNames">,
    private readonly maxEntries = 1024,
  ) {}

  resolve(
    registry: Registry,
    kind: { service: string } | { refs: readonly string[] },
    fullFeatureNames: boolean,
  ): ResolvedRequest {
    if (this.resolver === undefined || this.resolver.version !== registry.version) {
      this.resolver = new RequestResolver(registry, this.options);
      this.cache.clear();
      this.byRefs = new WeakMap();
    }
    const frozenRefs = "refs" in kind && Object.isFrozen(kind.refs) ? kind.refs : undefined;
    const slot = fullFeatureNames ? 1 : 0;
    const known = frozenRefs === undefined ? undefined : this.byRefs.get(frozenRefs)?.[slot];
    if (known !== undefined) return known;
    const key = `${fullFeatureNames ? 1 : 0}${"service" in kind ? `s\u0000${kind.service}` : `r\u0000${kind.refs.join("\u0000")}`}`;
    let resolved = this.cache.get(key);
    if (resolved === undefined) {
      resolved = this.resolver.resolve(kind, fullFeatureNames);
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, resolved);
    }
    if (frozenRefs !== undefined) {
      const slots = this.byRefs.get(frozenRefs) ?? [];
      slots[slot] = resolved;
      this.byRefs.set(frozenRefs, slots);
    }
    return resolved;
  }
}
