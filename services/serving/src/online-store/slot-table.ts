/**
 * Maps feature-name hashes (u32) to result slots with open addressing in typed arrays: the per-entry
 * lookup of a packed-row read, without a Map probe or an object per entry.
 */
export class SlotTable {
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly slots: Int32Array;

  /** `hashes[i]` is the hash of the feature that goes to slot `i`; hashes must be distinct. */
  constructor(hashes: readonly number[]) {
    let size = 8;
    while (size < hashes.length * 2) size *= 2;
    this.mask = size - 1;
    this.keys = new Uint32Array(size);
    this.slots = new Int32Array(size).fill(-1);
    hashes.forEach((hash, slot) => {
      let i = hash & this.mask;
      while (this.slots[i]! >= 0) i = (i + 1) & this.mask;
      this.keys[i] = hash;
      this.slots[i] = slot;
    });
  }

  /** The slot of `hash`, or -1 when it is not one of the table's features. */
  get(hash: number): number {
    let i = hash & this.mask;
    for (;;) {
      const slot = this.slots[i]!;
      if (slot < 0 || this.keys[i] === hash) return slot;
      i = (i + 1) & this.mask;
    }
  }
}
