import { InvalidArgumentError } from "@larder/core";
import type { EntityBucket, OfflineView } from "./offline-store.js";

/** Throws unless a bucket is `index` of `count` with 0 ≤ index < count (integers). */
export function checkBucket(bucket: EntityBucket | undefined): EntityBucket | undefined {
  if (bucket === undefined) return undefined;
  const { index, count } = bucket;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new InvalidArgumentError(`bucket must be an index in [0, count) with count ≥ 1, got ${index} of ${count}`);
  }
  return bucket;
}

/**
 * The SQL condition keeping one bucket's join keys, given the dialect's hash of the quoted key columns.
 * A view without join keys has one key (the empty tuple), which lives in bucket 0.
 */
export function bucketCondition(
  view: OfflineView,
  bucket: EntityBucket | undefined,
  quote: (identifier: string) => string,
  hashOf: (keys: readonly string[]) => string,
): string | undefined {
  if (bucket === undefined || bucket.count === 1) return undefined;
  if (view.joinKeys.length === 0) return bucket.index === 0 ? "TRUE" : "FALSE";
  return `(${hashOf(view.joinKeys.map((key) => quote(key.name)))}) % ${bucket.count} = ${bucket.index}`;
}
