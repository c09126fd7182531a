import type { LarderError } from "@larder/core";
import { describeShard, type ShardData } from "./shard.js";
import { runFailure } from "./shard-failure.js";

/**
 * Follows the shards of one view's run: sums the rows each reports (a shard re-run after a killed
 * worker never lowers the reported total), resolves with the rows of all completed shards, and rejects
 * on the first shard that failed for good.
 */
export class RunTracker {
  readonly done: Promise<number>;
  private readonly pending: Map<string, ShardData>;
  private readonly rows = new Map<string, number>();
  private reported = 0;
  private resolve!: (rows: number) => void;
  private reject!: (error: unknown) => void;
  private finished = false;

  constructor(
    private readonly view: string,
    shards: ReadonlyMap<string, ShardData>,
    private readonly onProgress: (view: string, rowsWritten: number) => void,
  ) {
    this.pending = new Map(shards);
    this.done = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.done.catch(() => undefined);
    if (this.pending.size === 0) this.settle();
  }

  /** Ids of the shards not finished yet. */
  pendingIds(): string[] {
    return [...this.pending.keys()];
  }

  get isFinished(): boolean {
    return this.finished;
  }

  progress(jobId: string, rows: unknown): void {
    if (!this.pending.has(jobId) || typeof rows !== "number") return;
    this.rows.set(jobId, Math.max(this.rows.get(jobId) ?? 0, rows));
    this.report();
  }

  completed(jobId: string, rows: unknown): void {
    if (!this.pending.has(jobId)) return;
    this.pending.delete(jobId);
    this.rows.set(jobId, typeof rows === "number" ? rows : 0);
    this.report();
    if (this.pending.size === 0) this.settle();
  }

  failed(jobId: string, reason: string, attempts: number): void {
    const shard = this.pending.get(jobId);
    if (shard === undefined || this.finished) return;
    const what =
      `materialization of feature view "${this.view}" failed in shard ${jobId} ` +
      `(${describeShard(shard)}) after ${attempts} attempt${attempts === 1 ? "" : "s"}`;
    this.fail(runFailure(what, reason));
  }

  fail(error: LarderError | Error): void {
    if (this.finished) return;
    this.finished = true;
    this.reject(error);
  }

  private report(): void {
    let total = 0;
    for (const rows of this.rows.values()) total += rows;
    if (total > this.reported) {
      this.reported = total;
      this.onProgress(this.view, total);
    }
  }

  private settle(): void {
    if (this.finished) return;
    this.finished = true;
    let total = 0;
    for (const rows of this.rows.values()) total += rows;
    this.resolve(total);
  }
}
