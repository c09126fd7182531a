import type { ConnectionOptions } from "bullmq";

/**
 * BullMQ connection options for a redis:// or rediss:// URL. BullMQ needs `maxRetriesPerRequest: null`
 * on its blocking connections; commands wait through short outages, reconnecting at most every 2 s.
 */
export function bullmqConnection(redisUrl: string): ConnectionOptions {
  return {
    url: redisUrl,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 100, 2_000),
  };
}
