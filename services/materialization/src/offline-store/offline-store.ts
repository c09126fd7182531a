import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";

export interface OfflineColumn {
  readonly name: string;
  readonly type: ValueType;
}

/** A feature view as the offline store sees it. Column names are the feature names (field_mapping already known from source). */
export interface OfflineView {
  readonly name: string; // view name (or alias for output naming: see HistoricalRead)
  readonly source: DataSource; // batch source (file path relative to repoPath, or postgres table/query)
  readonly joinKeys: readonly OfflineColumn[]; // sorted by name
  readonly features: readonly OfflineColumn[]; // feature names (after field_mapping)
  readonly ttlSeconds: number; // 0 = no limit
}

/** Columnar rows: each column is an array of plain JS values (number | bigint | string | boolean | Uint8Array | null; timestamps as epoch milliseconds numbers; lists as arrays). */
export interface ColumnBatch {
  readonly rowCount: number;
  readonly columns: ReadonlyMap<string, readonly unknown[]>;
}

export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
} // inclusive both ends

/** One of `count` disjoint parts of a view's entity keys, by a hash of the join-key values (a key never spans two). */
export interface EntityBucket {
  readonly index: number;
  readonly count: number;
}

export interface HistoricalRead {
  readonly view: OfflineView;
  readonly features: readonly string[]; // subset to output
  readonly outputNames: readonly string[]; // output column per feature (e.g. "conv_rate" or "driver_stats__conv_rate")
  readonly joinKeyMap: Readonly<Record<string, string>>; // view join key → entity table column (projection join_key_map); identity when absent
}

/** The entity table: a Parquet/CSV file, a SQL query (postgres store only), or rows. Must hold the join keys and `event_timestamp`. */
export type EntitySource =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "sql"; readonly query: string }
  | { readonly kind: "rows"; readonly batch: ColumnBatch };

export interface OfflineStore {
  /** Latest row per join-key tuple with event time in the window, ties broken by created timestamp; streamed in batches; columns: join keys, features, "event_timestamp" (ms), "created_timestamp" (ms or null). With `bucket`, only the keys of that hash bucket. */
  pullLatest(
    view: OfflineView,
    window: TimeWindow,
    options?: { batchRows?: number; disableEventTimestamp?: boolean; bucket?: EntityBucket | undefined },
  ): AsyncIterable<ColumnBatch>;
  /** Point-in-time join of the entity table with each read (Feast §5a), streamed in batches; output columns: every entity-table column in order, then each read's outputNames; one output row per entity row, never dropped; order of entity rows kept. */
  historical(
    entities: EntitySource,
    reads: readonly HistoricalRead[],
    options?: { batchRows?: number },
  ): AsyncIterable<ColumnBatch>;
  /** Checks at apply time that a source can be read by this store and has the timestamp and feature columns with usable types; throws FailedPreconditionError saying why. */
  validateSource(view: OfflineView): Promise<void>;
  /** Appends rows to a view's batch source (push offline); idempotent on join keys + event_timestamp + created_timestamp. */
  append(source: DataSource, batch: ColumnBatch): Promise<{ appended: number }>;
  close(): Promise<void>;
}
