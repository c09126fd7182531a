import type { Logger } from "@larder/core";
import type { DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import type { ColumnBatch, OfflineStore } from "@larder/materialization";

export interface OfflineBatcherOptions {
  /** Rows that trigger a flush of one source's queue. */
  readonly batchSize: number;
  /** Longest time rows wait in the queue. */
  readonly intervalMs: number;
}

interface Queue {
  source: DataSource;
  batches: ColumnBatch[];
  rows: number;
}

/** Joins batches into one, filling columns a batch lacks with nulls. */
export function concatBatches(batches: readonly ColumnBatch[]): ColumnBatch {
  const names = [...new Set(batches.flatMap((b) => [...b.columns.keys()]))];
  const columns = new Map<string, unknown[]>(names.map((n) => [n, []]));
  for (const batch of batches) {
    for (const name of names) {
      const target = columns.get(name)!;
      const values = batch.columns.get(name);
      for (let r = 0; r < batch.rowCount; r++) target.push(values === undefined ? null : values[r]);
    }
  }
  return { rowCount: batches.reduce((n, b) => n + b.rowCount, 0), columns };
}

/**
 * Feast's offline push batching: offline rows are queued per batch source and appended when a queue
 * reaches `batchSize` rows or `intervalMs` passed; `close()` flushes what is left (graceful shutdown).
 * A failed flush keeps its rows queued for the next attempt; appends are idempotent on whole rows.
 */
export class OfflineBatcher {
  private readonly queues = new Map<string, Queue>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly offline: OfflineStore,
    private readonly options: OfflineBatcherOptions,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), options.intervalMs);
    this.timer.unref();
  }

  /** Rows waiting across every source. */
  get pendingRows(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.rows;
    return n;
  }

  enqueue(source: DataSource, batch: ColumnBatch): void {
    const key = `${source.project}\u0000${source.name}`;
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = { source, batches: [], rows: 0 };
      this.queues.set(key, queue);
    }
    queue.batches.push(batch);
    queue.rows += batch.rowCount;
    if (queue.rows >= this.options.batchSize) void this.flush().catch(() => undefined);
  }

  /** Appends every queue; one flush at a time. Rejects if any append failed (its rows stay queued). */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    let failure: Error | undefined;
    for (const [key, queue] of [...this.queues]) {
      if (queue.rows === 0) continue;
      const taken = queue.batches;
      queue.batches = [];
      queue.rows = 0;
      try {
        await this.offline.append(queue.source, concatBatches(taken));
      } catch (error) {
        queue.batches.unshift(...taken);
        queue.rows += taken.reduce((n, b) => n + b.rowCount, 0);
        this.logger.warn({ err: error, source: queue.source.name }, "offline push batch failed; kept for retry");
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
      if (queue.rows === 0) this.queues.delete(key);
    }
    if (failure !== undefined) throw failure;
  }

  /** Stops the timer and flushes what is queued. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.flush();
    } catch (error) {
      this.logger.error({ err: error, rows: this.pendingRows }, "offline push rows could not be flushed at shutdown");
    }
  }
}
