import { randomUUID } from "node:crypto";
import { AbortedError, UnavailableError, silentLogger, type BullmqBatchEngineConfig, type Logger } from "@larder/core";
import { Queue, QueueEvents } from "bullmq";
import type { BatchEngine } from "../local-engine.js";
import { bullmqConnection } from "./connection.js";
import { RunTracker } from "./run-tracker.js";
import { readShardState } from "./shard-state.js";
import { planShards, shardJobId, type ShardData } from "./shard.js";

export interface BullmqEngineOptions {
  readonly config: BullmqBatchEngineConfig;
  readonly project: string;
  /** Time slices per view (each split into `config.shardsPerView` buckets). @default 1 */
  readonly slicesPerView?: number;
  /** How long a run waits for Redis before failing UNAVAILABLE. @default 10000 */
  readonly connectTimeoutMs?: number;
  /** How often job states are re-read, in case an event was missed. @default 1000 */
  readonly pollIntervalMs?: number;
  readonly logger?: Logger;
}

/** The bullmq engine: a BatchEngine that also holds Redis connections to close. */
export interface BullmqEngine extends BatchEngine {
  close(): Promise<void>;
}

const KEEP_COMPLETED_S = 3_600;
const KEEP_FAILED_S = 7 * 24 * 3_600;

/**
 * The distributed engine: splits a view's run into shards (time slice × entity-hash bucket), queues
 * them in BullMQ, and waits for `larder worker` processes to run them, passing their progress on. A shard
 * that fails for good rejects the run (its queued shards are removed); so does the abort signal.
 */
export function createBullmqEngine(options: BullmqEngineOptions): BullmqEngine {
  const { config } = options;
  const logger = options.logger ?? silentLogger();
  const connection = bullmqConnection(config.redisUrl);
  const queue = new Queue(config.queueName, { connection });
  queue.on("error", (error) => logger.warn({ err: error }, "materialization queue error"));
  let events: Promise<QueueEvents> | undefined;
  const trackers = new Map<string, RunTracker>();

  const openEvents = async (): Promise<QueueEvents> => {
    const queueEvents = new QueueEvents(config.queueName, { connection });
    queueEvents.setMaxListeners(0);
    queueEvents.on("error", (error) => logger.warn({ err: error }, "materialization queue events error"));
    queueEvents.on("progress", ({ jobId, data }) => trackers.get(jobId)?.progress(jobId, data));
    queueEvents.on("completed", ({ jobId, returnvalue }) => trackers.get(jobId)?.completed(jobId, returnvalue));
    queueEvents.on("stalled", ({ jobId }) => {
      if (trackers.has(jobId)) logger.warn({ jobId }, "shard stalled (its worker stopped); another worker re-runs it");
    });
    queueEvents.on("failed", ({ jobId, failedReason }) => {
      if (!trackers.has(jobId)) return;
      // Only a shard in the failed set has no attempt left; the state check also covers a retry in flight.
      void readShardState(queue, jobId)
        .then((shard) => {
          if (shard.kind === "failed") trackers.get(jobId)?.failed(jobId, failedReason, shard.attempts);
        })
        .catch((error: unknown) => logger.debug({ err: error, jobId }, "failed shard check failed"));
    });
    await withTimeout(
      Promise.all([queueEvents.waitUntilReady(), queue.waitUntilReady()]),
      options.connectTimeoutMs ?? 10_000,
      () => {
        void queueEvents.close().catch(() => undefined);
        return new UnavailableError(
          `batch_engine bullmq: Redis (redis_url) did not answer within ${options.connectTimeoutMs ?? 10_000} ms`,
        );
      },
    );
    return queueEvents;
  };

  /** Re-reads the state of every pending shard: covers events lost to a reconnect or stream trimming. */
  const reconcile = async (tracker: RunTracker): Promise<void> => {
    await Promise.all(
      tracker.pendingIds().map(async (id) => {
        const shard = await readShardState(queue, id);
        if (shard.kind === "missing") return tracker.fail(new AbortedError(`shard ${id} vanished from the queue`));
        if (shard.kind === "completed") tracker.completed(id, shard.rows);
        else if (shard.kind === "failed") tracker.failed(id, shard.reason, shard.attempts);
        else tracker.progress(id, shard.progress);
      }),
    );
  };

  async function waitFor(tracker: RunTracker, signal: AbortSignal | undefined): Promise<number> {
    const pollMs = options.pollIntervalMs ?? 1_000;
    const onAbort = (): void => tracker.fail(new AbortedError("materialization was cancelled"));
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = setInterval(() => {
      reconcile(tracker).catch((error: unknown) => logger.debug({ err: error }, "shard state check failed"));
    }, pollMs);
    try {
      return await tracker.done;
    } finally {
      clearInterval(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  return {
    async materializeView(view, window, onProgress, signal) {
      signal?.throwIfAborted();
      events ??= openEvents();
      await events.catch((error: unknown) => {
        events = undefined; // the next run tries to connect again
        throw error;
      });
      const runId = randomUUID();
      const shards = new Map<string, ShardData>();
      for (const shard of planShards(
        { runId, project: options.project, view: view.name },
        window,
        config.shardsPerView,
        options.slicesPerView ?? 1,
      )) {
        shards.set(shardJobId(shard), shard);
      }
      const tracker = new RunTracker(view.name, shards, onProgress);
      for (const id of shards.keys()) trackers.set(id, tracker);
      try {
        await queue.addBulk(
          [...shards].map(([jobId, data]) => ({
            name: view.name,
            data,
            opts: {
              jobId,
              attempts: config.attempts,
              backoff: { type: "exponential", delay: config.backoffMs },
              removeOnComplete: { age: KEEP_COMPLETED_S },
              removeOnFail: { age: KEEP_FAILED_S },
            },
          })),
        );
        logger.info({ view: view.name, runId, shards: shards.size }, "shards queued");
        return await waitFor(tracker, signal);
      } catch (error) {
        await removeUnstarted(queue, tracker.pendingIds(), logger);
        throw error;
      } finally {
        for (const id of shards.keys()) trackers.delete(id);
      }
    },

    async close() {
      const open = events;
      events = undefined;
      if (open !== undefined) await (await open.catch(() => undefined))?.close();
      await queue.close();
    },
  };
}

/** Removes the shards of a failed run that no worker holds (an active shard finishes or stalls out). */
async function removeUnstarted(queue: Queue, ids: readonly string[], logger: Logger): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      try {
        const job = await queue.getJob(id);
        const state = await job?.getState();
        if (state === "waiting" || state === "delayed" || state === "prioritized") await job?.remove();
      } catch (error) {
        logger.debug({ err: error, jobId: id }, "could not remove a shard of a failed run");
      }
    }),
  );
}

/** Resolves with `work`, or rejects with `onTimeout()` once `ms` have passed. */
async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
