import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";

/** What a database column holds, in the terms feature types are checked against. */
export type ScalarKind = "integer" | "float" | "decimal" | "string" | "bool" | "bytes" | "timestamp" | "json" | "uuid";
export interface ColumnKind {
  readonly scalar: ScalarKind | "other";
  readonly list: boolean;
}

const NUMBER_KINDS: readonly ScalarKind[] = ["float", "integer", "decimal"];
const SCALAR_ACCEPTS = new Map<ValueType, readonly ScalarKind[]>([
  [ValueType.INT32, ["integer"]],
  [ValueType.INT64, ["integer"]],
  [ValueType.DOUBLE, NUMBER_KINDS],
  [ValueType.FLOAT, NUMBER_KINDS],
  [ValueType.DECIMAL, NUMBER_KINDS],
  [ValueType.STRING, ["string", "uuid", "json"]],
  [ValueType.BOOL, ["bool"]],
  [ValueType.BYTES, ["bytes"]],
  [ValueType.UNIX_TIMESTAMP, ["timestamp"]],
  [ValueType.JSON, ["json", "string"]],
  [ValueType.UUID, ["uuid", "string"]],
  [ValueType.TIME_UUID, ["uuid", "string"]],
]);
const LIST_ELEMENT = new Map<ValueType, ValueType>([
  [ValueType.INT32_LIST, ValueType.INT32],
  [ValueType.INT64_LIST, ValueType.INT64],
  [ValueType.DOUBLE_LIST, ValueType.DOUBLE],
  [ValueType.FLOAT_LIST, ValueType.FLOAT],
  [ValueType.DECIMAL_LIST, ValueType.DECIMAL],
  [ValueType.STRING_LIST, ValueType.STRING],
  [ValueType.BOOL_LIST, ValueType.BOOL],
  [ValueType.BYTES_LIST, ValueType.BYTES],
  [ValueType.UNIX_TIMESTAMP_LIST, ValueType.UNIX_TIMESTAMP],
  [ValueType.JSON_LIST, ValueType.JSON],
  [ValueType.UUID_LIST, ValueType.UUID],
  [ValueType.INT32_SET, ValueType.INT32],
  [ValueType.INT64_SET, ValueType.INT64],
  [ValueType.DOUBLE_SET, ValueType.DOUBLE],
  [ValueType.FLOAT_SET, ValueType.FLOAT],
  [ValueType.STRING_SET, ValueType.STRING],
  [ValueType.BOOL_SET, ValueType.BOOL],
  [ValueType.BYTES_SET, ValueType.BYTES],
  [ValueType.UNIX_TIMESTAMP_SET, ValueType.UNIX_TIMESTAMP],
]);

/** True when a column of `kind` can carry values of `type`; types without a rule (maps, structs) are not checked. */
export function kindAccepts(type: ValueType, kind: ColumnKind): boolean {
  const element = LIST_ELEMENT.get(type);
  const accepts = SCALAR_ACCEPTS.get(element ?? type);
  if (accepts === undefined) return true;
  return kind.list === (element !== undefined) && kind.scalar !== "other" && accepts.includes(kind.scalar);
}

/** Describes a kind for messages: "timestamp", "list of string". */
export function describeKind(kind: ColumnKind): string {
  return kind.list ? `list of ${kind.scalar}` : kind.scalar;
}

/** The value type a JS column most likely holds, from its first non-null value. */
export function inferValueType(values: readonly unknown[]): ValueType {
  const sample = values.find((value) => value !== null && value !== undefined);
  if (Array.isArray(sample)) {
    const element = inferValueType(values.flatMap((value) => (Array.isArray(value) ? (value as unknown[]) : [])));
    return [...LIST_ELEMENT].find(([, scalar]) => scalar === element)?.[0] ?? ValueType.STRING_LIST;
  }
  if (typeof sample === "bigint") return ValueType.INT64;
  if (typeof sample === "number") {
    return values.every((value) => typeof value !== "number" || Number.isInteger(value))
      ? ValueType.INT64
      : ValueType.DOUBLE;
  }
  if (typeof sample === "boolean") return ValueType.BOOL;
  if (sample instanceof Uint8Array) return ValueType.BYTES;
  if (sample instanceof Date) return ValueType.UNIX_TIMESTAMP;
  return ValueType.STRING;
}

/** The list type whose elements are `type`, if there is one. */
export function listElementOf(type: ValueType): ValueType | undefined {
  return LIST_ELEMENT.get(type);
}
