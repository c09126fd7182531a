import { fromBinary } from "@bufbuild/protobuf";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";
import { valueToJson } from "@larder/core";

// REST renders every stored value; decoding each through protobuf-es costs more than the rest of a
// request. A stored Value holding one common scalar is read straight from its bytes here; anything else
// (lists, maps, unusual encodings) goes through fromBinary + valueToJson, which this must match exactly.

/** Reads a varint at `at`; undefined when it runs past `end` or past 10 bytes. */
function varint(bytes: Uint8Array, at: number, end: number): { value: bigint; next: number } | undefined {
  let result = 0n;
  let shift = 0n;
  for (let i = at; i < end && i < at + 10; i++) {
    const byte = bytes[i]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: result, next: i + 1 };
    shift += 7n;
  }
  return undefined;
}

/** Small varints (lengths, bools) without BigInt. */
function smallVarint(bytes: Uint8Array, at: number, end: number): { value: number; next: number } | undefined {
  let result = 0;
  for (let i = at, shift = 0; i < end && shift <= 21; i++, shift += 7) {
    const byte = bytes[i]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value: result, next: i + 1 };
  }
  return undefined;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function fastScalar(bytes: Uint8Array): { value: unknown } | undefined {
  const end = bytes.length;
  if (end === 0) return { value: null };
  const tag = bytes[0]!;
  switch (tag) {
    case 0x29: // double_val, fixed64
      if (end !== 9) return undefined;
      return { value: new DataView(bytes.buffer, bytes.byteOffset + 1, 8).getFloat64(0, true) };
    case 0x35: // float_val, fixed32
      if (end !== 5) return undefined;
      return { value: new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getFloat32(0, true) };
    case 0x20: // int64_val
    case 0x40: {
      // unix_timestamp_val
      const v = varint(bytes, 1, end);
      return v?.next === end ? { value: Number(BigInt.asIntN(64, v.value)) } : undefined;
    }
    case 0x18: {
      // int32_val: negative numbers are sign-extended to 64 bits on the wire
      const v = varint(bytes, 1, end);
      return v?.next === end ? { value: Number(BigInt.asIntN(32, v.value)) } : undefined;
    }
    case 0x38: {
      // bool_val
      const v = smallVarint(bytes, 1, end);
      return v?.next === end && v.value <= 1 ? { value: v.value === 1 } : undefined;
    }
    case 0x12: {
      // string_val
      const n = smallVarint(bytes, 1, end);
      if (n === undefined || n.next + n.value !== end) return undefined;
      try {
        return { value: decoder.decode(bytes.subarray(n.next, end)) };
      } catch {
        return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** The JSON rendering (Feast's) of serialized Value bytes as stored online. */
export function storedValueToJson(bytes: Uint8Array): unknown {
  const fast = fastScalar(bytes);
  return fast === undefined ? valueToJson(fromBinary(ValueSchema, bytes)) : fast.value;
}
