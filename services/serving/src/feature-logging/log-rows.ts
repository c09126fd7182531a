import { fromBinary } from "@bufbuild/protobuf";
import type { FieldStatus } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { fieldStatusName, valueToJson } from "@larder/core";
import type { OutputColumn } from "../online-read.js";
import type { LogTarget } from "./log-target.js";
import { readStoredScalar } from "../stored-scalar.js";

/** One served response waiting in the queue: references to the response's columns, nothing copied. */
export interface QueuedResponse {
  readonly target: LogTarget;
  readonly columns: readonly OutputColumn[];
  /** Names of the request's columns; the response's leading columns with these names are the entity keys. */
  readonly requestColumns: readonly string[];
  readonly requestTimeMs: number;
  readonly requestId: string | undefined;
}

/** Column kinds of a log table, named as Feast names its logging columns. */
export type LogColumnType =
  | "INTEGER"
  | "BIGINT"
  | "FLOAT"
  | "DOUBLE"
  | "BOOLEAN"
  | "VARCHAR"
  | "TIMESTAMP"
  | "INTEGER[]"
  | "BIGINT[]"
  | "FLOAT[]"
  | "DOUBLE[]"
  | "BOOLEAN[]"
  | "VARCHAR[]"
  /** Anything else (maps, structs, nested lists), as JSON text. */
  | "JSON";

/** One column of a log table; values are JSON-ready (int64 as decimal strings, timestamps as ISO strings). */
export interface LogColumn {
  readonly name: string;
  type: LogColumnType;
  /** True while every value is null, so the type is a placeholder another table may replace. */
  untyped?: boolean;
  readonly values: unknown[];
}

/** Rows of one service and response shape, ready for a destination. */
export interface LogTable {
  readonly target: LogTarget;
  readonly rowCount: number;
  readonly columns: readonly LogColumn[];
}

/** Feast's names for the logging metadata columns. */
export const LOG_TIMESTAMP = "__log_timestamp";
export const LOG_DATE = "__log_date";
export const REQUEST_ID = "__request_id";
export const TIMESTAMP_SUFFIX = "__timestamp";
export const STATUS_SUFFIX = "__status";

function iso(ms: number): string | null {
  return ms > 0 ? new Date(ms).toISOString() : null;
}

/** Plain value and column type of one Value, keeping int64 digits as strings. */
function plain(value: Value): { type: LogColumnType; value: unknown } | undefined {
  const v = value.val;
  if (v.case === undefined || v.case === "nullVal") return undefined;
  if (v.case === "int32Val") return { type: "INTEGER", value: v.value };
  if (v.case === "int64Val") return { type: "BIGINT", value: v.value.toString() };
  if (v.case === "floatVal") return { type: "FLOAT", value: Math.fround(v.value) };
  if (v.case === "doubleVal") return { type: "DOUBLE", value: v.value };
  if (v.case === "boolVal") return { type: "BOOLEAN", value: v.value };
  if (v.case === "stringVal") return { type: "VARCHAR", value: v.value };
  if (v.case === "unixTimestampVal") {
    return { type: "TIMESTAMP", value: new Date(Number(v.value) * 1000).toISOString() };
  }
  if (v.case === "int32ListVal") return { type: "INTEGER[]", value: [...v.value.val] };
  if (v.case === "int64ListVal") return { type: "BIGINT[]", value: v.value.val.map((x) => x.toString()) };
  if (v.case === "floatListVal") return { type: "FLOAT[]", value: v.value.val.map((x) => Math.fround(x)) };
  if (v.case === "doubleListVal") return { type: "DOUBLE[]", value: [...v.value.val] };
  if (v.case === "boolListVal") return { type: "BOOLEAN[]", value: [...v.value.val] };
  if (v.case === "stringListVal") return { type: "VARCHAR[]", value: [...v.value.val] };
  // Everything else (bytes as base64, maps, sets, nested lists, zoned timestamps) as Feast's REST renders it.
  const json = valueToJson(value);
  return typeof json === "string" ? { type: "VARCHAR", value: json } : { type: "JSON", value: JSON.stringify(json) };
}

/** A stored scalar read straight from its bytes as a plain log value; undefined for the generic path. */
function fastPlain(bytes: Uint8Array): { type: LogColumnType; value: unknown } | null | undefined {
  const scalar = readStoredScalar(bytes);
  if (scalar === undefined) return undefined;
  switch (scalar.case) {
    case "null":
      return null;
    case "doubleVal":
      return { type: "DOUBLE", value: scalar.value };
    case "floatVal":
      return { type: "FLOAT", value: scalar.value };
    case "int32Val":
      return { type: "INTEGER", value: scalar.value };
    case "int64Val":
      return { type: "BIGINT", value: scalar.value.toString() };
    case "unixTimestampVal":
      return { type: "TIMESTAMP", value: new Date(Number(scalar.value) * 1000).toISOString() };
    case "boolVal":
      return { type: "BOOLEAN", value: scalar.value };
    case "stringVal":
      return { type: "VARCHAR", value: scalar.value };
  }
}

function decodeValue(bytes: Uint8Array | undefined): { type: LogColumnType; value: unknown } | undefined {
  if (bytes === undefined || bytes.length === 0) return undefined;
  const fast = fastPlain(bytes);
  if (fast === null) return undefined;
  return fast ?? plain(fromBinary(ValueSchema, bytes));
}

