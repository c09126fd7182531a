import { InvalidArgumentError } from "@larder/core";
import type { OnlineReadRequest, OnlineRow, OnlineView, OnlineWriteRow } from "./online-store.js";
import { spannedValuesOf } from "./packed-row.js";
import type { CommandBatch } from "./redis-batch.js";
import type { RedisClient } from "./redis-client.js";

/** How one Redis key layout reads, writes and deletes; every read is one command per entity key. */
export interface RedisLayout {
  /** Queues one command per entity key of the request. */
  queueRead(batch: CommandBatch, request: OnlineReadRequest): void;
  /** Decodes the replies of one request (one per entity key, in order). */
  decodeRead(request: OnlineReadRequest, replies: readonly unknown[], offset: number): (OnlineRow | undefined)[];
  /**
   * Queues the compare-and-set of rows (already checked), each atomic per entity key; every command's reply
   * is the number of its rows written. With `cluster`, no command holds keys of two hash slots.
   */
  queueWrites(batch: CommandBatch, view: OnlineView, rows: readonly OnlineWriteRow[], cluster: boolean): void;
  deleteView(client: RedisClient, cluster: boolean, view: OnlineView): Promise<void>;
  /** Entity keys (without prefix or project) of the rows the layout may hold for `view`. */
  scanEntityKeys(client: RedisClient, view: OnlineView): AsyncIterable<readonly Uint8Array[]>;
}

/** Checks a write row against its view; false when it carries no value at all (counted as skipped). */
export function checkWriteRow(view: OnlineView, row: OnlineWriteRow): boolean {
  // A spanned row is checked on its spans: reading `values` would make the views it exists to avoid.
  const spanned = spannedValuesOf(row);
  const count = spanned === undefined ? row.values.length : spanned.valueCount;
  if (count !== view.features.length) {
    throw new InvalidArgumentError(
      `A row for feature view "${view.name}" has ${count} values but the view has ${view.features.length} features`,
    );
  }
  if (!Number.isFinite(row.eventTimeMs)) {
    throw new InvalidArgumentError(`A row for feature view "${view.name}" has no valid event timestamp`);
  }
  if (spanned === undefined) return row.values.some((v) => v !== undefined);
  for (let f = 0; f < count; f++) if (spanned.spans[spanned.spanBase + 2 * f]! >= 0) return true;
  return false;
}

/** Caches a value per object identity (views and feature lists are resolved once per registry version). */
export function identityCache<K extends object, V>(build: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = build(key);
      cache.set(key, value);
    }
    return value;
  };
}
