import type { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import type { OnlineRow } from "./online-store/online-store.js";
import { takeInt32Array } from "./online-store/slabs.js";

const EMPTY = new Uint8Array(0);

/**
 * The stored rows of one view read when every one is a span of the same buffer (the raw MGET reply):
 * feature `f` of entity row `r` is `source[spans[rowBase[r] + 2f] .. spans[rowBase[r] + 2f + 1])`, absent
 * when the start is -1; `rowBase[r]` is -1 when the row has no stored row. The encoder then reads typed
 * arrays only, no row object per value.
 */
export interface SharedRowSpans {
  readonly source: Uint8Array;
  readonly spans: Int32Array;
  readonly rowBase: Int32Array;
}

/** Where a column's values live when they are read in place: feature `feature` of each entity row's stored row. */
export interface ColumnRows {
  readonly rows: readonly (OnlineRow | undefined)[];
  readonly feature: number;
  /** The same rows as typed arrays, when they share one source and span array. */
  readonly shared?: SharedRowSpans | undefined;
}

/** The rows as SharedRowSpans when they all are spans of one source in one span array; else undefined. */
export function sharedRowSpans(rows: readonly (OnlineRow | undefined)[]): SharedRowSpans | undefined {
  let source: Uint8Array | undefined;
  let spans: Int32Array | undefined;
  const rowBase = takeInt32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row === undefined) {
      rowBase[r] = -1;
      continue;
    }
    if (row.spans === undefined || row.source === undefined) return undefined;
    source ??= row.source;
    spans ??= row.spans;
    if (row.source !== source || row.spans !== spans) return undefined;
    rowBase[r] = row.spanBase ?? 0;
  }
  return source === undefined || spans === undefined ? undefined : { source, spans, rowBase };
}

/**
 * One output column: per entity row, the serialized larder.types.v1.Value (copied as stored, never
 * decoded on the gRPC path; empty = no value), a status and the event time in epoch milliseconds.
 */
export interface OutputColumn {
  readonly name: string;
  /** For a column with a `source`, built on first read (REST, logging); the gRPC encoder reads the rows. */
  readonly values: Uint8Array[];
  readonly statuses: FieldStatus[];
  readonly timestampsMs: number[];
  /** Set when the values stay in the stored rows: copying them into a response makes no object per value. */
  readonly source?: ColumnRows | undefined;
  /** The name's encoded `feature_names` entry (response-encoder.ts encodeNameField), when precomputed. */
  readonly nameField?: Uint8Array | undefined;
}

/** Feature `f` of each row as Value bytes (empty where there is none). */
export function columnValues(rows: readonly (OnlineRow | undefined)[], f: number): Uint8Array[] {
  return rows.map((row) => row?.values[f] ?? EMPTY);
}

/**
 * An output column of a read. Row-backed (`rows` given): values stay in the stored rows until something
 * reads `values`, and the column is its own `source` (one object per column, not two). Otherwise `values`
 * holds them. Every column of a read is this one class, so the encoder's property loads stay monomorphic.
 */
export class ReadColumn implements OutputColumn, ColumnRows {
  readonly source: ColumnRows | undefined;
  readonly rows: readonly (OnlineRow | undefined)[];
  private materialized: Uint8Array[] | undefined;

  constructor(
    readonly name: string,
    readonly nameField: Uint8Array | undefined,
    readonly statuses: FieldStatus[],
    readonly timestampsMs: number[],
    values: Uint8Array[] | undefined,
    rows?: readonly (OnlineRow | undefined)[],
    readonly feature: number = -1,
    readonly shared?: SharedRowSpans,
  ) {
    this.materialized = values;
    this.rows = rows ?? NO_ROWS;
    this.source = rows === undefined ? undefined : this;
  }

  get values(): Uint8Array[] {
    return (this.materialized ??= columnValues(this.rows, this.feature));
  }
}

const NO_ROWS: readonly (OnlineRow | undefined)[] = [];
