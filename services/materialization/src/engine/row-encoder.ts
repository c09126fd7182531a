import type { OnlineWriteRow } from "@larder/serving";
import type { ColumnBatch } from "../offline-store/offline-store.js";
import { EncodedRow } from "./encoded-row.js";
import { createEntityKeyWriter } from "./entity-key-writer.js";
import { ValueArena } from "./value-arena.js";
import { createValueWriter } from "./value-writers.js";
import type { MaterializableView } from "./view-plan.js";

/** Bytes reserved per value up front (a tag and a varint or a float); strings grow the arena. */
const BYTES_PER_VALUE = 10;

/**
 * Turns offline batches of a view into online rows: entity keys and serialized Values. A batch's Values
 * are written column by column (one writer per column, chosen once) into one arena; rows hold spans of it.
 */
export function createRowEncoder(view: MaterializableView): (batch: ColumnBatch) => OnlineWriteRow[] {
  const keys = view.offline.joinKeys;
  const features = view.offline.features;
  const writeKey = createEntityKeyWriter(keys, view.name);
  const writers = features.map((f) => createValueWriter(f.type, `${view.name}.${f.name}`));
  return (batch) => {
    const n = batch.rowCount;
    const count = features.length;
    const keyColumns = keys.map((k) => batch.columns.get(k.name) ?? []);
    const eventTimes = batch.columns.get("event_timestamp") ?? [];
    const createdTimes = batch.columns.get("created_timestamp") ?? [];
    const arena = new ValueArena(n * count * BYTES_PER_VALUE);
    // spans[2 * (r * count + f)] and the next: where feature f of row r starts and ends in the arena.
    const spans = new Int32Array(2 * n * count);
    for (let f = 0; f < count; f++) {
      const column = batch.columns.get(features[f]!.name) ?? [];
      const write = writers[f]!;
      for (let r = 0; r < n; r++) {
        const at = 2 * (r * count + f);
        spans[at] = arena.pos;
        write(arena, column[r]);
        spans[at + 1] = arena.pos;
      }
    }
    const rows = new Array<OnlineWriteRow>(n);
    for (let r = 0; r < n; r++) {
      const created = createdTimes[r];
      rows[r] = new EncodedRow(
        writeKey(keyColumns, r),
        Number(eventTimes[r]),
        typeof created === "number" ? created : undefined,
        arena.bytes,
        spans,
        2 * r * count,
        count,
      );
    }
    return rows;
  };
}
