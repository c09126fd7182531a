import { type Value, type Map as ValueMap } from "@larder/gen/es/larder/types/v1/value_pb";
import { bytesToBase64 } from "./base64.js";
import { formatPythonFloat } from "./python-float.js";
import { zonedTimestampToIso } from "./zoned-timestamp.js";

/**
 * JSON text of a Value as Feast writes `_value_to_native(v)` (Starlette JSONResponse, compact), for streaming writers: int64 and
 * timestamps keep every digit, floats use Python's repr ("1.0"). NaN/±Infinity (which Feast cannot emit) → null.
 */
export function valueToJsonText(value: Value | undefined): string {
  if (value === undefined) return "null";
  const v = value.val;
  switch (v.case) {
    case undefined:
    case "nullVal":
    case "scalarMapVal":
      return "null";
    case "stringVal":
    case "jsonVal":
    case "uuidVal":
    case "timeUuidVal":
    case "decimalVal":
      return JSON.stringify(v.value);
    case "int32Val":
    case "int64Val":
    case "unixTimestampVal":
      return String(v.value);
    case "boolVal":
      return v.value ? "true" : "false";
    case "doubleVal":
      return floatText(v.value);
    case "floatVal":
      return floatText(Math.fround(v.value));
    case "bytesVal":
      return JSON.stringify(bytesToBase64(v.value));
    case "stringListVal":
    case "stringSetVal":
    case "jsonListVal":
    case "uuidListVal":
    case "uuidSetVal":
    case "timeUuidListVal":
    case "timeUuidSetVal":
    case "decimalListVal":
    case "decimalSetVal":
      return JSON.stringify(v.value.val);
    case "int32ListVal":
    case "int32SetVal":
    case "int64ListVal":
    case "int64SetVal":
    case "unixTimestampListVal":
    case "unixTimestampSetVal":
      return `[${v.value.val.join(",")}]`;
    case "boolListVal":
    case "boolSetVal":
      return JSON.stringify(v.value.val);
    case "doubleListVal":
    case "doubleSetVal":
      return `[${v.value.val.map(floatText).join(",")}]`;
    case "floatListVal":
    case "floatSetVal":
      return `[${v.value.val.map((x) => floatText(Math.fround(x))).join(",")}]`;
    case "bytesListVal":
    case "bytesSetVal":
      return JSON.stringify(v.value.val.map(bytesToBase64));
    case "listVal":
    case "setVal":
      return `[${v.value.val.map(valueToJsonText).join(",")}]`;
    case "mapVal":
    case "structVal":
      return mapText(v.value);
    case "mapListVal":
    case "structListVal":
      return `[${v.value.val.map(mapText).join(",")}]`;
    case "zonedTimestampVal": {
      const iso = zonedTimestampToIso(v.value.unixTimestamp, v.value.zone);
      return iso === null ? "null" : JSON.stringify(iso);
    }
  }
}

function floatText(x: number): string {
  return Number.isFinite(x) ? formatPythonFloat(x) : "null";
}

function mapText(map: ValueMap): string {
  const entries = Object.entries(map.val).map(([k, item]) => `${JSON.stringify(k)}:${valueToJsonText(item)}`);
  return `{${entries.join(",")}}`;
}
