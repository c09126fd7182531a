import type { OutputColumn, SharedRowSpans } from "./output-column.js";

// Hand-written GetOnlineFeaturesResponse encoder (Feast's field numbers). Two passes over the columns:
// sizes first, then one buffer written in place. Stored Value bytes are copied as they are, never decoded;
// nothing is allocated per value (protobuf-es's BinaryWriter forks a chunk list per nested message, which
// cost ≈ 190 µs for 1 × 50 and most of 100 × 50's CPU). Checked against the generated decoder in tests.

const TAG_1_LEN = 0x0a; // field 1, length-delimited
const TAG_2_LEN = 0x12;
const TAG_3_LEN = 0x1a;
const TAG_1_VARINT = 0x08;
const TAG_2_VARINT = 0x10;
const EMPTY = new Uint8Array(0);

/** Bytes of a varint; negative numbers are int64 two's complement (10 bytes). Safe integers only. */
function varintSize(n: number): number {
  if (n < 0) return 10;
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  for (let rest = Math.floor(n / 0x10000000); rest > 0; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

/** A negative int64 varint: ten bytes of two's complement (rare: times before 1970). */
function writeNegativeVarint(out: Buffer, at: number, n: number): number {
  let pos = at;
  let v = BigInt.asUintN(64, BigInt(n));
  for (let i = 0; i < 9; i++) {
    out[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[pos++] = Number(v);
  return pos;
}

function writeVarint(out: Buffer, at: number, n: number): number {
  if (n < 0x80 && n >= 0) {
    out[at] = n;
    return at + 1;
  }
  if (n < 0) return writeNegativeVarint(out, at, n);
  let pos = at;
  let rest = n;
  while (rest >= 0x80000000) {
    out[pos++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  while (rest > 0x7f) {
    out[pos++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  out[pos++] = rest;
  return pos;
}

const secondsOf = (ms: number): number => Math.floor(ms / 1000);
const nanosOf = (ms: number, seconds: number): number => Math.round((ms - seconds * 1000) * 1e6);

/** Body size of the google.protobuf.Timestamp of an epoch-ms time (0 = unset, an empty message). */
function timestampSize(ms: number): number {
  if (ms === 0) return 0;
  const seconds = secondsOf(ms);
  const nanos = nanosOf(ms, seconds);
  return (seconds === 0 ? 0 : 1 + varintSize(seconds)) + (nanos === 0 ? 0 : 1 + varintSize(nanos));
}

function writeTimestamp(out: Buffer, at: number, ms: number, size: number): number {
  let pos = at;
  out[pos++] = TAG_3_LEN;
  pos = writeVarint(out, pos, size);
  if (ms === 0) return pos;
  const seconds = secondsOf(ms);
  const nanos = nanosOf(ms, seconds);
  if (seconds !== 0) {
    out[pos++] = TAG_1_VARINT;
    pos = writeVarint(out, pos, seconds);
  }
  if (nanos !== 0) {
    out[pos++] = TAG_2_VARINT;
    pos = writeVarint(out, pos, nanos);
  }
  return pos;
}

/** UTF-8 length of a name; names are ASCII in practice, counted without a native call. */
function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, "utf8");
  return text.length;
}

function writeUtf8(out: Buffer, at: number, text: string, length: number): number {
  if (length !== text.length) return at + out.write(text, at, length, "utf8");
  for (let i = 0; i < length; i++) out[at + i] = text.charCodeAt(i);
  return at + length;
}

/** The packed `2: statuses` payload of a statuses array. */
function statusSection(statuses: readonly number[]): Buffer {
  let size = 0;
  for (let i = 0; i < statuses.length; i++) {
    const status = statuses[i]!;
    size += status >= 0 && status < 0x80 ? 1 : varintSize(status);
  }
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let i = 0; i < statuses.length; i++) pos = writeVarint(out, pos, statuses[i]!);
  return out;
}

/** The `3: event_timestamps` entries of a times array, concatenated. */
function timeSection(timestampsMs: readonly number[]): Buffer {
  let size = 0;
  for (let i = 0; i < timestampsMs.length; i++) {
    const body = timestampSize(timestampsMs[i]!);
    size += 1 + varintSize(body) + body;
  }
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let i = 0; i < timestampsMs.length; i++) {
    const ms = timestampsMs[i]!;
    pos = writeTimestamp(out, pos, ms, timestampSize(ms));
  }
  return out;
}

/** Copies `length` bytes; a byte loop beats TypedArray#set for the few bytes of a scalar Value. */
function copyBytes(out: Buffer, at: number, from: Uint8Array, start: number, length: number): void {
  if (length <= 16) for (let i = 0; i < length; i++) out[at + i] = from[start + i]!;
  else out.set(from.subarray(start, start + length), at);
}

/** valuesSize of a column whose rows share one source: typed-array reads only. */
function sharedValuesSize(shared: SharedRowSpans, f: number): number {
  const { spans, rowBase } = shared;
  const rows = rowBase.length;
  let size = 0;
  for (let r = 0; r < rows; r++) {
    const base = rowBase[r]!;
    let length = 0;
    if (base >= 0) {
      const start = spans[base + 2 * f]!;
      if (start >= 0) length = spans[base + 2 * f + 1]! - start;
    }
    size += length < 0x80 ? 2 + length : 1 + varintSize(length) + length;
  }
  return size;
}

/** writeValues of a column whose rows share one source. */
function writeSharedValues(out: Buffer, at: number, shared: SharedRowSpans, f: number): number {
  const { source, spans, rowBase } = shared;
  const rows = rowBase.length;
  let pos = at;
  for (let r = 0; r < rows; r++) {
    const base = rowBase[r]!;
    let start = -1;
    if (base >= 0) start = spans[base + 2 * f]!;
    out[pos++] = TAG_1_LEN;
    if (start < 0) {
      out[pos++] = 0;
      continue;
    }
    const length = spans[base + 2 * f + 1]! - start;
    if (length < 0x80) out[pos++] = length;
    else pos = writeVarint(out, pos, length);
    if (length <= 16) for (let i = 0; i < length; i++) out[pos + i] = source[start + i]!;
    else out.set(source.subarray(start, start + length), pos);
    pos += length;
  }
  return pos;
}

/** Bytes of a column's `repeated Value values` field (each entry tag, length, Value). */
function valuesSize(column: OutputColumn): number {
  let size = 0;
  const source = column.source;
  if (source?.shared !== undefined) return sharedValuesSize(source.shared, source.feature);
  if (source === undefined) {
    for (const value of column.values) size += 1 + varintSize(value.length) + value.length;
    return size;
  }
  const f = source.feature;
  for (const row of source.rows) {
    let length = 0;
    if (row !== undefined) {
      const spans = row.spans;
      if (spans !== undefined) {
        const at = (row.spanBase ?? 0) + 2 * f;
        if (spans[at]! >= 0) length = spans[at + 1]! - spans[at]!;
      } else {
        length = row.values[f]?.length ?? 0;
      }
    }
    size += 1 + varintSize(length) + length;
  }
  return size;
}

function writeValue(out: Buffer, at: number, from: Uint8Array, start: number, length: number): number {
  out[at] = TAG_1_LEN;
  const pos = writeVarint(out, at + 1, length);
  copyBytes(out, pos, from, start, length);
  return pos + length;
}

/** Writes a column's values; stored rows are read in place through their spans (no object per value). */
function writeValues(out: Buffer, at: number, column: OutputColumn): number {
  let pos = at;
  const source = column.source;
  if (source?.shared !== undefined) return writeSharedValues(out, pos, source.shared, source.feature);
  if (source === undefined) {
    for (const value of column.values) pos = writeValue(out, pos, value, 0, value.length);
    return pos;
  }
  const f = source.feature;
  for (const row of source.rows) {
    if (row === undefined) {
      pos = writeValue(out, pos, EMPTY, 0, 0);
      continue;
    }
    const { spans, source: bytes } = row;
    if (spans !== undefined && bytes !== undefined) {
      const base = (row.spanBase ?? 0) + 2 * f;
      const start = spans[base]!;
      pos =
        start < 0 ? writeValue(out, pos, EMPTY, 0, 0) : writeValue(out, pos, bytes, start, spans[base + 1]! - start);
    } else {
      const value = row.values[f] ?? EMPTY;
      pos = writeValue(out, pos, value, 0, value.length);
    }
  }
  return pos;
}

/**
 * The `1: string` entry of a name in `feature_names` (tag, length, UTF-8): what a column's `nameField`
 * holds when the caller encoded it once for many responses.
 */
export function encodeNameField(name: string): Uint8Array {
  const length = utf8Length(name);
  const out = Buffer.allocUnsafeSlow(1 + varintSize(length) + length);
  out[0] = TAG_1_LEN;
  writeUtf8(out, writeVarint(out, 1, length), name, length);
  return out;
}

const NO_BYTES: Buffer = Buffer.alloc(0);

/**
 * `feature_names` payloads (every column's nameField, concatenated) of answers whose builder knew it
 * (online-read.ts caches one per request shape): the encoder then copies it once instead of per column.
 * Keyed by the answer array itself, so an answer built or changed elsewhere is never given one.
 */
const namesSections = new WeakMap<readonly OutputColumn[], Uint8Array>();

/** Tells the encoder the `feature_names` payload of `columns` (their nameFields, concatenated in order). */
export function rememberNamesSection(columns: readonly OutputColumn[], section: Uint8Array): void {
  namesSections.set(columns, section);
}

/**
 * Encodes a GetOnlineFeaturesResponse straight from output columns:
 * `1: metadata { 1: feature_names { 1: repeated string } }`, then per column
 * `2: results { 1: repeated Value; 2: packed FieldStatus; 3: repeated Timestamp }`.
 * The columns of one view read share their statuses and times arrays (column-statuses.ts) unless a cell
 * differs, so those sections are encoded once per distinct array, not once per column (per-value
 * timestamp encoding was ≈ half of a 100 × 50 response); a column's precomputed `nameField` is copied.
 */
export function encodeOnlineResponse(columns: readonly OutputColumn[]): Uint8Array {
  const count = columns.length;
  let statusesOf: readonly number[] | undefined;
  let statusBytes: Buffer = NO_BYTES;
  let timesOf: readonly number[] | undefined;
  let timeBytes: Buffer = NO_BYTES;
  const section = namesSections.get(columns);
  const nameBytes = section === undefined ? new Array<number>(count) : undefined;
  const resultBytes = new Array<number>(count);
  let names = section === undefined ? 0 : section.length;
  let total = 0;
  for (let c = 0; c < count; c++) {
    const column = columns[c]!;
    if (nameBytes !== undefined) {
      const field = column.nameField;
      if (field !== undefined) {
        names += field.length;
      } else {
        const nameLength = utf8Length(column.name);
        nameBytes[c] = nameLength;
        names += 1 + varintSize(nameLength) + nameLength;
      }
    }
    if (column.statuses !== statusesOf) {
      statusesOf = column.statuses;
      statusBytes = statusSection(statusesOf);
    }
    if (column.timestampsMs !== timesOf) {
      timesOf = column.timestampsMs;
      timeBytes = timeSection(timesOf);
    }
    const statuses = statusBytes.length;
    const body = valuesSize(column) + 1 + varintSize(statuses) + statuses + timeBytes.length;
    resultBytes[c] = body;
    total += 1 + varintSize(body) + body;
  }
  const featureNames = 1 + varintSize(names) + names;
  total += 1 + varintSize(featureNames) + featureNames;

  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  out[pos++] = TAG_1_LEN;
  pos = writeVarint(out, pos, featureNames);
  out[pos++] = TAG_1_LEN;
  pos = writeVarint(out, pos, names);
  if (section !== undefined) {
    out.set(section, pos);
    pos += section.length;
  }
  for (let c = 0; nameBytes !== undefined && c < count; c++) {
    const column = columns[c]!;
    const field = column.nameField;
    if (field !== undefined) {
      copyBytes(out, pos, field, 0, field.length);
      pos += field.length;
    } else {
      out[pos++] = TAG_1_LEN;
      pos = writeVarint(out, pos, nameBytes[c]!);
      pos = writeUtf8(out, pos, column.name, nameBytes[c]!);
    }
  }
  statusesOf = undefined;
  timesOf = undefined;
  for (let c = 0; c < count; c++) {
    const column = columns[c]!;
    out[pos++] = TAG_2_LEN;
    pos = writeVarint(out, pos, resultBytes[c]!);
    pos = writeValues(out, pos, column);
    if (column.statuses !== statusesOf) {
      statusesOf = column.statuses;
      statusBytes = statusSection(statusesOf);
    }
    if (column.timestampsMs !== timesOf) {
      timesOf = column.timestampsMs;
      timeBytes = timeSection(timesOf);
    }
    out[pos++] = TAG_2_LEN;
    pos = writeVarint(out, pos, statusBytes.length);
    copyBytes(out, pos, statusBytes, 0, statusBytes.length);
    pos += statusBytes.length;
    copyBytes(out, pos, timeBytes, 0, timeBytes.length);
    pos += timeBytes.length;
  }
  if (pos !== total) throw new Error(`encodeOnlineResponse wrote ${pos} of ${total} bytes`);
  return out;
}
