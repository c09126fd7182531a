import { type Value, type Map as ValueMap } from "@larder/gen/es/larder/types/v1/value_pb";
import { bytesToBase64 } from "./base64.js";
import { zonedTimestampToIso } from "./zoned-timestamp.js";

export { timestampToRfc3339, timestampMsToRfc3339 } from "./timestamp-format.js";
export { fieldStatusName } from "./field-status.js";
export { valueToJsonText } from "./render-json-text.js";

/**
 * A Value as Feast's REST server renders it (`_value_to_native`). int64 and timestamps become JS numbers, so
 * |v| > 2^53 loses precision here; write responses with valueToJsonText to keep every digit.
 */
export function valueToJson(value: Value | undefined): unknown {
  if (value === undefined) return null;
  const v = value.val;
  switch (v.case) {
    case undefined:
    case "nullVal":
    case "scalarMapVal":
      return null;
    case "stringVal":
    case "int32Val":
    case "doubleVal":
    case "boolVal":
    case "jsonVal":
    case "uuidVal":
    case "timeUuidVal":
    case "decimalVal":
      return v.value;
    case "floatVal":
      return Math.fround(v.value);
    case "int64Val":
    case "unixTimestampVal":
      return Number(v.value);
    case "bytesVal":
      return bytesToBase64(v.value);
    case "stringListVal":
    case "stringSetVal":
    case "int32ListVal":
    case "int32SetVal":
    case "doubleListVal":
    case "doubleSetVal":
    case "boolListVal":
    case "boolSetVal":
    case "jsonListVal":
    case "uuidListVal":
    case "uuidSetVal":
    case "timeUuidListVal":
    case "timeUuidSetVal":
    case "decimalListVal":
    case "decimalSetVal":
      return [...v.value.val];
    case "floatListVal":
    case "floatSetVal":
      return v.value.val.map((x) => Math.fround(x));
    case "int64ListVal":
    case "int64SetVal":
    case "unixTimestampListVal":
    case "unixTimestampSetVal":
      return v.value.val.map((x) => Number(x));
    case "bytesListVal":
    case "bytesSetVal":
      return v.value.val.map(bytesToBase64);
    case "listVal":
    case "setVal":
      return v.value.val.map(valueToJson);
    case "mapVal":
    case "structVal":
      return mapToJson(v.value);
    case "mapListVal":
    case "structListVal":
      return v.value.val.map(mapToJson);
    case "zonedTimestampVal":
      return zonedTimestampToIso(v.value.unixTimestamp, v.value.zone);
  }
}

function mapToJson(map: ValueMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map.val).map(([k, item]) => [k, valueToJson(item)]));
}
