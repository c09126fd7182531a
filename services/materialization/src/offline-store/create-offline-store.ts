import { createPluginInstance, type OfflineStoreConfig } from "@larder/core";
import { createDuckDbOfflineStore } from "./duckdb-offline-store.js";
import type { OfflineStore } from "./offline-store.js";
import { createPostgresOfflineStore } from "./postgres-offline-store.js";

export interface CreateOfflineStoreOptions {
  /** Directory that relative file sources and entity files resolve against. */
  readonly repoPath: string;
}

/** Builds the repository's one active offline store from `offline_store` (file, postgres, or a plugin loaded by loadRepoConfig); each store's validateSource refuses the other's sources. */
export function createOfflineStore(config: OfflineStoreConfig, options: CreateOfflineStoreOptions): OfflineStore {
  switch (config.type) {
    case "file":
      return createDuckDbOfflineStore({ repoPath: options.repoPath });
    case "postgres":
      return createPostgresOfflineStore(config);
    case "plugin":
      // A plugin is built as `new Export(options, { repoPath })` (or called, for a factory) and checked.
      return createPluginInstance<OfflineStore>("offline_store", config, { repoPath: options.repoPath });
  }
}
