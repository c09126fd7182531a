import { fromBinary } from "@bufbuild/protobuf";
import { PushRequestSchema, type PushRequest } from "@larder/gen/es/larder/push/v1/push_service_pb";
import type { RepeatedValue, Value } from "@larder/gen/es/larder/types/v1/value_pb";

// Hand decoder for PushRequest over gRPC, the push path's input. protobuf-es's reflective fromBinary
// cost ≈ 3.5 µs per pushed cell (more than the rest of a one-row push's own work), and the stored form
// of a cell is its Value's wire bytes, which the request already holds: this decoder builds the same
// message objects as fromBinary and remembers, per column, each cell's Value bytes, so a cell that
// needs no coercion is stored as those bytes (no re-encoding). It only reads the canonical encoding
// (what toBinary writes: minimal varints, one field per Value, known scalar kinds, valid UTF-8, no
// NaN payloads); anything else returns fromBinary's message, without remembered bytes, so the result
// always equals fromBinary's and remembered bytes always equal toBinary of their Value.

const REQUEST = "larder.push.v1.PushRequest";
const REPEATED_VALUE = "larder.types.v1.RepeatedValue";
const VALUE = "larder.types.v1.Value";

/** Thrown inside the decoder when the input leaves the fast path; never escapes (one instance, no stack per throw). */
class NotCanonical extends Error {}
const NOT_CANONICAL = new NotCanonical("not the canonical encoding the fast decoder reads");

const VALUE_BYTES = Symbol("larder.push.valueBytes");
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Each cell's Value wire bytes of a column the hand decoder read; undefined for any other message. */
export function valueBytesOf(column: RepeatedValue): readonly Uint8Array[] | undefined {
  return (column as { [VALUE_BYTES]?: readonly Uint8Array[] })[VALUE_BYTES];
}

class Reader {
  pos = 0;
  end: number;
  readonly text: Buffer;
  private view: DataView | undefined;

  constructor(readonly buf: Uint8Array) {
    this.end = buf.length;
    this.text = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A minimal varint of up to 7 bytes (< 2^49) as a number; longer or padded ones leave the fast path. */
  varint(): number {
    const { buf, end } = this;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= end) throw NOT_CANONICAL;
      const byte = buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (byte === 0 && i > 0) throw NOT_CANONICAL;
        return result;
      }
      scale *= 0x80;
    }
    throw NOT_CANONICAL;
  }

  limit(): number {
    const length = this.varint();
    const stop = this.pos + length;
    if (stop > this.end) throw NOT_CANONICAL;
    return stop;
  }

  /** A length-delimited string: ASCII through latin1, other text only when it is valid UTF-8. */
  string(): string {
    const stop = this.limit();
    const { buf, pos } = this;
    this.pos = stop;
    for (let i = pos; i < stop; i++) {
      if (buf[i]! >= 0x80) {
        try {
          return utf8.decode(buf.subarray(pos, stop));
        } catch {
          throw NOT_CANONICAL;
        }
      }
    }
    return this.text.toString("latin1", pos, stop);
  }

  fixed(size: 4 | 8): number {
    if (this.pos + size > this.end) throw NOT_CANONICAL;
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const x = size === 4 ? this.view.getFloat32(this.pos, true) : this.view.getFloat64(this.pos, true);
    this.pos += size;
    // toBinary writes every NaN as the one quiet NaN: leave any NaN to the generated decoder.
    if (Number.isNaN(x)) throw NOT_CANONICAL;
    return x;
  }
}

