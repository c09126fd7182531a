import { toBinary } from "@bufbuild/protobuf";
import { Null, ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";

// Serialized larder.types.v1.Value of the scalar kinds, written directly instead of through
// protobuf-es's reflective toBinary (≈ 3 µs each): echoed join-key columns (one per entity row) and
// pushed cells that needed a conversion. Lists, sets, maps and the rest go through toBinary. Byte for
// byte equal to toBinary (property-tested here and in the push tests), so stored rows do not depend on
// which path wrote them.

const EMPTY = new Uint8Array(0);
const NULL_VALUE = Uint8Array.of(0x98, 0x01, 0x00);
const scratch = new DataView(new ArrayBuffer(8));

/** Largest int64 written with number arithmetic (2^53 - 1); larger and negative ones take the BigInt loop. */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function varintBytes(tag: number, n: bigint): Uint8Array {
  if (n >= 0n && n <= MAX_SAFE) {
    // Echoed join keys: one per entity row. Number arithmetic and one exact-size array, no BigInt loop.
    const value = Number(n);
    let size = 2;
    for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) size++;
    const out = new Uint8Array(size);
    out[0] = tag;
    let rest = value;
    for (let i = 1; i < size - 1; i++) {
      out[i] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    out[size - 1] = rest;
    return out;
  }
  let rest = BigInt.asUintN(64, n);
  const out: number[] = [tag];
  while (rest > 0x7fn) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return Uint8Array.from(out);
}

function lengthDelimited(tag: number, payload: Uint8Array): Uint8Array {
  let length = payload.length;
  const header: number[] = [tag];
  while (length > 0x7f) {
    header.push((length & 0x7f) | 0x80);
    length >>>= 7;
  }
  header.push(length);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  return out;
}

function fixedField(tag: number, size: 4 | 8, x: number): Uint8Array {
  if (size === 4) scratch.setFloat32(0, x, true);
  else scratch.setFloat64(0, x, true);
  const out = new Uint8Array(1 + size);
  out[0] = tag;
  out.set(new Uint8Array(scratch.buffer, 0, size), 1);
  return out;
}

/** The Value's wire bytes (empty for a Value with no kind set), as toBinary(ValueSchema, value) writes them. */
export function encodeValueBytes(value: Value): Uint8Array {
  const v = value.val;
  if (v.case === undefined) return EMPTY;
  if (v.case === "int64Val") return varintBytes(0x20, v.value);
  if (v.case === "floatVal") return fixedField(0x35, 4, v.value);
  if (v.case === "doubleVal") return fixedField(0x29, 8, v.value);
  if (v.case === "stringVal") return lengthDelimited(0x12, Buffer.from(v.value, "utf8"));
  if (v.case === "int32Val") return varintBytes(0x18, BigInt(v.value));
  if (v.case === "boolVal") return Uint8Array.of(0x38, v.value ? 1 : 0);
  if (v.case === "unixTimestampVal") return varintBytes(0x40, v.value);
  if (v.case === "bytesVal") return lengthDelimited(0x0a, v.value);
  if (v.case === "nullVal" && v.value === Null.UNSPECIFIED) return NULL_VALUE;
  return toBinary(ValueSchema, value);
}
