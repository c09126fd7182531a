// Short-lived arrays of the read path carved out of shared slabs.
//
// A typed array over 64 bytes gets its own ArrayBuffer, and V8 frees each dead one one by one inside
// the young-generation pause: measured here at ≈1 µs each, 1.6–1.8 ms of a 3 ms scavenge at 1,000
// requests/s, which is the serving tail (bench/serving.ts). Per-request span arrays and copied Redis
// replies are therefore views into a slab shared by many requests; a full slab is left to the garbage
// collector once the last view into it dies, and a new one is started (slabs are never reused, so a
// view is never overwritten).

/** Ints per Int32 slab (64 KB). */
const INT_SLAB_LENGTH = 16 * 1024;
/** Up to this many ints a typed array stays inside V8's heap (no ArrayBuffer of its own). */
const ON_HEAP_INTS = 16;

let intSlab = new Int32Array(INT_SLAB_LENGTH);
let intsUsed = 0;

/** A zeroed Int32Array of `length` that no one else sees (a view into a slab when that saves a buffer). */
export function takeInt32Array(length: number): Int32Array {
  if (length <= ON_HEAP_INTS || length > INT_SLAB_LENGTH / 4) return new Int32Array(length);
  if (intsUsed + length > INT_SLAB_LENGTH) {
    intSlab = new Int32Array(INT_SLAB_LENGTH);
    intsUsed = 0;
  }
  const start = intsUsed;
  intsUsed += length;
  return intSlab.subarray(start, intsUsed);
}

/** Bytes per copy slab (64 KB). */
const BYTE_SLAB_LENGTH = 64 * 1024;

/** Copies of byte ranges, kept in slabs of one ArrayBuffer each (one slab per owner, e.g. per connection). */
export class ByteSlab {
  private slab = Buffer.allocUnsafeSlow(BYTE_SLAB_LENGTH);
  private used = 0;

  /** A copy of `source[start, end)` that no later copy overwrites. */
  copy(source: Uint8Array, start: number, end: number): Buffer {
    const length = end - start;
    if (length > BYTE_SLAB_LENGTH / 4) return Buffer.from(source.subarray(start, end));
    if (this.used + length > BYTE_SLAB_LENGTH) {
      this.slab = Buffer.allocUnsafeSlow(BYTE_SLAB_LENGTH);
      this.used = 0;
    }
    const at = this.used;
    this.slab.set(source.subarray(start, end), at);
    this.used += length;
    return this.slab.subarray(at, this.used);
  }
}
