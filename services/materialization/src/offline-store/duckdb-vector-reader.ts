import { DuckDBTypeId, JSDuckDBValueConverter, type DuckDBDataChunk, type DuckDBVector } from "@duckdb/node-api";
import { plainValue } from "./column-batch.js";

// Reads DuckDB result chunks into the batch convention (offline-store.ts ColumnBatch) column by column.
// The generic route (getItem → DuckDBValue → JS converter → plainValue) costs ≈ 170 ns a cell, more than the
// query itself; for numbers and timestamps the cells are read straight from the vector's typed array.
// Those arrays are private fields of @duckdb/node-api's vectors, so every use is guarded: a vector of
// another shape takes the generic route, which gives the same values (checked in tests).

/** Writes `count` cells of a vector from row `from` into `out` at `at`. */
type ColumnReader = (
  chunk: DuckDBDataChunk,
  column: number,
  from: number,
  count: number,
  out: unknown[],
  at: number,
) => void;

interface TypedVector {
  readonly items?: unknown;
  readonly validity?: { readonly data?: unknown; readonly offset?: unknown };
}

/** Timestamps whose epoch microseconds are at most this far from 0 convert exactly through a double. */
const EXACT_MICROS = 2 ** 51;

/** What chunk.convertColumnValues(column, JSDuckDBValueConverter) then plainValue give, for the rows asked. */
const genericReader: ColumnReader = (chunk, column, from, count, out, at) => {
  const vector = chunk.getColumnVector(column);
  const type = vector.type;
  for (let i = 0; i < count; i++) {
    out[at + i] = plainValue(JSDuckDBValueConverter(vector.getItem(from + i), type, JSDuckDBValueConverter));
  }
};

/** The vector's items and a validity bit reader, when it has the shape this module knows. */
function typedArrays(
  vector: DuckDBVector,
  rowCount: number,
): { items: ArrayLike<unknown> & ArrayBufferView; valid: Uint32Array | undefined } | undefined {
  const { items, validity } = vector as unknown as TypedVector;
  if (!ArrayBuffer.isView(items) || (items as unknown as ArrayLike<unknown>).length !== rowCount) return undefined;
  if (validity === undefined || validity.offset !== 0) return undefined;
  const data = validity.data;
  if (data === null) return { items: items as ArrayLike<unknown> & ArrayBufferView, valid: undefined };
  if (!(data instanceof BigUint64Array)) return undefined;
  return {
    items: items as ArrayLike<unknown> & ArrayBufferView,
    valid: new Uint32Array(data.buffer, data.byteOffset, data.length * 2),
  };
}

const isValid = (valid: Uint32Array | undefined, row: number): boolean =>
  valid === undefined || ((valid[row >>> 5]! >>> (row & 31)) & 1) === 1;

/** Numbers and bigints: the items are the values (Number(x) / bigint, as the JS converter gives). */
const itemReader: ColumnReader = (chunk, column, from, count, out, at) => {
  const typed = typedArrays(chunk.getColumnVector(column), chunk.rowCount);
  if (typed === undefined) return genericReader(chunk, column, from, count, out, at);
  const { items, valid } = typed;
  for (let i = 0; i < count; i++) out[at + i] = isValid(valid, from + i) ? items[from + i] : null;
};

/** TIMESTAMP and TIMESTAMPTZ as epoch milliseconds, truncated toward zero as `new Date(Number(micros / 1000n))`. */
const timestampReader: ColumnReader = (chunk, column, from, count, out, at) => {
  const typed = typedArrays(chunk.getColumnVector(column), chunk.rowCount);
  if (!(typed?.items instanceof BigInt64Array)) return genericReader(chunk, column, from, count, out, at);
  const { items, valid } = typed;
  // The 64-bit micros as two 32-bit halves: no bigint is made per cell.
  const halves = new Int32Array(items.buffer, items.byteOffset, items.length * 2);
  for (let i = 0; i < count; i++) {
    const row = from + i;
    if (!isValid(valid, row)) {
      out[at + i] = null;
      continue;
    }
    const micros = halves[2 * row + 1]! * 4294967296 + (halves[2 * row]! >>> 0);
    // Beyond EXACT_MICROS (year 2041+ ± 70 years) the generic route decides, errors included.
    if (micros > EXACT_MICROS || micros < -EXACT_MICROS) return genericReader(chunk, column, from, count, out, at);
    out[at + i] = Math.trunc(micros / 1000) + 0; // + 0 turns -0 into 0
  }
};

const READERS = new Map<DuckDBTypeId, ColumnReader>([
  [DuckDBTypeId.TINYINT, itemReader],
  [DuckDBTypeId.SMALLINT, itemReader],
  [DuckDBTypeId.INTEGER, itemReader],
  [DuckDBTypeId.BIGINT, itemReader],
  [DuckDBTypeId.UTINYINT, itemReader],
  [DuckDBTypeId.USMALLINT, itemReader],
  [DuckDBTypeId.UINTEGER, itemReader],
  [DuckDBTypeId.UBIGINT, itemReader],
  [DuckDBTypeId.FLOAT, itemReader],
  [DuckDBTypeId.DOUBLE, itemReader],
  [DuckDBTypeId.TIMESTAMP, timestampReader],
  [DuckDBTypeId.TIMESTAMP_TZ, timestampReader],
]);

/** The reader of a result column of this type (the generic route for types without a fast one). */
export function columnReaderOf(typeId: DuckDBTypeId): ColumnReader {
  return READERS.get(typeId) ?? genericReader;
}
