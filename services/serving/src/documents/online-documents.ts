import { toBinary } from "@bufbuild/protobuf";
import type { FeatureView } from "@larder/gen/es/larder/core/v1/feature_view_pb";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema, ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { InvalidArgumentError, NotFoundError, UnimplementedError } from "@larder/core";
import { compareJoinKeys } from "../entity-key/serialize.js";
import { deserializeEntityKey } from "../entity-key/deserialize.js";
import type { OutputColumn } from "../online-read.js";
import type { OnlineStore, OnlineView } from "../online-store/online-store.js";
import { TopK } from "./top-k.js";
import { DISTANCE_METRICS, distance, norm, storedVector, type DistanceMetric } from "./vector-distance.js";

/** Most hits one query may ask for. */
export const MAX_TOP_K = 1_000;
/** Longest query vector accepted. */
export const MAX_QUERY_DIMENSIONS = 65_536;

/** A vector similarity search over one feature view's vector feature. */
export interface DocumentQuery {
  readonly featureView: string;
  /** The vector feature searched; empty = the view's only vector-indexed (or list-typed) feature. */
  readonly feature: string;
  readonly query: readonly number[];
  readonly topK: number;
  /** "cosine" or "l2"; empty = the feature's vector_search_metric, else cosine. */
  readonly distanceMetric: string;
  /** Extra features of the same view returned with each hit. */
  readonly features: readonly string[];
}

/** Hits nearest first: join key columns, the vector feature, the extra features; and each hit's distance. */
export interface DocumentResult {
  readonly columns: OutputColumn[];
  readonly distances: number[];
}

export interface OnlineDocumentsOptions {
  readonly project: string;
  readonly registry: () => Registry;
  readonly store: OnlineStore;
}

const VECTOR_TYPES: ReadonlySet<ValueType> = new Set([ValueType.FLOAT_LIST, ValueType.DOUBLE_LIST]);

const isNull = (bytes: Uint8Array): boolean =>
  bytes.length === 0 || (bytes.length === 3 && bytes[0] === 0x98 && bytes[1] === 0x01 && bytes[2] === 0x00);

/**
 * RetrieveOnlineDocuments by an exact scan: every stored row of the view is compared with the query, and
 * a heap keeps the k nearest, so memory stays O(k) while time grows with the number of rows (see README).
 */
export class OnlineDocuments {
  constructor(private readonly options: OnlineDocumentsOptions) {}

  private findView(name: string): FeatureView {
    if (name === "") throw new InvalidArgumentError("feature_view: required");
    const registry = this.options.registry();
    const view = [...registry.featureViews, ...registry.streamFeatureViews].find(
      (v) => v.spec?.project === this.options.project && v.spec.name === name,
    );
    if (view?.spec === undefined)
      throw new NotFoundError(`feature view "${name}" does not exist in project "${this.options.project}"`);
    return view as FeatureView;
  }

  /** Of `names` (features of one view), the vector feature searched: vector-indexed first, else list-typed. */
  vectorFeatureAmong(viewName: string, names: readonly string[]): string {
    const specs = this.findView(viewName).spec!.features.filter((f) => names.includes(f.name));
    return (specs.find((f) => f.vectorIndex) ?? specs.find((f) => VECTOR_TYPES.has(f.valueType)))?.name ?? "";
  }

