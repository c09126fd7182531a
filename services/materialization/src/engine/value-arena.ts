/**
 * A growable byte buffer that a batch's serialized Values are written into, one after another. Writers
 * record offsets, never views: a view taken before the buffer grows would point at the old copy.
 */
export class ValueArena {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(64, capacity));
    this.view = new DataView(this.bytes.buffer);
  }

  /** Makes room for `more` bytes after `pos`. */
  ensure(more: number): void {
    if (this.pos + more <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + more));
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Appends bytes. */
  append(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.bytes.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Appends a varint of a non-negative safe integer. */
  varint(n: number): void {
    const out = this.bytes;
    let pos = this.pos;
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
    this.pos = pos;
  }

  /** Appends a negative int64 as protobuf does: ten bytes of two's complement. */
  negativeVarint(n: bigint): void {
    const out = this.bytes;
    let v = BigInt.asUintN(64, n);
    for (let i = 0; i < 9; i++) {
      out[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    out[this.pos++] = Number(v);
  }
}
