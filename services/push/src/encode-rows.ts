import { toBinary } from "@bufbuild/protobuf";
import { InvalidArgumentError, LarderError } from "@larder/core";
import { ValueSchema, type Value } from "@larder/gen/es/larder/types/v1/value_pb";
import { createEntityKeyEncoder, type OnlineWriteRow } from "@larder/serving";
import type { InputTable } from "./input-table.js";
import { plainOf } from "./plain-value.js";
import { inputColumnOf, type TargetView } from "./push-targets.js";

/** One view's rows, coerced to its schema, ready for both stores. */
export interface EncodedView {
  readonly target: TargetView;
  readonly online: OnlineWriteRow[];
  /** Offline columns: join keys and features under their feature names, timestamps under the source's names. */
  readonly offline: Map<string, unknown[]>;
  /** Coerced Values by join key / feature name (inputs of on-demand transforms). */
  readonly values: Map<string, Value[]>;
  readonly eventTimesMs: number[];
}

function requireColumn(table: InputTable, target: TargetView, name: string, role: string): string {
  const column = inputColumnOf(target.batchSource, name, (c) => table.has(c));
  if (!table.has(column)) {
    throw new InvalidArgumentError(
      `Pushed rows lack ${role} column "${column}" of feature view "${target.name}"; every row needs the view's join keys, features and timestamp`,
    );
  }
  return column;
}

/** Coerces every row for `target`; any bad cell throws INVALID_ARGUMENT naming its column and row. */
export function encodeRows(table: InputTable, target: TargetView): EncodedView {
  const keyColumns = target.joinKeys.map((k) => requireColumn(table, target, k.name, "join key"));
  const featureColumns = target.features.map((f) => requireColumn(table, target, f.name, "feature"));
  const tsColumn = requireColumn(table, target, target.timestampField, "timestamp");
  const createdColumn =
    target.createdField === "" ? undefined : requireColumn(table, target, target.createdField, "created timestamp");
  const encodeKey = createEntityKeyEncoder(
    target.joinKeys.map((k) => k.name),
    target.joinKeys.map((k) => k.type),
  );
  const values = new Map<string, Value[]>();
  const offline = new Map<string, unknown[]>();
  for (const c of [...target.joinKeys, ...target.features]) {
    values.set(c.name, []);
    offline.set(c.name, []);
  }
  const eventTimes: number[] = [];
  const created: (number | null)[] = [];
  const online: OnlineWriteRow[] = [];
  for (let row = 0; row < table.rowCount; row++) {
    const keys = target.joinKeys.map((k, i) => {
      if (table.isNull(keyColumns[i]!, row)) {
        throw new InvalidArgumentError(`${table.where(keyColumns[i]!, row)}: join key "${k.name}" is null`);
      }
      return table.value(keyColumns[i]!, row, k.type);
    });
    const features = target.features.map((f, i) => table.value(featureColumns[i]!, row, f.type));
    const eventTimeMs = table.timeMs(tsColumn, row);
    const createdMs =
      createdColumn === undefined || table.isNull(createdColumn, row) ? undefined : table.timeMs(createdColumn, row);
    let entityKey: Uint8Array;
    try {
      entityKey = encodeKey(keys);
    } catch (error) {
      if (error instanceof LarderError) throw new InvalidArgumentError(`row ${row}: ${error.message}`);
      throw error;
    }
    const allNull = features.every((v) => v.val.case === undefined || v.val.case === "nullVal");
    online.push({
      entityKey,
      eventTimeMs,
      ...(createdMs === undefined ? {} : { createdTimeMs: createdMs }),
      values: features.map((v) => (allNull ? undefined : toBinary(ValueSchema, v))),
    });
    [...keys, ...features].forEach((v, i) => {
      const name = i < keys.length ? target.joinKeys[i]!.name : target.features[i - keys.length]!.name;
      values.get(name)!.push(v);
      offline.get(name)!.push(plainOf(v));
    });
    eventTimes.push(eventTimeMs);
    created.push(createdMs ?? null);
  }
  offline.set(target.timestampField, eventTimes);
  if (target.createdField !== "") offline.set(target.createdField, created);
  return { target, online, offline, values, eventTimesMs: eventTimes };
}
