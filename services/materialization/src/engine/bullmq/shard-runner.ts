import type { RegistryApi } from "@larder/registry";
import type { OnlineStore } from "@larder/serving";
import type { OfflineStore } from "../../offline-store/offline-store.js";
import { createRowEncoder } from "../row-encoder.js";
import { viewsToMaterialize } from "../view-plan.js";
import type { RowRateLimiter } from "./rate-limiter.js";
import type { ShardData } from "./shard.js";

export interface ShardDeps {
  readonly registry: RegistryApi;
  readonly offline: OfflineStore;
  readonly online: OnlineStore;
  readonly limiter: RowRateLimiter;
  readonly batchRows: number;
}

/**
 * Runs one shard: rebuilds the view from the current registry snapshot, pulls the latest row per key of
 * its bucket and slice, and writes them to the online store (newest event wins, so a re-run after a killed
 * worker moves nothing backwards). Reports the rows written so far after each write; returns the total.
 */
export async function runShard(
  shard: ShardData,
  deps: ShardDeps,
  onProgress: (rowsWritten: number) => Promise<void>,
): Promise<number> {
  const snapshot = await deps.registry.snapshot();
  const [view] = viewsToMaterialize(snapshot, shard.project, [shard.view]);
  if (view === undefined) return 0;
  const encode = createRowEncoder(view);
  let written = 0;
  const batches = deps.offline.pullLatest(
    view.offline,
    { startMs: shard.startMs, endMs: shard.endMs },
    { batchRows: deps.batchRows, bucket: shard.bucket },
  );
  for await (const batch of batches) {
    const rows = encode(batch);
    for (let at = 0; at < rows.length; at += deps.limiter.chunkRows) {
      const chunk = rows.slice(at, at + deps.limiter.chunkRows);
      await deps.limiter.acquire(chunk.length);
      await deps.online.write(view.online, chunk);
      written += chunk.length;
      await onProgress(written);
    }
  }
  return written;
}
