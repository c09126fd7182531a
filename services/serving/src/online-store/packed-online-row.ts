import type { OnlineRow } from "./online-store.js";

/**
 * A row of the larder layout read in place: values are spans of the Redis reply (OnlineRow's zero-copy
 * form); the `values` array of subarrays is built only if a consumer asks for it.
 */
export class PackedOnlineRow implements OnlineRow {
  private materialized: (Uint8Array | undefined)[] | undefined;

  constructor(
    readonly source: Uint8Array,
    readonly eventTimeMs: number,
    readonly spans: Int32Array,
    readonly spanBase: number,
    private readonly count: number,
  ) {}

  get values(): readonly (Uint8Array | undefined)[] {
    if (this.materialized === undefined) {
      const values = new Array<Uint8Array | undefined>(this.count);
      for (let f = 0; f < this.count; f++) {
        const start = this.spans[this.spanBase + 2 * f]!;
        values[f] = start < 0 ? undefined : this.source.subarray(start, this.spans[this.spanBase + 2 * f + 1]);
      }
      this.materialized = values;
    }
    return this.materialized;
  }
}
