import { InvalidArgumentError } from "@larder/core";
import { ValueType, type Value } from "@larder/gen/es/larder/types/v1/value_pb";

// Feast entity key serialization v3 (feast-contracts §5h, `key_encoding_utils.serialize_entity_key`):
// u32 LE count ‖ per sorted join key: u32 2 (STRING), u32 len, UTF-8 ‖ per value: u32 type, u32 len, payload.

/** Encodes entity values that are already in sorted-join-key order into a v3 entity key. */
export type EntityKeyEncoder = (values: readonly Value[]) => Buffer;

const KEY_TYPES: ReadonlySet<ValueType> = new Set([
  ValueType.STRING,
  ValueType.BYTES,
  ValueType.INT32,
  ValueType.INT64,
  ValueType.UNIX_TIMESTAMP,
]);
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Compares join keys as Feast does: by code point, i.e. by UTF-8 bytes (Python `sorted`, Go `sort.Strings`). */
export function compareJoinKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The bytes every key of a view starts with: the key count and the join key names (sorted). */
export function entityKeyHeader(sortedJoinKeys: readonly string[]): Buffer {
  const names = sortedJoinKeys.map((k) => Buffer.from(k, "utf8"));
  const header = Buffer.allocUnsafe(4 + names.reduce((n, b) => n + 8 + b.length, 0));
  let pos = header.writeUInt32LE(names.length, 0);
  for (const name of names) {
    pos = header.writeUInt32LE(ValueType.STRING, pos);
    // Go writes the byte length; Python writes len(str), identical for the ASCII names Feast allows.
    pos = header.writeUInt32LE(name.length, pos);
    pos += name.copy(header, pos);
  }
  return header;
}

type Encoded = { readonly type: ValueType; readonly size: number; readonly write: (out: Buffer, at: number) => void };

function unsupported(joinKey: string, value: Value, expected?: ValueType): InvalidArgumentError {
  const got = value.val.case ?? "no value";
  return new InvalidArgumentError(
    expected === undefined || expected === ValueType.UNSPECIFIED
      ? `Entity key "${joinKey}" has a ${got}; entity keys must be string, bytes, int32, int64 or unix_timestamp`
      : `Entity key "${joinKey}" expects ${ValueType[expected]} but got ${got}`,
  );
}

function int64Of(value: Value): bigint | undefined {
  const v = value.val;
  if (v.case === "int64Val" || v.case === "unixTimestampVal") return v.value;
  if (v.case === "int32Val") return BigInt(v.value);
  return undefined;
}

function fixed8(type: ValueType, n: bigint): Encoded {
  return { type, size: 8, write: (out, at) => void out.writeBigInt64LE(BigInt.asIntN(64, n), at) };
}

const CASE_TYPES: Readonly<Partial<Record<NonNullable<Value["val"]["case"]>, ValueType>>> = {
  stringVal: ValueType.STRING,
  bytesVal: ValueType.BYTES,
  int32Val: ValueType.INT32,
  int64Val: ValueType.INT64,
  unixTimestampVal: ValueType.UNIX_TIMESTAMP,
};

/** Encodes one value by its own case, or as `expected` (int32/int64/unix_timestamp convert when in range). */
function encodeValue(joinKey: string, value: Value, expected: ValueType): Encoded {
  const v = value.val;
  const type = expected === ValueType.UNSPECIFIED ? (v.case === undefined ? undefined : CASE_TYPES[v.case]) : expected;
  if (type === ValueType.STRING && v.case === "stringVal") {
    const text = v.value;
    const size = Buffer.byteLength(text, "utf8");
    return { type, size, write: (out, at) => void out.write(text, at, size, "utf8") };
  }
  if (type === ValueType.BYTES && v.case === "bytesVal") {
    const bytes = v.value;
    return { type, size: bytes.length, write: (out, at) => out.set(bytes, at) };
  }
  if (type === ValueType.INT32) {
    const n = v.case === "int32Val" ? v.value : v.case === "int64Val" ? Number(v.value) : undefined;
    if (n !== undefined && n >= INT32_MIN && n <= INT32_MAX) {
      return { type, size: 4, write: (out, at) => void out.writeInt32LE(n, at) };
    }
  }
  if (type === ValueType.INT64 || type === ValueType.UNIX_TIMESTAMP) {
    const n = int64Of(value);
    if (n !== undefined) return fixed8(type, n);
  }
  throw unsupported(joinKey, value, expected);
}

function encodeValues(
  header: Buffer,
  joinKeys: readonly string[],
  values: readonly Value[],
  types: readonly ValueType[],
): Buffer {
  const parts: Encoded[] = new Array<Encoded>(values.length);
  let size = header.length;
  for (let i = 0; i < values.length; i++) {
    const part = encodeValue(joinKeys[i]!, values[i]!, types[i] ?? ValueType.UNSPECIFIED);
    parts[i] = part;
    size += 8 + part.size;
  }
  const out = Buffer.allocUnsafe(size);
  let pos = header.copy(out, 0);
  for (const part of parts) {
    pos = out.writeUInt32LE(part.type, pos);
    pos = out.writeUInt32LE(part.size, pos);
    part.write(out, pos);
    pos += part.size;
  }
  return out;
}

/** Serializes an entity key as Feast v3 does; join keys are sorted by name and values reordered with them. */
export function serializeEntityKey(joinKeys: readonly string[], values: readonly Value[]): Uint8Array {
  if (joinKeys.length !== values.length) {
    throw new InvalidArgumentError(`An entity key has ${joinKeys.length} join keys but ${values.length} values`);
  }
  const order = joinKeys.map((_, i) => i).sort((a, b) => compareJoinKeys(joinKeys[a]!, joinKeys[b]!));
  const sortedKeys = order.map((i) => joinKeys[i]!);
  const sortedValues = order.map((i) => values[i]!);
  return encodeValues(entityKeyHeader(sortedKeys), sortedKeys, sortedValues, []);
}

/**
 * Builds a fast encoder for one view's join keys (sorted by name) with their declared value types; the key
 * header is computed once. `UNSPECIFIED` takes each value's own type; int32/int64 values convert to the declared one.
 */
export function createEntityKeyEncoder(
  sortedJoinKeys: readonly string[],
  valueTypes: readonly ValueType[],
): EntityKeyEncoder {
  if (sortedJoinKeys.length !== valueTypes.length) {
    throw new InvalidArgumentError(`${sortedJoinKeys.length} join keys but ${valueTypes.length} value types`);
  }
  for (let i = 1; i < sortedJoinKeys.length; i++) {
    if (compareJoinKeys(sortedJoinKeys[i - 1]!, sortedJoinKeys[i]!) >= 0) {
      throw new InvalidArgumentError(`Join keys must be sorted by name and unique: ${sortedJoinKeys.join(", ")}`);
    }
  }
  sortedJoinKeys.forEach((key, i) => {
    const type = valueTypes[i]!;
    if (type !== ValueType.UNSPECIFIED && !KEY_TYPES.has(type)) {
      throw new InvalidArgumentError(
        `Entity key "${key}" has type ${ValueType[type] ?? type}; entity keys must be string, bytes, int32, int64 or unix_timestamp`,
      );
    }
  });
  const header = entityKeyHeader(sortedJoinKeys);
  const types = [...valueTypes];
  return (values) => {
    if (values.length !== sortedJoinKeys.length) {
      throw new InvalidArgumentError(`Expected ${sortedJoinKeys.length} entity values, got ${values.length}`);
    }
    return encodeValues(header, sortedJoinKeys, values, types);
  };
}
