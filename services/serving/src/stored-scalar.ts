// Stored online values are serialized larder.types.v1.Value messages. Most hold one common scalar, and
// decoding those through protobuf-es costs more than the rest of a REST request or a logged row; this
// reads them straight from their bytes. Anything else (lists, maps, unusual encodings, invalid UTF-8)
// returns undefined so the caller takes the generic decoder, which it must agree with.

/** A common scalar read from Value bytes, by its Value case; `null` for an empty Value or null_val. */
export type StoredScalar =
  | { readonly case: "null" }
  | { readonly case: "doubleVal" | "floatVal" | "int32Val"; readonly value: number }
  | { readonly case: "int64Val" | "unixTimestampVal"; readonly value: bigint }
  | { readonly case: "boolVal"; readonly value: boolean }
  | { readonly case: "stringVal"; readonly value: string };

const NULL: StoredScalar = { case: "null" };
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads a varint at `at` (at most 10 bytes) ending exactly at `end`; undefined otherwise. */
function varintToEnd(bytes: Uint8Array, at: number, end: number): bigint | undefined {
  let result = 0n;
  let shift = 0n;
  for (let i = at; i < end && i < at + 10; i++) {
    const byte = bytes[i]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return i + 1 === end ? result : undefined;
    shift += 7n;
  }
  return undefined;
}

/** Reads a small varint (a length) at `at`; undefined when longer than 4 bytes or past `end`. */
function lengthAt(bytes: Uint8Array, at: number, end: number): { value: number; next: number } | undefined {
  let result = 0;
  for (let i = at, shift = 0; i < end && shift <= 21; i++, shift += 7) {
    const byte = bytes[i]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value: result, next: i + 1 };
  }
  return undefined;
}

/** The scalar a stored Value holds when it is one common field and nothing else; else undefined. */
export function readStoredScalar(bytes: Uint8Array): StoredScalar | undefined {
  const end = bytes.length;
  if (end === 0) return NULL;
  const tag = bytes[0]!;
  switch (tag) {
    case 0x29: // double_val = 5, fixed64
      return end === 9
        ? { case: "doubleVal", value: new DataView(bytes.buffer, bytes.byteOffset + 1, 8).getFloat64(0, true) }
        : undefined;
    case 0x35: // float_val = 6, fixed32
      return end === 5
        ? { case: "floatVal", value: new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getFloat32(0, true) }
        : undefined;
    case 0x18: {
      // int32_val = 3; negative numbers are sign-extended to 64 bits on the wire
      const v = varintToEnd(bytes, 1, end);
      return v === undefined ? undefined : { case: "int32Val", value: Number(BigInt.asIntN(32, v)) };
    }
    case 0x20: // int64_val = 4
    case 0x40: {
      // unix_timestamp_val = 8
      const v = varintToEnd(bytes, 1, end);
      if (v === undefined) return undefined;
      return { case: tag === 0x20 ? "int64Val" : "unixTimestampVal", value: BigInt.asIntN(64, v) };
    }
    case 0x38: {
      // bool_val = 7
      const v = varintToEnd(bytes, 1, end);
      return v === undefined ? undefined : { case: "boolVal", value: v !== 0n };
    }
    case 0x12: {
      // string_val = 2
      const n = lengthAt(bytes, 1, end);
      if (n === undefined || n.next + n.value !== end) return undefined;
      try {
        return { case: "stringVal", value: utf8.decode(bytes.subarray(n.next, end)) };
      } catch {
        return undefined;
      }
    }
    case 0x98: // null_val = 19 (varint, tag 0x98 0x01) holding NULL_VALUE 0
      return end === 3 && bytes[1] === 0x01 && bytes[2] === 0x00 ? NULL : undefined;
    default:
      return undefined;
  }
}
