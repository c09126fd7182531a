import { ValueType, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { InvalidArgumentError } from "../errors.js";
import { coerceArray, coerceSet, type ElementConverter } from "./coerce-collection.js";
import {
  toBool,
  toBytes,
  toDecimal,
  toDouble,
  toFloat,
  toInt32,
  toInt64,
  toJsonText,
  toStringValue,
  toUnixSeconds,
  toUuid,
} from "./coerce-scalar.js";
import { toZonedTimestamp } from "./coerce-zoned.js";
import { describeInput } from "./describe-input.js";
import { inferMap, inferValue, isPlainObject } from "./infer-value.js";
import { makeValue } from "./make-value.js";
import { valueTypeName } from "./value-type.js";

export { coerceValueToType } from "./coerce-value.js";
export { valueTypeOf, valueTypeName } from "./value-type.js";
export { parseTimestamp } from "./parse-timestamp.js";

/**
 * A JSON value from a REST body as a Value of `type`, leniently as Feast converts Python values (integer strings for
 * ints, numbers for STRING, ...). null → unset Value. `where` prefixes errors ("entities.driver_id[3]").
 * @throws InvalidArgumentError when the input does not fit the type.
 */
export function coerceJsonToValue(input: unknown, type: ValueType, where: string): Value {
  if (input === null || input === undefined) return makeValue();
  const name = valueTypeName(type);
  const list = <T>(convert: ElementConverter<T>): { val: T[] } => ({ val: coerceArray(input, where, name, convert) });
  const set = <T>(convert: ElementConverter<T>): { val: T[] } => ({ val: coerceSet(input, where, name, convert) });
  switch (type) {
    case ValueType.UNSPECIFIED:
      return inferValue(input, where);
    case ValueType.NULL:
      throw new InvalidArgumentError(`${where}: expected null for NULL, got ${describeInput(input)}`);
    case ValueType.BYTES:
      return makeValue({ case: "bytesVal", value: toBytes(input, where) });
    case ValueType.STRING:
      return makeValue({ case: "stringVal", value: toStringValue(input, where) });
    case ValueType.INT32:
      return makeValue({ case: "int32Val", value: toInt32(input, where) });
    case ValueType.INT64:
      return makeValue({ case: "int64Val", value: toInt64(input, where) });
    case ValueType.DOUBLE:
      return makeValue({ case: "doubleVal", value: toDouble(input, where) });
    case ValueType.FLOAT:
      return makeValue({ case: "floatVal", value: toFloat(input, where) });
    case ValueType.BOOL:
      return makeValue({ case: "boolVal", value: toBool(input, where) });
    case ValueType.UNIX_TIMESTAMP:
      return makeValue({ case: "unixTimestampVal", value: toUnixSeconds(input, where) });
    case ValueType.JSON:
      return makeValue({ case: "jsonVal", value: toJsonText(input, where) });
    case ValueType.UUID:
      return makeValue({ case: "uuidVal", value: toUuid(input, where) });
    case ValueType.TIME_UUID:
      return makeValue({ case: "timeUuidVal", value: toUuid(input, where, name) });
    case ValueType.DECIMAL:
      return makeValue({ case: "decimalVal", value: toDecimal(input, where) });
    case ValueType.ZONED_TIMESTAMP:
      return makeValue({ case: "zonedTimestampVal", value: toZonedTimestamp(input, where) });
    case ValueType.BYTES_LIST:
      return makeValue({ case: "bytesListVal", value: list(toBytes) });
    case ValueType.STRING_LIST:
      return makeValue({ case: "stringListVal", value: list(toStringValue) });
    case ValueType.INT32_LIST:
      return makeValue({ case: "int32ListVal", value: list(toInt32) });
    case ValueType.INT64_LIST:
      return makeValue({ case: "int64ListVal", value: list(toInt64) });
    case ValueType.DOUBLE_LIST:
      return makeValue({ case: "doubleListVal", value: list(toDouble) });
    case ValueType.FLOAT_LIST:
      return makeValue({ case: "floatListVal", value: list(toFloat) });
    case ValueType.BOOL_LIST:
      return makeValue({ case: "boolListVal", value: list(toBool) });
    case ValueType.UNIX_TIMESTAMP_LIST:
      return makeValue({ case: "unixTimestampListVal", value: list(toUnixSeconds) });
    case ValueType.JSON_LIST:
      return makeValue({ case: "jsonListVal", value: list(toJsonText) });
    case ValueType.UUID_LIST:
      return makeValue({ case: "uuidListVal", value: list(toUuid) });
    case ValueType.TIME_UUID_LIST:
      return makeValue({ case: "timeUuidListVal", value: list(toUuid) });
    case ValueType.DECIMAL_LIST:
      return makeValue({ case: "decimalListVal", value: list(toDecimal) });
    case ValueType.BYTES_SET:
      return makeValue({ case: "bytesSetVal", value: set(toBytes) });
    case ValueType.STRING_SET:
      return makeValue({ case: "stringSetVal", value: set(toStringValue) });
    case ValueType.INT32_SET:
      return makeValue({ case: "int32SetVal", value: set(toInt32) });
    case ValueType.INT64_SET:
      return makeValue({ case: "int64SetVal", value: set(toInt64) });
    case ValueType.DOUBLE_SET:
      return makeValue({ case: "doubleSetVal", value: set(toDouble) });
    case ValueType.FLOAT_SET:
      return makeValue({ case: "floatSetVal", value: set(toFloat) });
    case ValueType.BOOL_SET:
      return makeValue({ case: "boolSetVal", value: set(toBool) });
    case ValueType.UNIX_TIMESTAMP_SET:
      return makeValue({ case: "unixTimestampSetVal", value: set(toUnixSeconds) });
    case ValueType.UUID_SET:
      return makeValue({ case: "uuidSetVal", value: set(toUuid) });
    case ValueType.TIME_UUID_SET:
      return makeValue({ case: "timeUuidSetVal", value: set(toUuid) });
    case ValueType.DECIMAL_SET:
      return makeValue({ case: "decimalSetVal", value: set(toDecimal) });
    case ValueType.MAP:
      return makeValue({ case: "mapVal", value: { val: toMap(input, where, name) } });
    case ValueType.STRUCT:
      return makeValue({ case: "structVal", value: { val: toMap(input, where, name) } });
    case ValueType.MAP_LIST:
      return makeValue({ case: "mapListVal", value: list((x, at) => ({ val: toMap(x, at, name) })) });
    case ValueType.STRUCT_LIST:
      return makeValue({ case: "structListVal", value: list((x, at) => ({ val: toMap(x, at, name) })) });
    case ValueType.VALUE_LIST:
      return makeValue({ case: "listVal", value: { val: toValues(input, where, name) } });
    case ValueType.VALUE_SET:
      return makeValue({ case: "setVal", value: { val: toValues(input, where, name) } });
    case ValueType.SCALAR_MAP:
      throw new InvalidArgumentError(`${where}: SCALAR_MAP values cannot be given as JSON`);
    default:
      throw new InvalidArgumentError(`${where}: unsupported value type ${name}`);
  }
}

function toMap(input: unknown, where: string, type: string): Record<string, Value> {
  if (!isPlainObject(input)) {
    throw new InvalidArgumentError(`${where}: expected an object for ${type}, got ${describeInput(input)}`);
  }
  return inferMap(input, where);
}

function toValues(input: unknown, where: string, type: string): Value[] {
  if (!Array.isArray(input)) {
    throw new InvalidArgumentError(`${where}: expected an array for ${type}, got ${describeInput(input)}`);
  }
  return input.map((item: unknown, i) => inferValue(item, `${where}[${i}]`));
}
