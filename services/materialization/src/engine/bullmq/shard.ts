import type { EntityBucket, TimeWindow } from "../../offline-store/offline-store.js";

/** One unit of work of a run, as BullMQ job data: a view's time slice and entity-hash bucket. */
export interface ShardData {
  readonly runId: string;
  readonly project: string;
  readonly view: string;
  /** Inclusive window of this slice. */
  readonly startMs: number;
  readonly endMs: number;
  readonly slice: EntityBucket;
  readonly bucket: EntityBucket;
}

/**
 * Splits a view's window into `slices` contiguous, non-overlapping inclusive slices, each into `buckets`
 * entity-hash buckets. Later slices may overwrite earlier ones only because online writes are newest-event-wins.
 */
export function planShards(
  base: { runId: string; project: string; view: string },
  window: TimeWindow,
  buckets: number,
  slices: number,
): ShardData[] {
  const span = window.endMs - window.startMs + 1;
  const sliceCount = Math.max(1, Math.min(Math.trunc(slices), span));
  const shards: ShardData[] = [];
  for (let s = 0; s < sliceCount; s++) {
    const startMs = window.startMs + Math.floor((span * s) / sliceCount);
    const endMs = s === sliceCount - 1 ? window.endMs : window.startMs + Math.floor((span * (s + 1)) / sliceCount) - 1;
    for (let b = 0; b < buckets; b++) {
      shards.push({
        ...base,
        startMs,
        endMs,
        slice: { index: s, count: sliceCount },
        bucket: { index: b, count: buckets },
      });
    }
  }
  return shards;
}

/** The BullMQ job id of a shard: stable, so re-adding the same run's shard is a no-op (BullMQ forbids ":"). */
export function shardJobId(shard: ShardData): string {
  return `${shard.runId}.${shard.view}.s${shard.slice.index}.b${shard.bucket.index}`;
}

/** "bucket 2 of 4, slice 1 of 1" (1-based) for messages. */
export function describeShard(shard: ShardData): string {
  return (
    `bucket ${shard.bucket.index + 1} of ${shard.bucket.count}, ` +
    `slice ${shard.slice.index + 1} of ${shard.slice.count}`
  );
}

function isPart(value: unknown): value is EntityBucket {
  if (typeof value !== "object" || value === null) return false;
  const { index, count } = value as Record<string, unknown>;
  return Number.isInteger(index) && Number.isInteger(count);
}

/** Checks job data read back from Redis; throws a plain Error naming what is wrong. */
export function parseShardData(data: unknown): ShardData {
  if (typeof data !== "object" || data === null) throw new Error("shard job data is not an object");
  const d = data as Record<string, unknown>;
  for (const field of ["runId", "project", "view"] as const) {
    if (typeof d[field] !== "string") throw new Error(`shard job data lacks ${field}`);
  }
  if (typeof d.startMs !== "number" || typeof d.endMs !== "number") throw new Error("shard job data lacks its window");
  if (!isPart(d.slice) || !isPart(d.bucket)) throw new Error("shard job data lacks its slice or bucket");
  return d as unknown as ShardData;
}
