import type { OnlineWriteRow } from "@larder/serving";

/**
 * A row written by the row encoder: its values are spans of the batch's arena (the spanned form the larder
 * Redis layout packs from, as OnlineRow's zero-copy form on the read side), so no object is made per value;
 * `values` materializes views only for a store that asks for them (SQLite, the feast layout).
 */
export class EncodedRow implements OnlineWriteRow {
  private materialized: Uint8Array[] | undefined;

  constructor(
    readonly entityKey: Uint8Array,
    readonly eventTimeMs: number,
    readonly createdTimeMs: number | undefined,
    readonly source: Uint8Array,
    readonly spans: Int32Array,
    readonly spanBase: number,
    readonly valueCount: number,
  ) {}

  get values(): readonly Uint8Array[] {
    if (this.materialized === undefined) {
      const values = new Array<Uint8Array>(this.valueCount);
      for (let f = 0; f < this.valueCount; f++) {
        const at = this.spanBase + 2 * f;
        values[f] = this.source.subarray(this.spans[at], this.spans[at + 1]);
      }
      this.materialized = values;
    }
    return this.materialized;
  }
}
