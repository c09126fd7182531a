import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { isPluginType, pluginConfig, type PluginConfig } from "./plugin-config.js";
import { parseRedisConnectionString, type RedisConnection } from "./redis-connection-string.js";
import { describeValue, typedSection, type Section } from "./section.js";

/** Online store in a local SQLite file, Feast's default. */
export interface SqliteOnlineStoreConfig {
  readonly type: "sqlite";
  /** Absolute path of the database file. @default "<repo>/data/online.db" */
  readonly path: string;
  /** Rows of an entity key expire this long after its last write, as Redis keys do; absent = never. */
  readonly keyTtlSeconds?: number | undefined;
}

export type RedisType = "redis" | "redis_cluster" | "redis_sentinel";

/** `larder` is Larder's own key layout; `feast` reads and writes Feast's (§5h) so both can share a Redis. */
export type OnlineStoreLayout = "larder" | "feast";

/** Online store in Redis (standalone, cluster, or behind Sentinel). */
export interface RedisOnlineStoreConfig {
  readonly type: "redis";
  /** @default "redis" */
  readonly redisType: RedisType;
  /** The raw Feast connection string. @default "localhost:6379" */
  readonly connectionString: string;
  /** `connectionString` parsed; with Sentinel the nodes are the sentinels. */
  readonly connection: RedisConnection;
  /** Master name asked of the sentinels. @default "mymaster" */
  readonly sentinelMaster: string;
  /** EXPIRE set on every written key; undefined keeps keys forever. @default undefined */
  readonly keyTtlSeconds: number | undefined;
  /** @default true */
  readonly fullScanForDeletion: boolean;
  /** Write without comparing event timestamps (Feast `skip_dedup`). @default false */
  readonly skipDedup: boolean;
  /** @default "larder" */
  readonly layout: OnlineStoreLayout;
}

/** No online store (`online_store: null` or `"none"` in Feast), for offline-only repos. */
export interface DisabledOnlineStoreConfig {
  readonly type: "none";
}

export type OnlineStoreConfig =
  SqliteOnlineStoreConfig | RedisOnlineStoreConfig | DisabledOnlineStoreConfig | PluginConfig;

/** Defaults of the sqlite online store; the path is relative to the repo. */
export const DEFAULT_SQLITE_ONLINE_STORE_CONFIG = Object.freeze({ path: "data/online.db" });

/** Defaults of the redis online store (everything but the parsed connection). */
export const DEFAULT_REDIS_ONLINE_STORE_CONFIG = Object.freeze({
  redisType: "redis",
  connectionString: "localhost:6379",
  sentinelMaster: "mymaster",
  keyTtlSeconds: undefined,
  fullScanForDeletion: true,
  skipDedup: false,
  layout: "larder",
});

const BUILT_IN = ["sqlite", "redis"] as const;

function sqlite(section: Section, repoPath: string): SqliteOnlineStoreConfig {
  const path = section.string("path") ?? DEFAULT_SQLITE_ONLINE_STORE_CONFIG.path;
  const keyTtlSeconds = section.optionalNumber("key_ttl_seconds", { min: 1 });
  return { type: "sqlite", path: isAbsolute(path) ? path : resolve(repoPath, path), keyTtlSeconds };
}

function redis(section: Section): RedisOnlineStoreConfig {
  const d = DEFAULT_REDIS_ONLINE_STORE_CONFIG;
  const redisType = section.oneOf("redis_type", ["redis", "redis_cluster", "redis_sentinel"] as const, d.redisType);
  const connectionString = section.string("connection_string") ?? d.connectionString;
  const connection = parseRedisConnectionString(connectionString, section.pathOf("connection_string"));
  if (redisType === "redis" && connection.nodes.length > 1) {
    // Feast silently uses the first node here; a list almost always means cluster or sentinel was meant.
    throw new ConfigError(
      `${section.pathOf("connection_string")} lists ${connection.nodes.length} nodes but ${section.pathOf("redis_type")} is redis; set redis_cluster or redis_sentinel`,
    );
  }
  return {
    type: "redis",
    redisType,
    connectionString,
    connection,
    sentinelMaster: section.string("sentinel_master") ?? d.sentinelMaster,
    keyTtlSeconds: section.optionalNumber("key_ttl_seconds", { min: 1 }),
    fullScanForDeletion: section.boolean("full_scan_for_deletion", d.fullScanForDeletion),
    skipDedup: section.boolean("skip_dedup", d.skipDedup),
    layout: section.oneOf("layout", ["larder", "feast"] as const, d.layout),
  };
}

/** Validates `online_store`; provider `server` defaults to redis, every other provider to sqlite. */
export function validateOnlineStoreConfig(
  raw: unknown,
  options: { readonly repoPath: string; readonly provider: string },
): OnlineStoreConfig {
  if (typeof raw === "string" && ["null", "none"].includes(raw.toLowerCase())) return Object.freeze({ type: "none" });
  const { section, type } = typedSection("online_store", raw, options.provider === "server" ? "redis" : "sqlite");
  let config: OnlineStoreConfig;
  if (isPluginType(type)) {
    config = pluginConfig(type, section);
  } else if (type === "sqlite") {
    config = sqlite(section, options.repoPath);
  } else if (type === "redis") {
    config = redis(section);
  } else {
    throw new ConfigError(
      `online_store.type ${describeValue(type)} is not supported; expected ${BUILT_IN.join(", ")}, or a plugin module (pkg#Export, ./path)`,
    );
  }
  section.finish();
  return Object.freeze(config);
}