  async retrieve(q: DocumentQuery, signal?: AbortSignal): Promise<DocumentResult> {
    const scan = this.options.store.scanEntityKeys?.bind(this.options.store);
    if (scan === undefined) throw new UnimplementedError("the configured online store cannot search vectors");
    const view = this.findView(q.featureView);
    const spec = view.spec!;
    const vectorSpecs = spec.features.filter((f) => f.vectorIndex || VECTOR_TYPES.has(f.valueType));
    let vectorSpec = q.feature === "" ? undefined : spec.features.find((f) => f.name === q.feature);
    if (q.feature === "") {
      const indexed = spec.features.filter((f) => f.vectorIndex);
      const candidates = indexed.length > 0 ? indexed : vectorSpecs;
      if (candidates.length !== 1)
        throw new InvalidArgumentError(
          `feature: required, feature view "${q.featureView}" has ${String(candidates.length)} vector features`,
        );
      vectorSpec = candidates[0];
    }
    if (vectorSpec === undefined)
      throw new NotFoundError(`feature "${q.feature}" does not exist in feature view "${q.featureView}"`);
    if (!VECTOR_TYPES.has(vectorSpec.valueType))
      throw new InvalidArgumentError(
        `feature: "${vectorSpec.name}" is ${ValueType[vectorSpec.valueType]}, not a FLOAT_LIST or DOUBLE_LIST vector`,
      );
    for (const [i, name] of q.features.entries()) {
      if (!spec.features.some((f) => f.name === name))
        throw new NotFoundError(`features[${String(i)}]: "${name}" does not exist in feature view "${q.featureView}"`);
    }
    if (q.query.length === 0) throw new InvalidArgumentError("query: required, the query vector");
    if (q.query.length > MAX_QUERY_DIMENSIONS)
      throw new InvalidArgumentError(`query: at most ${String(MAX_QUERY_DIMENSIONS)} dimensions`);
    if (!q.query.every((x) => Number.isFinite(x)))
      throw new InvalidArgumentError("query: every element must be finite");
    if (vectorSpec.vectorLength > 0 && q.query.length !== vectorSpec.vectorLength)
      throw new InvalidArgumentError(
        `query: has ${String(q.query.length)} dimensions but "${vectorSpec.name}" has vector_length ${String(vectorSpec.vectorLength)}`,
      );
    if (!Number.isInteger(q.topK) || q.topK < 1 || q.topK > MAX_TOP_K)
      throw new InvalidArgumentError(`top_k: must be between 1 and ${String(MAX_TOP_K)}, got ${String(q.topK)}`);
    const metricName = (q.distanceMetric === "" ? vectorSpec.vectorSearchMetric || "cosine" : q.distanceMetric)
      .toLowerCase()
      .replace(/^euclidean$/, "l2");
    if (!DISTANCE_METRICS.includes(metricName as DistanceMetric))
      throw new InvalidArgumentError(`distance_metric: must be cosine or l2, got "${q.distanceMetric}"`);
    const metric = metricName as DistanceMetric;

    const joinKeys = [...spec.entityColumns].map((c) => c.name).sort(compareJoinKeys);
    const onlineView: OnlineView = {
      project: this.options.project,
      name: spec.name,
      joinKeys,
      features: spec.features.map((f) => f.name),
    };
    const top = new TopK<Uint8Array>(q.topK);
    const queryNorm = norm(q.query);
    for await (const keys of scan(onlineView, signal)) {
      const [rows = []] = await this.options.store.read(
        [{ view: onlineView, features: [vectorSpec.name], entityKeys: keys }],
        signal,
      );
      rows.forEach((row, i) => {
        const vector = storedVector(row?.values[0]);
        // Rows without a vector, or of another dimension, cannot be compared and are left out.
        if (vector?.length !== q.query.length) return;
        top.offer(distance(metric, q.query, queryNorm, vector), keys[i]!);
      });
    }
    const hits = top.sorted();
    const wanted = [vectorSpec.name, ...q.features.filter((f) => f !== vectorSpec.name)];
    const [rows = []] =
      hits.length === 0
        ? [[]]
        : await this.options.store.read(
            [{ view: onlineView, features: wanted, entityKeys: hits.map((h) => h.item) }],
            signal,
          );
    const keyColumns: OutputColumn[] = joinKeys.map((name) => ({ name, values: [], statuses: [], timestampsMs: [] }));
    const featureColumns: OutputColumn[] = wanted.map((name) => ({ name, values: [], statuses: [], timestampsMs: [] }));
    hits.forEach((hit, r) => {
      const decoded = deserializeEntityKey(hit.item);
      keyColumns.forEach((column) => {
        const at = decoded.joinKeys.indexOf(column.name);
        column.values.push(at < 0 ? new Uint8Array() : toBinary(ValueSchema, decoded.values[at]!));
        column.statuses.push(at < 0 ? FieldStatus.NOT_FOUND : FieldStatus.PRESENT);
        column.timestampsMs.push(0);
      });
      const row = rows[r];
      featureColumns.forEach((column, f) => {
        const bytes = row?.values[f];
        column.values.push(bytes ?? new Uint8Array());
        column.statuses.push(
          bytes === undefined ? FieldStatus.NOT_FOUND : isNull(bytes) ? FieldStatus.NULL_VALUE : FieldStatus.PRESENT,
        );
        column.timestampsMs.push(row?.eventTimeMs ?? 0);
      });
    });
    return { columns: [...keyColumns, ...featureColumns], distances: hits.map((h) => h.distance) };
  }
}
