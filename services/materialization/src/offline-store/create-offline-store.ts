import { ConfigError, type OfflineStoreConfig } from "@larder/core";
import { createDuckDbOfflineStore } from "./duckdb-offline-store.js";
import type { OfflineStore } from "./offline-store.js";
import { createPostgresOfflineStore } from "./postgres-offline-store.js";

export interface CreateOfflineStoreOptions {
  /** Directory that relative file sources and entity files resolve against. */
  readonly repoPath: string;
}

/** Builds the repository's one active offline store from `offline_store`; each store's validateSource refuses the other's sources. */
export function createOfflineStore(config: OfflineStoreConfig, options: CreateOfflineStoreOptions): OfflineStore {
  switch (config.type) {
    case "file":
      return createDuckDbOfflineStore({ repoPath: options.repoPath });
    case "postgres":
      return createPostgresOfflineStore(config);
    case "plugin":
      throw new ConfigError(
        `offline_store.type ${config.module} is a plugin module, which the offline store does not load; use file or postgres`,
      );
  }
}
