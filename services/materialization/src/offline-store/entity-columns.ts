import { InvalidArgumentError } from "@larder/core";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { inferValueType } from "./column-types.js";
import type { HistoricalRead } from "./offline-store.js";

/** Throws unless the entity table holds `event_timestamp` and every (mapped) join key the reads need. */
export function checkEntityColumns(columns: readonly string[], reads: readonly HistoricalRead[]): void {
  const needed = new Set(["event_timestamp"]);
  for (const read of reads) for (const key of read.view.joinKeys) needed.add(read.joinKeyMap[key.name] ?? key.name);
  const missing = [...needed].filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    throw new InvalidArgumentError(`The entity table lacks columns ${missing.join(", ")}; add them to the entity rows`);
  }
}

/** Column types of entity rows: join keys typed as the views declare them, event_timestamp a timestamp, the rest inferred. */
export function entityTypes(
  columns: ReadonlyMap<string, readonly unknown[]>,
  reads: readonly HistoricalRead[],
  typeOf: (type: ValueType) => string,
): Map<string, string> {
  const keyTypes = new Map<string, ValueType>();
  for (const read of reads) {
    for (const key of read.view.joinKeys) keyTypes.set(read.joinKeyMap[key.name] ?? key.name, key.type);
  }
  const types = new Map<string, string>();
  for (const [name, values] of columns) {
    const type = name === "event_timestamp" ? ValueType.UNIX_TIMESTAMP : (keyTypes.get(name) ?? inferValueType(values));
    types.set(name, typeOf(type));
  }
  return types;
}
