import { ConfigError, type RedisOnlineStoreConfig } from "@larder/core";
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";

/** Settings that make an outage fail fast instead of queueing (runtime-notes: failures in ≤ 200 ms, back ~0.3 s after). */
export const DEFAULT_REDIS_CLIENT_OPTIONS = Object.freeze({
  /**
   * Per-command timeout: an outage fails calls within it. 200 ms (runtime-notes) also failed healthy
   * commands whenever a saturated event loop read their replies late (the benchmark's 100 × 50 shape
   * answered UNAVAILABLE under load), so overload looked like an outage; 500 ms keeps outages well
   * inside usual client deadlines (≥ 1 s) while tolerating that lag.
   * @default 500
   */
  commandTimeoutMs: 500,
  /** @default 2000 */
  connectTimeoutMs: 2000,
  /** Upper bound of the reconnect back-off (n × 50 ms). @default 500 */
  maxReconnectDelayMs: 500,
});

export interface RedisClientOptions {
  readonly commandTimeoutMs?: number | undefined;
  readonly connectTimeoutMs?: number | undefined;
}

/** How to build the client for a config: which ioredis class and its options. */
export type RedisClientPlan =
  | { readonly kind: "redis"; readonly options: PlainRedisOptions }
  | {
      readonly kind: "cluster";
      readonly nodes: { host: string; port: number }[];
      readonly options: PlainClusterOptions;
    };

// ioredis 6 declares replyMapping as `?: Mode | undefined` in its options but `?: Mode` in its constructors,
// which exactOptionalPropertyTypes rejects; Larder never sets it (RESP2-compatible "legacy" replies).
type PlainRedisOptions = Omit<RedisOptions, "replyMapping">;
type PlainClusterOptions = Omit<ClusterOptions, "redisOptions"> & {
  redisOptions: Omit<NonNullable<ClusterOptions["redisOptions"]>, "replyMapping">;
};

/** The ioredis client kinds Larder uses; both expose the same command methods. */
export type RedisClient = Redis | Cluster;

const reconnectDelay = (times: number): number =>
  Math.min(times * 50, DEFAULT_REDIS_CLIENT_OPTIONS.maxReconnectDelayMs);

/** Translates the parsed config into ioredis options: standalone, Sentinel (nodes are sentinels) or Cluster. */
export function planRedisClient(config: RedisOnlineStoreConfig, options: RedisClientOptions = {}): RedisClientPlan {
  const { connection } = config;
  const auth = {
    ...(connection.password === undefined ? {} : { password: connection.password }),
    ...(connection.username === undefined ? {} : { username: connection.username }),
    ...(connection.ssl ? { tls: {} } : {}),
  };
  const failFast = {
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_REDIS_CLIENT_OPTIONS.commandTimeoutMs,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_REDIS_CLIENT_OPTIONS.connectTimeoutMs,
  };
  const nodes = connection.nodes.map((n) => ({ host: n.host, port: n.port }));
  switch (config.redisType) {
    case "redis": {
      const node = nodes[0];
      if (node === undefined) throw new ConfigError("online_store.connection_string must list a host:port");
      return {
        kind: "redis",
        options: { ...node, ...auth, ...failFast, db: connection.db, retryStrategy: reconnectDelay },
      };
    }
    case "redis_sentinel":
      return {
        kind: "redis",
        options: {
          sentinels: nodes,
          name: config.sentinelMaster,
          ...auth,
          ...failFast,
          db: connection.db,
          retryStrategy: reconnectDelay,
        },
      };
    case "redis_cluster":
      if (connection.db !== 0) {
        throw new ConfigError("online_store.connection_string sets db but Redis Cluster only has db 0; remove db=");
      }
      return {
        kind: "cluster",
        nodes,
        options: {
          // Keys of one batch live on many nodes: autopipelining groups them per node (runtime-notes).
          enableAutoPipelining: true,
          enableOfflineQueue: true,
          clusterRetryStrategy: reconnectDelay,
          redisOptions: { ...auth, ...failFast },
        },
      };
  }
}

/** Creates the ioredis client; `onError` receives connection errors ioredis would otherwise print. */
export function createRedisClient(plan: RedisClientPlan, onError: (error: Error) => void): RedisClient {
  const client = plan.kind === "cluster" ? new Cluster(plan.nodes, plan.options) : new Redis(plan.options);
  client.on("error", onError);
  return client;
}

/** Where the raw read connection (raw-mget-connection.ts) connects, as ioredis would. */
export interface RawReadPlan {
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: boolean;
  readonly db: number;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxReconnectDelayMs: number;
}

/**
 * The raw read connection of a standalone Redis; undefined for Sentinel and Cluster, whose reads stay on
 * ioredis (it follows failovers and slot moves; the raw connection knows one address).
 */
export function planRawReads(
  config: RedisOnlineStoreConfig,
  options: RedisClientOptions = {},
): RawReadPlan | undefined {
  const node = config.connection.nodes[0];
  if (config.redisType !== "redis" || node === undefined) return undefined;
  const { connection } = config;
  return {
    host: node.host,
    port: node.port,
    username: connection.username,
    password: connection.password,
    tls: connection.ssl,
    db: connection.db,
    commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_REDIS_CLIENT_OPTIONS.commandTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_REDIS_CLIENT_OPTIONS.connectTimeoutMs,
    maxReconnectDelayMs: DEFAULT_REDIS_CLIENT_OPTIONS.maxReconnectDelayMs,
  };
}
