import type { Queue } from "bullmq";

/** Where a shard stands, read back from the queue. */
export type ShardState =
  | { readonly kind: "missing" }
  | { readonly kind: "completed"; readonly rows: unknown }
  | { readonly kind: "failed"; readonly reason: string; readonly attempts: number }
  | { readonly kind: "pending"; readonly progress: unknown };

/**
 * Reads a shard's state, then its job. In this order the job is read after the state it is in: a shard
 * that completes between the two reads is seen as pending (the next read or the event settles it), never
 * as completed without its return value (read the other way round, such a shard counted 0 rows).
 */
export async function readShardState(queue: Queue, jobId: string): Promise<ShardState> {
  const state = await queue.getJobState(jobId);
  if (state === "unknown") return { kind: "missing" };
  const job = await queue.getJob(jobId);
  if (job === undefined) return { kind: "missing" };
  if (state === "completed") return { kind: "completed", rows: job.returnvalue };
  if (state === "failed") return { kind: "failed", reason: job.failedReason, attempts: job.attemptsMade };
  return { kind: "pending", progress: job.progress };
}