function readValue(r: Reader): Value {
  if (r.pos === r.end) return { $typeName: VALUE, val: { case: undefined } };
  const tag = r.varint();
  let val: Value["val"];
  switch (tag) {
    case 0x0a: {
      const stop = r.limit();
      val = { case: "bytesVal", value: r.buf.subarray(r.pos, stop) };
      r.pos = stop;
      break;
    }
    case 0x12:
      val = { case: "stringVal", value: r.string() };
      break;
    case 0x18: {
      // Non-negative int32 only (a negative one is a 10-byte varint: generated decoder).
      const n = r.varint();
      if (n > 0x7fffffff) throw NOT_CANONICAL;
      val = { case: "int32Val", value: n };
      break;
    }
    case 0x20:
      val = { case: "int64Val", value: BigInt(r.varint()) };
      break;
    case 0x29:
      val = { case: "doubleVal", value: r.fixed(8) };
      break;
    case 0x35:
      val = { case: "floatVal", value: r.fixed(4) };
      break;
    case 0x38: {
      const b = r.varint();
      if (b > 1) throw NOT_CANONICAL;
      val = { case: "boolVal", value: b === 1 };
      break;
    }
    case 0x40:
      val = { case: "unixTimestampVal", value: BigInt(r.varint()) };
      break;
    case 152:
      // null_val = 19 (tag bytes 0x98 0x01), NULL_UNSPECIFIED.
      if (r.varint() !== 0) throw NOT_CANONICAL;
      val = { case: "nullVal", value: 0 };
      break;
    default:
      throw NOT_CANONICAL;
  }
  // A second field in one Value (last one wins in protobuf) is left to the generated decoder.
  if (r.pos !== r.end) throw NOT_CANONICAL;
  return { $typeName: VALUE, val };
}

function readRepeatedValue(r: Reader): RepeatedValue {
  const values: Value[] = [];
  const bytes: Uint8Array[] = [];
  const outer = r.end;
  while (r.pos < outer) {
    if (r.varint() !== 0x0a) throw NOT_CANONICAL;
    const stop = r.limit();
    const start = r.pos;
    r.end = stop;
    values.push(readValue(r));
    r.end = outer;
    bytes.push(r.buf.subarray(start, stop));
  }
  const column: RepeatedValue = { $typeName: REPEATED_VALUE, val: values };
  Object.defineProperty(column, VALUE_BYTES, { value: bytes });
  return column;
}

/** One map entry { 1: string key, 2: RepeatedValue }, each at most once, into `into`. */
function readColumnEntry(r: Reader, into: Record<string, RepeatedValue>): void {
  const outer = r.end;
  const stop = r.limit();
  r.end = stop;
  let key: string | undefined;
  let value: RepeatedValue | undefined;
  while (r.pos < stop) {
    const tag = r.varint();
    if (tag === 0x0a && key === undefined) key = r.string();
    else if (tag === 0x12 && value === undefined) {
      const end = r.limit();
      r.end = end;
      value = readRepeatedValue(r);
      r.end = stop;
    } else throw NOT_CANONICAL;
  }
  r.end = outer;
  key ??= "";
  // A key the object model treats specially, or a repeated key, is left to the generated decoder.
  if (key === "__proto__" || Object.hasOwn(into, key)) throw NOT_CANONICAL;
  if (value === undefined) {
    value = { $typeName: REPEATED_VALUE, val: [] };
    Object.defineProperty(value, VALUE_BYTES, { value: [] });
  }
  into[key] = value;
}

function decodeFast(bytes: Uint8Array): PushRequest {
  const r = new Reader(bytes);
  const columns: Record<string, RepeatedValue> = {};
  const request: PushRequest = {
    $typeName: REQUEST,
    pushSourceName: "",
    columns,
    to: 0,
    allowRegistryCache: false,
    transformOnWrite: false,
    idempotencyKey: "",
    skipTransformOnWrite: false,
  };
  while (r.pos < r.end) {
    const tag = r.varint();
    switch (tag) {
      case 0x0a:
        request.pushSourceName = r.string();
        break;
      case 0x12:
        readColumnEntry(r, columns);
        break;
      case 0x18: {
        // Negative or out-of-range enum numbers are left to the generated decoder.
        const to = r.varint();
        if (to > 0x7fffffff) throw NOT_CANONICAL;
        request.to = to;
        break;
      }
      case 0x20:
        request.allowRegistryCache = r.varint() !== 0;
        break;
      case 0x28:
        request.transformOnWrite = r.varint() !== 0;
        break;
      case 0x32:
        request.idempotencyKey = r.string();
        break;
      case 0x38:
        request.skipTransformOnWrite = r.varint() !== 0;
        break;
      default:
        throw NOT_CANONICAL;
    }
  }
  return request;
}

/**
 * Decodes a PushRequest: the hand decoder for canonical input (with each cell's Value bytes kept, see
 * valueBytesOf), the generated one for the rest (which also throws on malformed bytes, as fromBinary does).
 */
export function decodePushRequest(bytes: Uint8Array): PushRequest {
  try {
    return decodeFast(bytes);
  } catch (error) {
    if (!(error instanceof NotCanonical)) throw error;
    return fromBinary(PushRequestSchema, bytes);
  }
}
