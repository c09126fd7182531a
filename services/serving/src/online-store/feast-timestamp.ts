// google.protobuf.Timestamp bytes as Feast stores them in `_ts:<view>` (field 1 seconds, field 2 nanos,
// both varints, zero fields omitted). Hand-written because reads decode one per row; checked against
// protobuf-es by round-trip tests.

/** Splits event time ms into Timestamp seconds and nanos, rounded to the microsecond as Python datetimes are. */
export function splitEventTime(ms: number): { seconds: number; nanos: number } {
  let seconds = Math.floor(ms / 1000);
  let micros = Math.round((ms - seconds * 1000) * 1000);
  if (micros >= 1_000_000) {
    seconds += 1;
    micros -= 1_000_000;
  }
  return { seconds, nanos: micros * 1000 };
}

function pushVarint(out: number[], value: bigint): void {
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** Serializes a Timestamp for the given event time ms. */
export function encodeFeastTimestamp(ms: number): Buffer {
  const { seconds, nanos } = splitEventTime(ms);
  const out: number[] = [];
  if (seconds !== 0) {
    out.push(0x08);
    pushVarint(out, BigInt(seconds));
  }
  if (nanos !== 0) {
    out.push(0x10);
    pushVarint(out, BigInt(nanos));
  }
  return Buffer.from(out);
}

/** Reads the varint at `pos` exactly as int64: 49-bit values in plain numbers, longer ones (negatives) via BigInt. */
function readVarint(bytes: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = pos; i < pos + 10; i++) {
    if (i >= bytes.length) throw new RangeError("Timestamp varint is truncated");
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) {
      if (i - pos < 7) return { value, next: i + 1 };
      let big = 0n;
      for (let j = i; j >= pos; j--) big = (big << 7n) | BigInt(bytes[j]! & 0x7f);
      return { value: Number(BigInt.asIntN(64, big)), next: i + 1 };
    }
  }
  throw new RangeError("Timestamp varint is too long");
}

/** Decodes a Timestamp into event time ms; throws RangeError on malformed bytes. */
export function decodeFeastTimestamp(bytes: Uint8Array): number {
  let seconds = 0;
  let nanos = 0;
  let pos = 0;
  while (pos < bytes.length) {
    const tag = readVarint(bytes, pos);
    pos = tag.next;
    const wire = tag.value % 8;
    if (wire === 0) {
      const v = readVarint(bytes, pos);
      pos = v.next;
      if (tag.value === 0x08) seconds = v.value;
      else if (tag.value === 0x10) nanos = v.value;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const length = readVarint(bytes, pos);
      if (length.value < 0) throw new RangeError("Timestamp field has a negative length");
      pos = length.next + length.value;
    } else throw new RangeError(`Timestamp has an unsupported wire type ${wire}`);
  }
  if (pos > bytes.length) throw new RangeError("Timestamp field is truncated");
  return seconds * 1000 + nanos / 1e6;
}
