import { toBinary } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { coerceJsonToValue } from "@larder/core";
import { createEntityKeyEncoder, type OnlineWriteRow } from "@larder/serving";
import type { ColumnBatch } from "../offline-store/offline-store.js";
import type { MaterializableView } from "./view-plan.js";

/** Turns offline batches of a view into online rows: entity keys and serialized Values. */
export function createRowEncoder(view: MaterializableView): (batch: ColumnBatch) => OnlineWriteRow[] {
  const keys = view.offline.joinKeys;
  const features = view.offline.features;
  const encodeKey = createEntityKeyEncoder(
    keys.map((k) => k.name),
    keys.map((k) => k.type),
  );
  return (batch) => {
    const keyColumns = keys.map((k) => batch.columns.get(k.name) ?? []);
    const featureColumns = features.map((f) => batch.columns.get(f.name) ?? []);
    const eventTimes = batch.columns.get("event_timestamp") ?? [];
    const createdTimes = batch.columns.get("created_timestamp") ?? [];
    const rows: OnlineWriteRow[] = new Array<OnlineWriteRow>(batch.rowCount);
    const keyValues: Value[] = new Array<Value>(keys.length);
    for (let r = 0; r < batch.rowCount; r++) {
      for (let k = 0; k < keys.length; k++) {
        keyValues[k] = coerceJsonToValue(keyColumns[k]![r], keys[k]!.type, `${view.name}.${keys[k]!.name}`);
      }
      const values: Uint8Array[] = new Array<Uint8Array>(features.length);
      for (let f = 0; f < features.length; f++) {
        const raw = featureColumns[f]![r];
        values[f] = toBinary(
          ValueSchema,
          coerceJsonToValue(raw ?? null, features[f]!.type, `${view.name}.${features[f]!.name}`),
        );
      }
      const created = createdTimes[r];
      rows[r] = {
        entityKey: encodeKey(keyValues),
        eventTimeMs: Number(eventTimes[r]),
        ...(typeof created === "number" ? { createdTimeMs: created } : {}),
        values,
      };
    }
    return rows;
  };
}
