// Larder's Redis row encoding: one STRING per (project, view, entity key) holding the whole row.
//   bytes 0..7  event time ms as an order-preserving float64, big-endian (see encodeSortableTime)
//   then per written feature: u32 LE murmur3(feature name, seed 0) ‖ u32 LE length ‖ Value bytes
// Byte-wise comparison of the first 8 bytes orders rows by event time, which is all the Lua
// compare-and-set needs (no number parsing in Lua).

import type { SlotTable } from "./slot-table.js";

/** Size of the event time prefix. */
export const PACKED_TIME_BYTES = 8;

/** One feature entry of a packed row. */
export interface PackedEntry {
  readonly hash: number;
  readonly value: Uint8Array;
}

/** A decoded packed row. */
export interface PackedRow {
  readonly eventTimeMs: number;
  readonly entries: readonly PackedEntry[];
}

/** Thrown when stored bytes are not a packed row. */
export class CorruptPackedRowError extends Error {
  constructor(message: string) {
    super(`A stored online row is corrupt: ${message}`);
    this.name = "CorruptPackedRowError";
  }
}

/**
 * Writes a float64 so unsigned byte order equals numeric order: positive numbers get the sign bit set,
 * negative numbers are inverted (the usual sortable-double trick). -0 is stored as 0.
 */
export function encodeSortableTime(ms: number, out: Buffer, at: number): void {
  out.writeDoubleBE(ms === 0 ? 0 : ms, at);
  if ((out[at]! & 0x80) === 0) {
    out[at] = out[at]! | 0x80;
  } else {
    for (let i = at; i < at + 8; i++) out[i] = ~out[i]! & 0xff;
  }
}

/** Scratch for decodeSortableTime (synchronous use only): no buffer per decoded row. */
const TIME_SCRATCH = Buffer.allocUnsafe(8);

/** Reverses encodeSortableTime. */
export function decodeSortableTime(bytes: Uint8Array, at: number): number {
  const tmp = TIME_SCRATCH;
  if ((bytes[at]! & 0x80) !== 0) {
    tmp.set(bytes.subarray(at, at + 8));
    tmp[0] = tmp[0]! & 0x7f;
  } else {
    for (let i = 0; i < 8; i++) tmp[i] = ~bytes[at + i]! & 0xff;
  }
  return tmp.readDoubleBE(0);
}

/** Bytes of the packed row of `values` (undefined values are left out). */
export function packedRowSize(values: readonly (Uint8Array | undefined)[]): number {
  let size = PACKED_TIME_BYTES;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== undefined) size += 8 + value.length;
  }
  return size;
}

/**
 * Writes a packed row at `at` (room for packedRowSize(values) bytes must be there) and returns the
 * position after it; `hashes[i]` names `values[i]`, undefined values are left out.
 */
export function writePackedRow(
  out: Buffer,
  at: number,
  eventTimeMs: number,
  hashes: readonly number[],
  values: readonly (Uint8Array | undefined)[],
): number {
  encodeSortableTime(eventTimeMs, out, at);
  let pos = at + PACKED_TIME_BYTES;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === undefined) continue;
    writeEntryHeader(out, pos, hashes[i]!, value.length);
    out.set(value, pos + 8);
    pos += 8 + value.length;
  }
  return pos;
}

/**
 * Values of a write row held as spans of one buffer, in OnlineRow's zero-copy form: value `f` is
 * `source[spans[spanBase + 2f] .. spans[spanBase + 2f + 1])`, absent when the start is -1. The
 * materialization encoder writes rows this way besides `values`, so packing makes no object per value
 * (a view per value was most of its garbage).
 */
export interface SpannedValues {
  readonly source: Uint8Array;
  readonly spans: Int32Array;
  readonly spanBase: number;
  /** How many values the row has (`values.length`, known without materializing `values`). */
  readonly valueCount: number;
}

/** The spanned form of a write row's values, when it carries one. */
export function spannedValuesOf(row: object): SpannedValues | undefined {
  const candidate = row as Partial<SpannedValues>;
  return candidate.source instanceof Uint8Array &&
    candidate.spans instanceof Int32Array &&
    typeof candidate.spanBase === "number" &&
    typeof candidate.valueCount === "number"
    ? (candidate as SpannedValues)
    : undefined;
}

/** Bytes of the packed row of `count` spanned values; `complete` is false when one is absent. */
export function packedSpansSize(values: SpannedValues, count: number): { size: number; complete: boolean } {
  const { spans, spanBase } = values;
  let size = PACKED_TIME_BYTES;
  let complete = true;
  for (let i = spanBase; i < spanBase + 2 * count; i += 2) {
    const start = spans[i]!;
    if (start < 0) complete = false;
    else size += 8 + spans[i + 1]! - start;
  }
  return { size, complete };
}

