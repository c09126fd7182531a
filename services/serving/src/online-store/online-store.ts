// The online store contract shared by SQLite and Redis (both layouts). Values travel as serialized
// larder.types.v1.Value bytes so the serving path can copy them into responses without decoding.

/** A feature view as the online store sees it (resolved once per registry version). */
export interface OnlineView {
  readonly project: string;
  /** The view's name (never an alias). */
  readonly name: string;
  /** Sorted by name. */
  readonly joinKeys: readonly string[];
  /** Every feature of the view, schema order. */
  readonly features: readonly string[];
}

/** One view's keys to read in a batch. */
export interface OnlineReadRequest {
  readonly view: OnlineView;
  /** Subset of view.features to return, in this order. */
  readonly features: readonly string[];
  /** v3-serialized entity keys (no project suffix), already de-duplicated by the caller. */
  readonly entityKeys: readonly Uint8Array[];
}

/** The stored row of one (view, entity key). */
export interface OnlineRow {
  /** Event timestamp of the stored row. */
  readonly eventTimeMs: number;
  /** Serialized larder.types.v1.Value per requested feature; undefined = the row lacks that feature. */
  readonly values: readonly (Uint8Array | undefined)[];
  /**
   * Optional zero-copy form of `values` (the larder Redis layout), which the serving hot path reads to
   * avoid an object per value: feature `f` is `source[spans[spanBase + 2f] .. spans[spanBase + 2f + 1])`,
   * absent when the start is -1. `values` then materializes only when something reads it.
   */
  readonly source?: Uint8Array | undefined;
  readonly spans?: Int32Array | undefined;
  readonly spanBase?: number | undefined;
}

/** One row to write; a winning write updates the features it carries and keeps the others. */
export interface OnlineWriteRow {
  readonly entityKey: Uint8Array;
  readonly eventTimeMs: number;
  readonly createdTimeMs?: number | undefined;
  /** Serialized Value per view.features entry (same order); undefined = not written. */
  readonly values: readonly (Uint8Array | undefined)[];
}

/** Counts of one write batch; a row with no defined value counts as skipped. */
export interface OnlineWriteResult {
  written: number;
  skipped: number;
}

/** Reads and writes the latest row per (view, entity key). */
export interface OnlineStore {
  /** Reads every request in one round trip where the store allows (one pipeline for Redis); result[i][j] is request i, key j; undefined = no row (or expired). */
  read(requests: readonly OnlineReadRequest[], signal?: AbortSignal): Promise<(OnlineRow | undefined)[][]>;
  /** Newest event wins, atomically per entity key: a row whose event time is older than or equal to the stored one changes nothing. */
  write(view: OnlineView, rows: readonly OnlineWriteRow[]): Promise<OnlineWriteResult>;
  deleteView(view: OnlineView): Promise<void>;
  /** Removes everything of these views (teardown). */
  teardown(views: readonly OnlineView[]): Promise<void>;
  /**
   * Every entity key holding a row of `view`, in batches (an exact scan, for document retrieval).
   * Optional: a store without it cannot answer RetrieveOnlineDocuments.
   */
  scanEntityKeys?(view: OnlineView, signal?: AbortSignal): AsyncIterable<readonly Uint8Array[]>;
  /** Resolves when the store is connected and usable (Redis `ready`). */
  ready(): Promise<void>;
  readonly healthy: boolean;
  close(): Promise<void>;
}
