import { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import type { OnlineRow } from "./online-store/online-store.js";
import type { SharedRowSpans } from "./output-column.js";

/** Statuses and event times of one output column, per entity row. */
export interface ColumnStatuses {
  readonly statuses: FieldStatus[];
  readonly timestampsMs: number[];
}

/** True for a stored Value that holds no value: an unset oneof (no bytes) or null_val (tag 19, varint 0). */
function isNullValue(bytes: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  return (
    length === 0 || (length === 3 && bytes[start] === 0x98 && bytes[start + 1] === 0x01 && bytes[start + 2] === 0x00)
  );
}

/**
 * What every column of a view read reports when it has a non-null value in each stored row: NOT_FOUND
 * (time 0) without a row, else PRESENT or OUTSIDE_MAX_AGE with the row's event time.
 */
export function rowStatuses(rows: readonly (OnlineRow | undefined)[], ttlMs: number, nowMs: number): ColumnStatuses {
  const count = rows.length;
  const statuses = new Array<FieldStatus>(count);
  const timestampsMs = new Array<number>(count);
  for (let r = 0; r < count; r++) {
    const row = rows[r];
    if (row === undefined) {
      statuses[r] = FieldStatus.NOT_FOUND;
      timestampsMs[r] = 0;
    } else {
      timestampsMs[r] = row.eventTimeMs;
      statuses[r] = ttlMs > 0 && nowMs - row.eventTimeMs > ttlMs ? FieldStatus.OUTSIDE_MAX_AGE : FieldStatus.PRESENT;
    }
  }
  return { statuses, timestampsMs };
}

/** Status and time of one cell that differs from its row's: the row lacks the feature, or holds null. */
function cellOverride(row: OnlineRow | undefined, f: number): FieldStatus | undefined {
  if (row === undefined) return undefined;
  const { spans, source } = row;
  if (spans !== undefined && source !== undefined) {
    const at = (row.spanBase ?? 0) + 2 * f;
    const start = spans[at]!;
    if (start < 0) return FieldStatus.NOT_FOUND;
    return isNullValue(source, start, spans[at + 1]!) ? FieldStatus.NULL_VALUE : undefined;
  }
  const bytes = row.values[f];
  if (bytes === undefined) return FieldStatus.NOT_FOUND;
  return isNullValue(bytes, 0, bytes.length) ? FieldStatus.NULL_VALUE : undefined;
}

/** cellOverride of rows that share one source (SharedRowSpans): typed-array reads only. */
function sharedCellOverride(shared: SharedRowSpans, r: number, f: number): FieldStatus | undefined {
  const base = shared.rowBase[r]!;
  if (base < 0) return undefined;
  const start = shared.spans[base + 2 * f]!;
  if (start < 0) return FieldStatus.NOT_FOUND;
  return isNullValue(shared.source, start, shared.spans[base + 2 * f + 1]!) ? FieldStatus.NULL_VALUE : undefined;
}

/**
 * Statuses of feature `f` over the entity rows, reading values in place (nothing allocated per value).
 * A column whose every cell matches its row returns `base` itself: its columns share the arrays, which
 * the gRPC encoder then writes once per read, not once per column. Callers must not mutate them.
 */
export function columnStatuses(
  rows: readonly (OnlineRow | undefined)[],
  f: number,
  base: ColumnStatuses,
  shared?: SharedRowSpans,
): ColumnStatuses {
  let own: ColumnStatuses | undefined;
  for (let r = 0; r < rows.length; r++) {
    const override = shared === undefined ? cellOverride(rows[r], f) : sharedCellOverride(shared, r, f);
    if (override === undefined) continue;
    own ??= { statuses: base.statuses.slice(), timestampsMs: base.timestampsMs.slice() };
    own.statuses[r] = override;
    if (override === FieldStatus.NOT_FOUND) own.timestampsMs[r] = 0;
  }
  return own ?? base;
}
