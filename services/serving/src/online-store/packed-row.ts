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

/** Packs a row; `hashes[i]` names `values[i]`, undefined values are left out. */
export function encodePackedRow(
  eventTimeMs: number,
  hashes: readonly number[],
  values: readonly (Uint8Array | undefined)[],
): Buffer {
  let size = PACKED_TIME_BYTES;
  for (const value of values) if (value !== undefined) size += 8 + value.length;
  const out = Buffer.allocUnsafe(size);
  encodeSortableTime(eventTimeMs, out, 0);
  let pos = PACKED_TIME_BYTES;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === undefined) continue;
    pos = out.writeUInt32LE(hashes[i]!, pos);
    pos = out.writeUInt32LE(value.length, pos);
    out.set(value, pos);
    pos += value.length;
  }
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
 * the row lacks it); unknown hashes are skipped. Returns the row's event time.
 */
export function spanPackedRow(bytes: Uint8Array, slots: SlotTable, spans: Int32Array, base: number): number {
  if (bytes.length < PACKED_TIME_BYTES) {
    throw new CorruptPackedRowError(`${bytes.length} bytes is shorter than a row`);
  }
  const end = bytes.length;
  let pos = PACKED_TIME_BYTES;
  while (pos < end) {
    if (pos + 8 > end) throw new CorruptPackedRowError(`truncated entry header at byte ${pos}`);
    const slot = slots.get(u32At(bytes, pos));
    const start = pos + 8;
    pos = start + u32At(bytes, pos + 4);
    if (pos > end) throw new CorruptPackedRowError(`entry at byte ${start - 8} runs past the end`);
    if (slot >= 0) {
      spans[base + 2 * slot] = start;
      spans[base + 2 * slot + 1] = pos;
    }
  }
  return decodeSortableTime(bytes, 0);
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
