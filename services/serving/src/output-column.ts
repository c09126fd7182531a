import type { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import type { OnlineRow } from "./online-store/online-store.js";

const EMPTY = new Uint8Array(0);

/** Where a column's values live when they are read in place: feature `feature` of each entity row's stored row. */
export interface ColumnRows {
  readonly rows: readonly (OnlineRow | undefined)[];
  readonly feature: number;
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
}

/** Feature `f` of each row as Value bytes (empty where there is none). */
export function columnValues(rows: readonly (OnlineRow | undefined)[], f: number): Uint8Array[] {
  return rows.map((row) => row?.values[f] ?? EMPTY);
}

/** An output column whose values stay in the stored rows until something reads `values`. */
export class RowBackedColumn implements OutputColumn {
  private materialized: Uint8Array[] | undefined;

  constructor(
    readonly name: string,
    readonly source: ColumnRows,
    readonly statuses: FieldStatus[],
    readonly timestampsMs: number[],
  ) {}

  get values(): Uint8Array[] {
    return (this.materialized ??= columnValues(this.source.rows, this.source.feature));
  }
}