function decodeColumn(name: string, values: readonly Uint8Array[], rows: number): LogColumn {
  const out = new Array<unknown>(rows);
  let type: LogColumnType | undefined;
  for (let r = 0; r < rows; r++) {
    const decoded = decodeValue(values[r]);
    if (decoded === undefined) {
      out[r] = null;
      continue;
    }
    // A column keeps its first type; a value of another type (never expected from one feature) is kept as text.
    type ??= decoded.type;
    out[r] = decoded.type === type ? decoded.value : JSON.stringify(decoded.value);
  }
  return type === undefined ? { name, type: "VARCHAR", untyped: true, values: out } : { name, type, values: out };
}

function statusColumn(name: string, statuses: readonly FieldStatus[], rows: number): LogColumn {
  const values = new Array<unknown>(rows);
  for (let r = 0; r < rows; r++) values[r] = fieldStatusName(statuses[r] ?? 0);
  return { name, type: "VARCHAR", values };
}

function timestampColumn(
  name: string,
  timestampsMs: readonly number[],
  rows: number,
  texts: Map<number, string | null>,
): LogColumn {
  const values = new Array<unknown>(rows);
  for (let r = 0; r < rows; r++) {
    // Features of one view row share their event time: format each instant once per response.
    const ms = timestampsMs[r] ?? 0;
    let text = texts.get(ms);
    if (text === undefined) {
      text = iso(ms);
      texts.set(ms, text);
    }
    values[r] = text;
  }
  return { name, type: "TIMESTAMP", values };
}

/**
 * Decodes one logged response into rows, one per entity row: the join keys, then per feature its value,
 * `<feature>__timestamp` and `<feature>__status`, then `__log_timestamp` and `__request_id`.
 */
export function responseToTable(entry: QueuedResponse, requestId: string): LogTable {
  const rows = entry.columns[0]?.values.length ?? 0;
  const requestColumns = new Set(entry.requestColumns);
  const columns: LogColumn[] = [];
  const texts = new Map<number, string | null>();
  let leading = true;
  for (const column of entry.columns) {
    if (leading && requestColumns.has(column.name)) {
      columns.push(decodeColumn(column.name, column.values, rows));
      continue;
    }
    leading = false;
    columns.push(decodeColumn(column.name, column.values, rows));
    columns.push(timestampColumn(`${column.name}${TIMESTAMP_SUFFIX}`, column.timestampsMs, rows, texts));
    columns.push(statusColumn(`${column.name}${STATUS_SUFFIX}`, column.statuses, rows));
  }
  const time = new Date(entry.requestTimeMs).toISOString();
  columns.push({ name: LOG_TIMESTAMP, type: "TIMESTAMP", values: new Array<unknown>(rows).fill(time) });
  columns.push({ name: REQUEST_ID, type: "VARCHAR", values: new Array<unknown>(rows).fill(requestId) });
  return { target: entry.target, rowCount: rows, columns };
}

/** The responses of one service and destination written together; tables are not copied into one. */
export interface LogBatch {
  readonly target: LogTarget;
  readonly tables: readonly LogTable[];
  /** Every column of the tables with one type each (VARCHAR where tables disagree), first-seen order. */
  readonly columns: readonly { readonly name: string; readonly type: LogColumnType }[];
  readonly rowCount: number;
}

/** Groups tables by service and destination and unifies their column types. */
export function groupTables(tables: readonly LogTable[]): LogBatch[] {
  const groups = new Map<string, { target: LogTarget; tables: LogTable[]; types: Map<string, LogColumn> }>();
  for (const table of tables) {
    const key = `${table.target.service}\u0000${table.target.key}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { target: table.target, tables: [], types: new Map() };
      groups.set(key, group);
    }
    group.tables.push(table);
    for (const column of table.columns) {
      const known = group.types.get(column.name);
      if (known === undefined) {
        group.types.set(column.name, {
          name: column.name,
          type: column.type,
          untyped: column.untyped === true,
          values: [],
        });
      } else if (column.untyped !== true && known.type !== column.type) {
        // A placeholder type gives way; two real types that disagree become text.
        known.type = known.untyped === true ? column.type : "VARCHAR";
        known.untyped = false;
      }
    }
  }
  return [...groups.values()].map((group) => ({
    target: group.target,
    tables: group.tables,
    columns: [...group.types.values()].map((c) => ({ name: c.name, type: c.type })),
    rowCount: group.tables.reduce((sum, t) => sum + t.rowCount, 0),
  }));
}

/**
 * Calls `each` with every row of a batch as a plain object keyed by column (absent columns null, values of a
 * column whose type was unified to text as JSON text), yielding to the event loop every `yieldEvery` rows.
 */
export async function forEachRow(
  batch: LogBatch,
  each: (row: Record<string, unknown>, table: LogTable) => void,
  yieldEvery = 250,
): Promise<void> {
  const types = new Map(batch.columns.map((c) => [c.name, c.type]));
  let count = 0;
  for (const table of batch.tables) {
    const text = table.columns.map(
      (c) => types.get(c.name) === "VARCHAR" && c.type !== "VARCHAR" && c.untyped !== true,
    );
    for (let r = 0; r < table.rowCount; r++) {
      if (++count % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
      const row: Record<string, unknown> = {};
      for (const column of batch.columns) row[column.name] = null;
      table.columns.forEach((column, c) => {
        const value = column.values[r] ?? null;
        row[column.name] = text[c] === true && value !== null ? JSON.stringify(value) : value;
      });
      each(row, table);
    }
  }
}
