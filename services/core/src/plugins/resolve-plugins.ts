import { ConfigError } from "../errors.js";
import type { PluginConfig } from "../config/plugin-config.js";
import type { RepoConfig } from "../config/repo-config.js";
import { instantiatePlugin, loadPlugin, type LoadedPlugin } from "./load-plugin.js";
import type { PluginKind } from "./plugin-interfaces.js";

async function resolveOne<T extends { readonly type: string }>(
  kind: Exclude<PluginKind, "provider">,
  config: T,
  repoPath: string,
): Promise<T> {
  if (config.type !== "plugin") return config;
  const plugin = config as unknown as PluginConfig;
  if (plugin.implementation !== undefined) return config;
  const implementation: LoadedPlugin = await loadPlugin(kind, plugin.module, repoPath);
  return Object.freeze({ ...plugin, implementation }) as unknown as T;
}

/**
 * Imports the modules of every plugin component (online store, offline store, batch engine) so the
 * synchronous factories can build them. loadRepoConfig does this; code that builds a config with
 * defineRepoConfig calls it before creating stores.
 */
export async function resolveRepoPlugins(config: RepoConfig): Promise<RepoConfig> {
  const [onlineStore, offlineStore, batchEngine] = await Promise.all([
    resolveOne("online_store", config.onlineStore, config.repoPath),
    resolveOne("offline_store", config.offlineStore, config.repoPath),
    resolveOne("batch_engine", config.batchEngine, config.repoPath),
  ]);
  if (
    onlineStore === config.onlineStore &&
    offlineStore === config.offlineStore &&
    batchEngine === config.batchEngine
  ) {
    return config;
  }
  return Object.freeze({ ...config, onlineStore, offlineStore, batchEngine });
}

/**
 * Builds a plugin component from its config: `new Export(options, context)` for a class, `Export(options, context)`
 * for a factory, checked against the documented interface. `options` are the section's keys other than `type`;
 * `context` is `{ repoPath, ...context }`.
 */
export function createPluginInstance<T>(
  kind: Exclude<PluginKind, "provider">,
  config: PluginConfig,
  context: Readonly<Record<string, unknown>>,
): T {
  if (config.implementation === undefined) {
    throw new ConfigError(
      `${kind}.type ${JSON.stringify(config.module)} is a plugin that was not loaded; load feature_store.yaml with loadRepoConfig, or call resolveRepoPlugins(config) first`,
    );
  }
  if (config.implementation.kind !== kind) {
    throw new ConfigError(
      `${kind}.type ${JSON.stringify(config.module)} was loaded as a ${config.implementation.kind}`,
    );
  }
  return instantiatePlugin<T>(config.implementation, config.options, context);
}