function writeEntryHeader(out: Buffer, pos: number, hash: number, length: number): void {
  out[pos] = hash & 0xff;
  out[pos + 1] = (hash >>> 8) & 0xff;
  out[pos + 2] = (hash >>> 16) & 0xff;
  out[pos + 3] = hash >>> 24;
  out[pos + 4] = length & 0xff;
  out[pos + 5] = (length >>> 8) & 0xff;
  out[pos + 6] = (length >>> 16) & 0xff;
  out[pos + 7] = length >>> 24;
}

/** Values up to this length are copied byte by byte: cheaper than a native copy call for scalars. */
const SHORT_VALUE = 32;

/** writePackedRow for spanned values. */
export function writePackedSpans(
  out: Buffer,
  at: number,
  eventTimeMs: number,
  hashes: readonly number[],
  values: SpannedValues,
): number {
  const { source, spans, spanBase } = values;
  encodeSortableTime(eventTimeMs, out, at);
  let pos = at + PACKED_TIME_BYTES;
  for (let f = 0; f < hashes.length; f++) {
    const start = spans[spanBase + 2 * f]!;
    if (start < 0) continue;
    const end = spans[spanBase + 2 * f + 1]!;
    writeEntryHeader(out, pos, hashes[f]!, end - start);
    pos += 8;
    if (end - start <= SHORT_VALUE) {
      for (let i = start; i < end; i++) out[pos++] = source[i]!;
    } else {
      out.set(source.subarray(start, end), pos);
      pos += end - start;
    }
  }
  return pos;
}

/** Packs a row; `hashes[i]` names `values[i]`, undefined values are left out. */
export function encodePackedRow(
  eventTimeMs: number,
  hashes: readonly number[],
  values: readonly (Uint8Array | undefined)[],
): Buffer {
  const out = Buffer.allocUnsafe(packedRowSize(values));
  writePackedRow(out, 0, eventTimeMs, hashes, values);
  return out;
}

function checkTime(bytes: Buffer): void {
  if (bytes.length < PACKED_TIME_BYTES) throw new CorruptPackedRowError(`${bytes.length} bytes is shorter than a row`);
}

const u32At = (bytes: Uint8Array, at: number): number =>
  (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;

/**
 * Locates features in a packed row without creating anything per value: writes the start and end
 * offset of the feature in slot `s` to `spans[base + 2s]` and `spans[base + 2s + 1]` (left at -1 when
 * the row lacks it); unknown hashes are skipped. Returns the row's event time. The row is
 * `bytes[from .. to)` (a whole MGET reply holds many rows); offsets are into `bytes`.
 */
export function spanPackedRow(
  bytes: Uint8Array,
  slots: SlotTable,
  spans: Int32Array,
  base: number,
  from = 0,
  to = bytes.length,
): number {
  if (to - from < PACKED_TIME_BYTES) {
    throw new CorruptPackedRowError(`${to - from} bytes is shorter than a row`);
  }
  const end = to;
  let pos = from + PACKED_TIME_BYTES;
  while (pos < end) {
    if (pos + 8 > end) throw new CorruptPackedRowError(`truncated entry header at byte ${pos - from}`);
    const slot = slots.get(u32At(bytes, pos));
    const start = pos + 8;
    pos = start + u32At(bytes, pos + 4);
    if (pos > end) throw new CorruptPackedRowError(`entry at byte ${start - 8 - from} runs past the end`);
    if (slot >= 0) {
      spans[base + 2 * slot] = start;
      spans[base + 2 * slot + 1] = pos;
    }
  }
  return decodeSortableTime(bytes, from);
}

/** Decodes every entry of a packed row (tests and tools; reads use spanPackedRow). */
export function decodePackedRow(bytes: Buffer): PackedRow {
  checkTime(bytes);
  const entries: PackedEntry[] = [];
  let pos = PACKED_TIME_BYTES;
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) throw new CorruptPackedRowError(`truncated entry header at byte ${pos}`);
    const hash = bytes.readUInt32LE(pos);
    const length = bytes.readUInt32LE(pos + 4);
    if (pos + 8 + length > bytes.length) throw new CorruptPackedRowError(`entry at byte ${pos} runs past the end`);
    entries.push({ hash, value: bytes.subarray(pos + 8, pos + 8 + length) });
    pos += 8 + length;
  }
  return { eventTimeMs: decodeSortableTime(bytes, 0), entries };
}
