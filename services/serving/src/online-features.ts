import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { readOnlineFeatures, type OutputColumn } from "./online-read.js";
import type { OnlineStore } from "./online-store/online-store.js";
import { ResolutionCache, type ResolvedRequest } from "./resolution.js";

export interface OnlineFeaturesOptions {
  readonly project: string;
  readonly maxEntityRows: number;
  readonly transformTimeoutMs: number;
  /** The current registry snapshot; never loads on the request path. */
  readonly registry: () => Registry;
  readonly store: OnlineStore;
  readonly clock?: () => number;
  /** Told how long each on-demand transformation took (telemetry). */
  readonly onTransform?: ((odfv: string, seconds: number) => void) | undefined;
}

/** Online reads as both protocols need them: resolution cached per shape and registry version. */
export class OnlineFeatures {
  private readonly cache: ResolutionCache;
  private readonly clock: () => number;

  constructor(private readonly options: OnlineFeaturesOptions) {
    this.cache = new ResolutionCache({
      project: options.project,
      transformTimeoutMs: options.transformTimeoutMs,
      readStoredOnDemandViews: true,
    });
    this.clock = options.clock ?? Date.now;
  }

  resolve(kind: { service: string } | { refs: readonly string[] }, fullFeatureNames: boolean): ResolvedRequest {
    return this.cache.resolve(this.options.registry(), kind, fullFeatureNames);
  }

  read(
    kind: { service: string } | { refs: readonly string[] },
    fullFeatureNames: boolean,
    columns: ReadonlyMap<string, readonly Value[]>,
    columnOrder: readonly string[],
    signal?: AbortSignal,
  ): Promise<OutputColumn[]> {
    return readOnlineFeatures(this.options.store, {
      resolved: this.resolve(kind, fullFeatureNames),
      columns,
      columnOrder,
      maxEntityRows: this.options.maxEntityRows,
      nowMs: this.clock(),
      signal,
      onTransform: this.options.onTransform,
    });
  }
}
