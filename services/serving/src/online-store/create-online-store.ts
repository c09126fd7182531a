import { ConfigError, createPluginInstance, type OnlineStoreConfig } from "@larder/core";
import type { OnlineStore } from "./online-store.js";
import { createRedisOnlineStore, type RedisOnlineStoreOptions } from "./redis-online-store.js";
import { createSqliteOnlineStore } from "./sqlite-online-store.js";

/** Builds the online store named by `online_store`: sqlite, redis, or a plugin (loaded by loadRepoConfig). */
export function createOnlineStore(config: OnlineStoreConfig, options: RedisOnlineStoreOptions = {}): OnlineStore {
  switch (config.type) {
    case "sqlite":
      return createSqliteOnlineStore(config);
    case "redis":
      return createRedisOnlineStore(config, options);
    case "none":
      throw new ConfigError("online_store.type none has no online store; configure sqlite or redis to serve features");
    case "plugin":
      // A plugin is built as `new Export(options, { repoPath })` (or called, for a factory) and checked.
      return createPluginInstance<OnlineStore>("online_store", config, {});
  }
}
