import { valueToJson } from "@larder/core";
import type { Value } from "@larder/gen/es/larder/types/v1/value_pb";

/**
 * A Value as an offline batch value (ColumnBatch convention): int64 as bigint, timestamps as epoch
 * milliseconds, bytes as Uint8Array, unset as null; other kinds as their JSON form.
 */
export function plainOf(value: Value): unknown {
  const v = value.val;
  if (v.case === undefined || v.case === "nullVal") return null;
  if (v.case === "int64Val" || v.case === "bytesVal") return v.value;
  if (v.case === "unixTimestampVal") return Number(v.value) * 1000;
  if (v.case === "int64ListVal" || v.case === "int64SetVal" || v.case === "bytesListVal" || v.case === "bytesSetVal") {
    return [...v.value.val];
  }
  if (v.case === "unixTimestampListVal" || v.case === "unixTimestampSetVal") {
    return v.value.val.map((seconds) => Number(seconds) * 1000);
  }
  return valueToJson(value);
}
