import { InvalidArgumentError, LarderError } from "@larder/core";
import type { Value } from "@larder/gen/es/larder/types/v1/value_pb";
import type { OnlineWriteRow } from "@larder/serving";
import type { InputTable } from "./input-table.js";
import { plainOf } from "./plain-value.js";
import { inputColumnOf, type TargetView } from "./push-targets.js";

/** One view's rows, coerced to its schema, ready for the stores the push writes to. */
export interface EncodedView {
  readonly target: TargetView;
  /** Empty unless asked for (`online`). */
  readonly online: OnlineWriteRow[];
  /** Offline columns: join keys and features under their feature names, timestamps under the source's names; empty unless asked for. */
  readonly offline: Map<string, unknown[]>;
  /** Coerced Values by join key / feature name (inputs of on-demand transforms); empty unless asked for. */
  readonly values: Map<string, Value[]>;
  readonly eventTimesMs: number[];
}

/** What a push needs of the coerced rows: each part costs per cell, so only what is written is built. */
export interface EncodeNeeds {
  readonly online: boolean;
  readonly offline: boolean;
  /** Coerced Values, for on-demand transforms reading this view. */
  readonly values: boolean;
}

const EVERYTHING: EncodeNeeds = { online: true, offline: true, values: true };

function requireColumn(table: InputTable, target: TargetView, name: string, role: string): string {
  const column = inputColumnOf(target, name, (c) => table.has(c));
  if (!table.has(column)) {
    throw new InvalidArgumentError(
      `Pushed rows lack ${role} column "${column}" of feature view "${target.name}"; every row needs the view's join keys, features and timestamp`,
    );
  }
  return column;
}

/**
 * Coerces every row for `target`; any bad cell throws INVALID_ARGUMENT naming its column and row.
 * Every cell is validated whatever `needs` says: a push is refused whole or written whole.
 */
export function encodeRows(table: InputTable, target: TargetView, needs: EncodeNeeds = EVERYTHING): EncodedView {
  const { joinKeys, features } = target;
  const keyColumns = joinKeys.map((k) => requireColumn(table, target, k.name, "join key"));
  const featureColumns = features.map((f) => requireColumn(table, target, f.name, "feature"));
  const tsColumn = requireColumn(table, target, target.timestampField, "timestamp");
  const createdColumn =
    target.createdField === "" ? undefined : requireColumn(table, target, target.createdField, "created timestamp");
  const values = new Map<string, Value[]>();
  const offline = new Map<string, unknown[]>();
  const keyValues: Value[][] = joinKeys.map(() => []);
  const featureValues: Value[][] = features.map(() => []);
  if (needs.values) {
    joinKeys.forEach((k, i) => values.set(k.name, keyValues[i]!));
    features.forEach((f, i) => values.set(f.name, featureValues[i]!));
  }
  const eventTimes: number[] = [];
  const created: (number | null)[] = [];
  const online: OnlineWriteRow[] = [];
  const rowCount = table.rowCount;
  const keys: Value[] = new Array<Value>(joinKeys.length);
  for (let row = 0; row < rowCount; row++) {
    for (let i = 0; i < joinKeys.length; i++) {
      const column = keyColumns[i]!;
      if (table.isNull(column, row)) {
        throw new InvalidArgumentError(`${table.where(column, row)}: join key "${joinKeys[i]!.name}" is null`);
      }
      const v = table.value(column, row, joinKeys[i]!.type);
      keys[i] = v;
      keyValues[i]!.push(v);
    }
    let allNull = true;
    for (let i = 0; i < features.length; i++) {
      const v = table.value(featureColumns[i]!, row, features[i]!.type);
      featureValues[i]!.push(v);
      if (v.val.case !== undefined && v.val.case !== "nullVal") allNull = false;
    }
    const eventTimeMs = table.timeMs(tsColumn, row);
    const createdMs =
      createdColumn === undefined || table.isNull(createdColumn, row) ? undefined : table.timeMs(createdColumn, row);
    let entityKey: Uint8Array;
    try {
      entityKey = target.encodeKey(keys);
    } catch (error) {
      if (error instanceof LarderError) throw new InvalidArgumentError(`row ${row}: ${error.message}`);
      throw error;
    }
    if (needs.online) {
      // A row with every feature null writes nothing (the stored row stays).
      const stored: (Uint8Array | undefined)[] = [];
      for (let i = 0; i < features.length; i++) {
        stored.push(allNull ? undefined : table.bytes(featureColumns[i]!, row, featureValues[i]![row]!));
      }
      online.push(
        createdMs === undefined
          ? { entityKey, eventTimeMs, values: stored }
          : { entityKey, eventTimeMs, createdTimeMs: createdMs, values: stored },
      );
    }
    eventTimes.push(eventTimeMs);
    created.push(createdMs ?? null);
  }
  if (needs.offline) {
    joinKeys.forEach((k, i) => offline.set(k.name, keyValues[i]!.map(plainOf)));
    features.forEach((f, i) => offline.set(f.name, featureValues[i]!.map(plainOf)));
    offline.set(target.timestampField, eventTimes);
    if (target.createdField !== "") offline.set(target.createdField, created);
  }
  return { target, online, offline, values, eventTimesMs: eventTimes };
}
