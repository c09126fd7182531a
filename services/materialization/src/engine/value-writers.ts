import { toBinary } from "@bufbuild/protobuf";
import { ValueSchema, ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { valueFromPlain } from "../historical/batch-values.js";
import type { ValueArena } from "./value-arena.js";

// Serialized larder.types.v1.Value bytes written straight from offline column values, one writer chosen
// per column. Building a protobuf-es Value per cell and toBinary-ing it cost ≈ 7 µs per value (most of a
// 10-feature row's 74 µs). The common scalar inputs are written by hand; anything else (other types,
// lenient inputs such as integer strings, out-of-range values) goes through the generic path, so the
// bytes and errors stay those of valueFromPlain + toBinary (checked by a property test).

/** Appends the serialized Value of one column value (nothing for null: an unset Value is empty). */
export type ValueWriter = (arena: ValueArena, raw: unknown) => void;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

// Tags of the Value oneof: field number << 3 | wire type.
const TAG_BYTES = 0x0a;
const TAG_STRING = 0x12;
const TAG_INT32 = 0x18;
const TAG_INT64 = 0x20;
const TAG_DOUBLE = 0x29;
const TAG_FLOAT = 0x35;
const TAG_BOOL = 0x38;

const encoder = new TextEncoder();

/**
 * The generic path: the batch value as a Value (valueFromPlain: coerced as the REST and push paths do, and
 * timestamps, which batches hold as epoch milliseconds, as seconds), then protobuf-es toBinary.
 */
function genericWriter(type: ValueType, where: string): ValueWriter {
  return (arena, raw) => {
    if (raw === null || raw === undefined) return;
    arena.append(toBinary(ValueSchema, valueFromPlain(raw, type, where)));
  };
}

/** A signed integer varint field (int32 and int64 share it: negative values take ten bytes). */
function writeSignedInteger(arena: ValueArena, tag: number, n: number): void {
  arena.ensure(11);
  arena.bytes[arena.pos++] = tag;
  if (n >= 0) arena.varint(n);
  else arena.negativeVarint(BigInt(n));
}

function int64Writer(fallback: ValueWriter): ValueWriter {
  return (arena, raw) => {
    if (typeof raw === "bigint") {
      if (raw >= 0n && raw <= SAFE_MAX) return writeSignedInteger(arena, TAG_INT64, Number(raw));
      if (raw < 0n && raw >= INT64_MIN) {
        arena.ensure(11);
        arena.bytes[arena.pos++] = TAG_INT64;
        return arena.negativeVarint(raw);
      }
      if (raw <= INT64_MAX) return fallback(arena, raw);
    } else if (typeof raw === "number" && Number.isSafeInteger(raw)) {
      return writeSignedInteger(arena, TAG_INT64, raw);
    }
    fallback(arena, raw);
  };
}

function int32Writer(fallback: ValueWriter): ValueWriter {
  return (arena, raw) => {
    const n = typeof raw === "bigint" && raw >= INT32_MIN && raw <= INT32_MAX ? Number(raw) : raw;
    if (typeof n === "number" && Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX) {
      return writeSignedInteger(arena, TAG_INT32, n);
    }
    fallback(arena, raw);
  };
}

function floatWriter(fallback: ValueWriter): ValueWriter {
  return (arena, raw) => {
    if (typeof raw === "number") {
      const rounded = Math.fround(raw);
      // A finite value beyond float32's range is an error of the generic path.
      if (Number.isFinite(rounded) || !Number.isFinite(raw)) {
        arena.ensure(5);
        arena.bytes[arena.pos] = TAG_FLOAT;
        arena.view.setFloat32(arena.pos + 1, rounded, true);
        arena.pos += 5;
        return;
      }
    }
    fallback(arena, raw);
  };
}

function doubleWriter(fallback: ValueWriter): ValueWriter {
  return (arena, raw) => {
    if (typeof raw !== "number") return fallback(arena, raw);
    arena.ensure(9);
    arena.bytes[arena.pos] = TAG_DOUBLE;
    arena.view.setFloat64(arena.pos + 1, raw, true);
    arena.pos += 9;
  };
}

function boolWriter(fallback: ValueWriter): ValueWriter {
  return (arena, raw) => {
    if (typeof raw !== "boolean") return fallback(arena, raw);
    arena.ensure(2);
    arena.bytes[arena.pos++] = TAG_BOOL;
    arena.bytes[arena.pos++] = raw ? 1 : 0;
  };
}

/** UTF-8 length of a string, counted without a native call for ASCII. */
function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, "utf8");
  return text.length;
}

function stringWriter(fallback: ValueWriter): ValueWriter {
  return (arena, raw) => {
    if (typeof raw !== "string") return fallback(arena, raw);
    const length = utf8Length(raw);
    arena.ensure(6 + length);
    arena.bytes[arena.pos++] = TAG_STRING;
    arena.varint(length);
    if (length === raw.length) {
      const out = arena.bytes;
      const at = arena.pos;
      for (let i = 0; i < length; i++) out[at + i] = raw.charCodeAt(i);
    } else {
      encoder.encodeInto(raw, arena.bytes.subarray(arena.pos, arena.pos + length));
    }
    arena.pos += length;
  };
}

function bytesWriter(fallback: ValueWriter): ValueWriter {
  return (arena, raw) => {
    if (!(raw instanceof Uint8Array)) return fallback(arena, raw);
    arena.ensure(6 + raw.length);
    arena.bytes[arena.pos++] = TAG_BYTES;
    arena.varint(raw.length);
    arena.bytes.set(raw, arena.pos);
    arena.pos += raw.length;
  };
}

const FAST_WRITERS = new Map<ValueType, (fallback: ValueWriter) => ValueWriter>([
  [ValueType.INT64, int64Writer],
  [ValueType.INT32, int32Writer],
  [ValueType.FLOAT, floatWriter],
  [ValueType.DOUBLE, doubleWriter],
  [ValueType.BOOL, boolWriter],
  [ValueType.STRING, stringWriter],
  [ValueType.BYTES, bytesWriter],
]);

/** The writer of a column of `type`; `where` names the column in errors ("view.feature"). */
export function createValueWriter(type: ValueType, where: string): ValueWriter {
  const fallback = genericWriter(type, where);
  const fast = FAST_WRITERS.get(type);
  if (fast === undefined) return fallback;
  const write = fast(fallback);
  return (arena, raw) => {
    if (raw !== null && raw !== undefined) write(arena, raw);
  };
}
