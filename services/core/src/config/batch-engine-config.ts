import { ConfigError } from "../errors.js";
import { isPluginType, pluginConfig, type PluginConfig } from "./plugin-config.js";
import { describeValue, typedSection, type Section } from "./section.js";

/** Materialization runs in the calling process. */
export interface LocalBatchEngineConfig {
  readonly type: "local";
}

/** Materialization is split into shards run by BullMQ workers over Redis. */
export interface BullmqBatchEngineConfig {
  readonly type: "bullmq";
  /** @default "redis://127.0.0.1:6379" */
  readonly redisUrl: string;
  /** @default "larder-materialize" */
  readonly queueName: string;
  /** @default 4 */
  readonly shardsPerView: number;
  /** Online-store writes per second across workers; 0 = unlimited. @default 0 */
  readonly writeRateLimitRowsPerSecond: number;
  /** Tries per shard before it fails. @default 3 */
  readonly attempts: number;
  /** Base of the exponential backoff between tries. @default 1000 */
  readonly backoffMs: number;
}

export type BatchEngineConfig = LocalBatchEngineConfig | BullmqBatchEngineConfig | PluginConfig;

/** Defaults of the bullmq batch engine. */
export const DEFAULT_BULLMQ_BATCH_ENGINE_CONFIG: BullmqBatchEngineConfig = Object.freeze({
  type: "bullmq",
  redisUrl: "redis://127.0.0.1:6379",
  queueName: "larder-materialize",
  shardsPerView: 4,
  writeRateLimitRowsPerSecond: 0,
  attempts: 3,
  backoffMs: 1000,
});

function bullmq(section: Section): BullmqBatchEngineConfig {
  const d = DEFAULT_BULLMQ_BATCH_ENGINE_CONFIG;
  const redisUrl = section.string("redis_url") ?? d.redisUrl;
  if (!/^rediss?:\/\/./.test(redisUrl)) {
    throw new ConfigError(
      `${section.pathOf("redis_url")} must start with redis:// or rediss://, got ${describeValue(redisUrl)}`,
    );
  }
  return {
    type: "bullmq",
    redisUrl,
    queueName: section.string("queue_name") ?? d.queueName,
    shardsPerView: section.number("shards_per_view", d.shardsPerView, { min: 1, max: 1024 }),
    writeRateLimitRowsPerSecond: section.number("write_rate_limit_rows_per_second", d.writeRateLimitRowsPerSecond, {
      min: 0,
    }),
    attempts: section.number("attempts", d.attempts, { min: 1, max: 100 }),
    backoffMs: section.number("backoff_ms", d.backoffMs, { min: 0, max: 3_600_000 }),
  };
}

/** Validates `batch_engine` (a type string or a mapping); provider `server` defaults to bullmq. */
export function validateBatchEngineConfig(raw: unknown, options: { readonly provider: string }): BatchEngineConfig {
  const { section, type } = typedSection("batch_engine", raw, options.provider === "server" ? "bullmq" : "local");
  let config: BatchEngineConfig;
  if (isPluginType(type)) {
    config = pluginConfig(type, section);
  } else if (type === "local") {
    config = { type: "local" };
  } else if (type === "bullmq") {
    config = bullmq(section);
  } else {
    throw new ConfigError(
      `batch_engine.type ${describeValue(type)} is not supported; expected local, bullmq, or a plugin module`,
    );
  }
  section.finish();
  return Object.freeze(config);
}
