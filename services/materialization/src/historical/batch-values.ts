import type { Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { coerceJsonToValue, valueToJson } from "@larder/core";

const TIMESTAMP_TYPES = new Set<ValueType>([
  ValueType.UNIX_TIMESTAMP,
  ValueType.UNIX_TIMESTAMP_LIST,
  ValueType.UNIX_TIMESTAMP_SET,
]);

/** True for timestamp types, whose batch values are epoch milliseconds. */
export function isTimestampType(type: ValueType): boolean {
  return TIMESTAMP_TYPES.has(type);
}

const msToSeconds = (value: unknown): unknown => (typeof value === "number" ? Math.floor(value / 1000) : value);

/**
 * A proto Value as a batch value (the ColumnBatch convention): int64 as bigint, timestamps as epoch
 * milliseconds, bytes as Uint8Array, unset as null; other kinds as their JSON form.
 */
export function plainFromValue(value: Value): unknown {
  const v = value.val;
  if (v.case === undefined || v.case === "nullVal") return null;
  if (v.case === "int64Val" || v.case === "bytesVal") return v.value;
  if (v.case === "unixTimestampVal") return Number(v.value) * 1000;
  if (v.case === "int64ListVal" || v.case === "int64SetVal") return [...v.value.val];
  if (v.case === "bytesListVal" || v.case === "bytesSetVal") return [...v.value.val];
  if (v.case === "unixTimestampListVal" || v.case === "unixTimestampSetVal") {
    return v.value.val.map((seconds) => Number(seconds) * 1000);
  }
  return valueToJson(value);
}

/** A batch value as a proto Value of `type` (null → unset Value); timestamps go from milliseconds to seconds. */
export function valueFromPlain(plain: unknown, type: ValueType, where: string): Value {
  if (isTimestampType(type)) {
    return coerceJsonToValue(Array.isArray(plain) ? plain.map(msToSeconds) : msToSeconds(plain), type, where);
  }
  return coerceJsonToValue(plain, type, where);
}

/** A batch value as an on-demand transform sees it online (valueToJson's form): timestamps in seconds, bytes base64. */
export function transformInput(plain: unknown, type: ValueType): unknown {
  if (plain === null || plain === undefined) return null;
  if (isTimestampType(type)) return Array.isArray(plain) ? plain.map(msToSeconds) : msToSeconds(plain);
  if (plain instanceof Uint8Array) return Buffer.from(plain).toString("base64");
  if (Array.isArray(plain)) return plain.map((item) => transformInput(item, ValueType.UNSPECIFIED));
  return plain;
}
