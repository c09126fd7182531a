import { silentLogger, type Logger } from "@larder/core";
import type { RegistryApi } from "@larder/registry";
import type { OnlineStore } from "@larder/serving";
import { Worker, type Job } from "bullmq";
import type { OfflineStore } from "../../offline-store/offline-store.js";
import { bullmqConnection } from "./connection.js";
import { createRowRateLimiter } from "./rate-limiter.js";
import { parseShardData, describeShard } from "./shard.js";
import { shardFailure } from "./shard-failure.js";
import { runShard } from "./shard-runner.js";

export interface MaterializationWorkerOptions {
  readonly redisUrl: string;
  readonly queueName: string;
  readonly registry: RegistryApi;
  readonly offline: OfflineStore;
  readonly online: OnlineStore;
  /** Shards run at once by this worker. @default 1 */
  readonly concurrency?: number;
  /** Online-store rows per second for this worker, all its shards together; 0 = unlimited. @default 0 */
  readonly writeRateLimitRowsPerSecond?: number;
  /** How often this worker looks for shards whose worker died (lock expired). @default 30000 */
  readonly stalledIntervalMs?: number;
  /** How long a shard's lock lives without renewal; a killed worker's shard is re-run after it. @default 30000 */
  readonly lockDurationMs?: number;
  /** Times a shard may be found stalled before it fails. @default 2 */
  readonly maxStalledCount?: number;
  /** Rows per offline batch. @default 10000 */
  readonly batchRows?: number;
  readonly logger?: Logger;
}

export interface MaterializationWorker {
  readonly queueName: string;
  /** Stops taking shards and waits for the active ones to finish (graceful shutdown). */
  close(): Promise<void>;
}

/** Starts a BullMQ worker that runs materialization shards; resolves once it is connected to Redis. */
export async function startMaterializationWorker(
  options: MaterializationWorkerOptions,
): Promise<MaterializationWorker> {
  const logger = options.logger ?? silentLogger();
  const limiter = createRowRateLimiter(options.writeRateLimitRowsPerSecond ?? 0);
  const deps = {
    registry: options.registry,
    offline: options.offline,
    online: options.online,
    limiter,
    batchRows: options.batchRows ?? 10_000,
  };
  const processShard = async (job: Job): Promise<number> => {
    const shard = parseShardData(job.data);
    const started = Date.now();
    logger.info({ jobId: job.id, view: shard.view, attempt: job.attemptsMade + 1 }, "shard started");
    try {
      const rows = await runShard(shard, deps, (written) => job.updateProgress(written));
      logger.info({ jobId: job.id, view: shard.view, rows, ms: Date.now() - started }, "shard done");
      return rows;
    } catch (error) {
      logger.warn({ err: error, jobId: job.id, view: shard.view, shard: describeShard(shard) }, "shard failed");
      throw shardFailure(error, logger);
    }
  };
  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker(options.queueName, processShard, {
    connection: bullmqConnection(options.redisUrl),
    concurrency: options.concurrency ?? 1,
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 2,
    autorun: true,
  });
  worker.on("error", (error) => logger.warn({ err: error }, "materialization worker error"));
  await worker.waitUntilReady();
  return {
    queueName: options.queueName,
    close: () => worker.close(),
  };
}
