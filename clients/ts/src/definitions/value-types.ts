import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { DefinitionError } from "./errors.js";

export { ValueType };

/** A feature's data type, mirroring `feast.types`. */
export interface Dtype {
  readonly name: string;
  readonly valueType: ValueType;
}

const scalar = (name: string, valueType: ValueType): Dtype => Object.freeze({ name, valueType });

const LIST_OF: ReadonlyMap<ValueType, ValueType> = new Map([
  [ValueType.BYTES, ValueType.BYTES_LIST],
  [ValueType.STRING, ValueType.STRING_LIST],
  [ValueType.INT32, ValueType.INT32_LIST],
  [ValueType.INT64, ValueType.INT64_LIST],
  [ValueType.DOUBLE, ValueType.DOUBLE_LIST],
  [ValueType.FLOAT, ValueType.FLOAT_LIST],
  [ValueType.BOOL, ValueType.BOOL_LIST],
  [ValueType.UNIX_TIMESTAMP, ValueType.UNIX_TIMESTAMP_LIST],
]);

/** Feast's type names (`feast.types`) mapped to value types; `Array(t)` gives the list type. */
export const types = Object.freeze({
  Int32: scalar("Int32", ValueType.INT32),
  Int64: scalar("Int64", ValueType.INT64),
  Float32: scalar("Float32", ValueType.FLOAT),
  Float64: scalar("Float64", ValueType.DOUBLE),
  String: scalar("String", ValueType.STRING),
  Bytes: scalar("Bytes", ValueType.BYTES),
  Bool: scalar("Bool", ValueType.BOOL),
  UnixTimestamp: scalar("UnixTimestamp", ValueType.UNIX_TIMESTAMP),
  Array(item: Dtype | ValueType): Dtype {
    const base = toDtype(item, "Array", "Array", "dtype");
    const list = LIST_OF.get(base.valueType);
    if (list === undefined) {
      throw new DefinitionError(
        "Array",
        base.name,
        "dtype",
        "only scalar types (Int32, Float64, String...) have a list type",
      );
    }
    return scalar(`Array(${base.name})`, list);
  },
});

/** Normalises a dtype given as a Dtype or a ValueType; unknown or unspecified types throw. */
export function toDtype(dtype: Dtype | ValueType, typeName: string, objectName: string, field: string): Dtype {
  const valueType = typeof dtype === "number" ? dtype : (dtype as Partial<Dtype> | undefined)?.valueType;
  const enumName = typeof valueType === "number" ? ValueType[valueType] : undefined;
  if (valueType === undefined || enumName === undefined || valueType === ValueType.UNSPECIFIED) {
    throw new DefinitionError(
      typeName,
      objectName,
      field,
      `unknown type ${JSON.stringify(dtype)}; use one of types.Int64, types.Float32, types.String... or a ValueType`,
    );
  }
  return typeof dtype === "number" ? scalar(enumName, valueType) : dtype;
}
