import type { RegistryApi } from "@larder/registry";
import type { OnlineStore, OnlineWriteRow } from "@larder/serving";
import type { OfflineStore } from "../../offline-store/offline-store.js";
import { createRowEncoder } from "../row-encoder.js";
import { viewsToMaterialize, type MaterializableView } from "../view-plan.js";
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
 * worker moves nothing backwards). One batch is written while the next is read, as the local engine
 * does. Reports the rows written so far after each write; returns the total.
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
  const writeBatch = async (rows: OnlineWriteRow[]): Promise<void> => {
    const step = deps.limiter.chunkRows;
    for (let at = 0; at < rows.length; at += step) {
      // Unlimited (or a small batch): the batch itself, not a copy.
      const chunk = at === 0 && rows.length <= step ? rows : rows.slice(at, at + step);
      await deps.limiter.acquire(chunk.length);
      await deps.online.write(view.online, chunk);
      written += chunk.length;
      await onProgress(written);
    }
  };
  let pending: Promise<void> = Promise.resolve();
  try {
    for await (const batch of pullShard(deps, view, shard)) {
      const rows = encode(batch);
      await pending;
      pending = writeBatch(rows);
      // Observed here so a write failing while the next batch is read is not an unhandled rejection;
      // the next `await pending` still throws it.
      pending.catch(() => undefined);
    }
    await pending;
  } finally {
    // A failed read leaves no write running behind the shard's failure (its retry may start at once).
    await pending.catch(() => undefined);
  }
  return written;
}

function pullShard(deps: ShardDeps, view: MaterializableView, shard: ShardData) {
  return deps.offline.pullLatest(
    view.offline,
    { startMs: shard.startMs, endMs: shard.endMs },
    { batchRows: deps.batchRows, bucket: shard.bucket },
  );
}
