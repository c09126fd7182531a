import type { OnlineStore } from "@larder/serving";
import type { OfflineStore, TimeWindow } from "../offline-store/offline-store.js";
import { createRowEncoder } from "./row-encoder.js";
import type { MaterializableView } from "./view-plan.js";

/** Progress of one view's run, reported after each written batch. */
export type ProgressListener = (view: string, rowsWritten: number) => void;

/** How a run is executed: in this process (local) or as shards on workers (bullmq, later). */
export interface BatchEngine {
  materializeView(
    view: MaterializableView,
    window: TimeWindow,
    onProgress: ProgressListener,
    signal?: AbortSignal,
  ): Promise<number>;
}

/**
 * The local engine: streams the latest row per entity key from the offline store in batches and
 * writes each batch to the online store (newest event wins there), one batch in flight while the
 * next is read.
 */
export function createLocalEngine(
  offline: OfflineStore,
  online: OnlineStore,
  options: { batchRows?: number } = {},
): BatchEngine {
  return {
    async materializeView(view, window, onProgress, signal) {
      const encode = createRowEncoder(view);
      let written = 0;
      let pending: Promise<void> = Promise.resolve();
      for await (const batch of offline.pullLatest(view.offline, window, { batchRows: options.batchRows ?? 10_000 })) {
        signal?.throwIfAborted();
        const rows = encode(batch);
        await pending;
        pending = online.write(view.online, rows).then(() => {
          written += rows.length;
          onProgress(view.name, written);
        });
        // A write failing while the next batch is read must not be an unhandled rejection (which ends
        // the process): it is observed here and rethrown by the `await pending` above or below.
        pending.catch(() => undefined);
      }
      await pending;
      return written;
    },
  };
}
