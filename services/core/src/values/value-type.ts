import { ValueType, type Value } from "@larder/gen/es/larder/types/v1/value_pb";

/** A set case of the Value oneof. */
export type ValueCase = NonNullable<Value["val"]["case"]>;

const TYPE_OF_CASE: Record<ValueCase, ValueType> = {
  bytesVal: ValueType.BYTES,
  stringVal: ValueType.STRING,
  int32Val: ValueType.INT32,
  int64Val: ValueType.INT64,
  doubleVal: ValueType.DOUBLE,
  floatVal: ValueType.FLOAT,
  boolVal: ValueType.BOOL,
  unixTimestampVal: ValueType.UNIX_TIMESTAMP,
  bytesListVal: ValueType.BYTES_LIST,
  stringListVal: ValueType.STRING_LIST,
  int32ListVal: ValueType.INT32_LIST,
  int64ListVal: ValueType.INT64_LIST,
  doubleListVal: ValueType.DOUBLE_LIST,
  floatListVal: ValueType.FLOAT_LIST,
  boolListVal: ValueType.BOOL_LIST,
  unixTimestampListVal: ValueType.UNIX_TIMESTAMP_LIST,
  nullVal: ValueType.NULL,
  mapVal: ValueType.MAP,
  mapListVal: ValueType.MAP_LIST,
  bytesSetVal: ValueType.BYTES_SET,
  stringSetVal: ValueType.STRING_SET,
  int32SetVal: ValueType.INT32_SET,
  int64SetVal: ValueType.INT64_SET,
  doubleSetVal: ValueType.DOUBLE_SET,
  floatSetVal: ValueType.FLOAT_SET,
  boolSetVal: ValueType.BOOL_SET,
  unixTimestampSetVal: ValueType.UNIX_TIMESTAMP_SET,
  jsonVal: ValueType.JSON,
  jsonListVal: ValueType.JSON_LIST,
  structVal: ValueType.STRUCT,
  structListVal: ValueType.STRUCT_LIST,
  uuidVal: ValueType.UUID,
  timeUuidVal: ValueType.TIME_UUID,
  uuidListVal: ValueType.UUID_LIST,
  timeUuidListVal: ValueType.TIME_UUID_LIST,
  uuidSetVal: ValueType.UUID_SET,
  timeUuidSetVal: ValueType.TIME_UUID_SET,
  listVal: ValueType.VALUE_LIST,
  setVal: ValueType.VALUE_SET,
  decimalVal: ValueType.DECIMAL,
  decimalListVal: ValueType.DECIMAL_LIST,
  decimalSetVal: ValueType.DECIMAL_SET,
  scalarMapVal: ValueType.SCALAR_MAP,
  zonedTimestampVal: ValueType.ZONED_TIMESTAMP,
};

/** The ValueType of a Value's set case; an unset oneof is UNSPECIFIED (Feast's UNKNOWN), `null_val` is NULL. */
export function valueTypeOf(value: Value): ValueType {
  const c = value.val.case;
  return c === undefined ? ValueType.UNSPECIFIED : TYPE_OF_CASE[c];
}

/** Feast's name of a value type ("INT64", "STRING_LIST"; 0 is "UNKNOWN"), for messages. */
export function valueTypeName(type: ValueType): string {
  if (type === ValueType.UNSPECIFIED) return "UNKNOWN";
  return ValueType[type] ?? `ValueType(${String(type)})`;
}
