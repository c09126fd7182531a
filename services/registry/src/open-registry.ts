import { ConfigError, type RegistryConfig } from "@larder/core";
import { createFileBackend } from "./backends/file-backend.js";
import { createPostgresBackend } from "./backends/postgres-backend.js";
import type { RegistryBackend } from "./backends/registry-backend.js";
import { createS3Backend } from "./backends/s3-backend.js";
import { createSqliteBackend } from "./backends/sqlite-backend.js";
import type { RegistryApi } from "./registry-api.js";
import { RegistryStore } from "./registry-store.js";
import { RemoteRegistry, type RemoteRegistryOptions } from "./remote-registry.js";

/** The storage behind a local (non-remote) registry configuration. */
export function backendFor(config: Exclude<RegistryConfig, { type: "remote" }>): RegistryBackend {
  if (config.type === "file") {
    if (config.path.startsWith("s3://")) return createS3Backend(config.path, { s3: config.s3 });
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(config.path)) {
      throw new ConfigError(
        `registry.path "${config.path}": only s3:// object-store registries are supported; use s3://… or a local path`,
      );
    }
    return createFileBackend(config.path);
  }
  return config.dialect === "sqlite" ? createSqliteBackend(config.path) : createPostgresBackend(config.url);
}

/** Opens the registry a feature_store.yaml names: a store opened in-process, or a RegistryServer client. */
export async function openRegistry(
  config: RegistryConfig,
  client: Pick<RemoteRegistryOptions, "tokenProvider"> = {},
): Promise<RegistryApi> {
  if (config.type === "remote") {
    return new RemoteRegistry({
      target: config.target,
      tls: config.tls,
      caPath: config.certPath,
      tokenProvider: client.tokenProvider,
    });
  }
  return RegistryStore.open(backendFor(config));
}
