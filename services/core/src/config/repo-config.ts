import { resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { mergeProviderSection, type ProviderDefaults } from "../plugins/providers.js";
import { validateAuthConfig, type AuthConfig } from "./auth-config.js";
import { validateBatchEngineConfig, type BatchEngineConfig } from "./batch-engine-config.js";
import { validateFeatureServerConfig, type FeatureServerConfig } from "./feature-server-config.js";
import { validateOfflineStoreConfig, type OfflineStoreConfig } from "./offline-store-config.js";
import { validateOnlineStoreConfig, type OnlineStoreConfig } from "./online-store-config.js";
import { isPluginType } from "./plugin-config.js";
import { validateRegistryConfig, type RegistryConfig } from "./registry-config.js";
import { Section, describeValue, isMapping } from "./section.js";

/** A validated, fully defaulted `feature_store.yaml`. */
export interface RepoConfig {
  readonly project: string;
  readonly projectDescription: string | undefined;
  /** `local`, `server`, a provider plugin (`./plugins/p.ts#MyProvider`), or another name (local defaults). @default "local" */
  readonly provider: string;
  /** Absolute directory holding feature_store.yaml; relative paths in the config resolve against it. */
  readonly repoPath: string;
  readonly registry: RegistryConfig;
  readonly onlineStore: OnlineStoreConfig;
  readonly offlineStore: OfflineStoreConfig;
  readonly batchEngine: BatchEngineConfig;
  readonly auth: AuthConfig;
  readonly featureServer: FeatureServerConfig;
  /** 3 is Feast's current entity key encoding; 2 is accepted as Feast still does. @default 3 */
  readonly entityKeySerializationVersion: 2 | 3;
}

/** A `feature_store.yaml` as a plain object, Feast's snake_case keys. */
export interface RepoConfigInput {
  readonly project: string;
  readonly provider?: string;
  readonly registry?: string | Readonly<Record<string, unknown>>;
  readonly online_store?: string | Readonly<Record<string, unknown>>;
  readonly offline_store?: string | Readonly<Record<string, unknown>>;
  readonly batch_engine?: string | Readonly<Record<string, unknown>>;
  readonly auth?: string | Readonly<Record<string, unknown>>;
  readonly feature_server?: Readonly<Record<string, unknown>>;
  readonly entity_key_serialization_version?: number;
  readonly [key: string]: unknown;
}

/** Defaults of the top level. */
export const DEFAULT_REPO_CONFIG = Object.freeze({
  /** @default "local" */
  provider: "local",
  /** @default 3 */
  entityKeySerializationVersion: 3 as const,
});

// Feast top-level keys Larder accepts and ignores, so Feast repos load unchanged.
const IGNORED_TOP_LEVEL_KEYS = [
  "flags",
  "coerce_tz_aware",
  "repo_path",
  "materialization",
  "openlineage",
  "go_feature_serving",
  "go_feature_retrieval",
  "embedding_model",
  "mlflow",
  "data_quality_monitoring",
];

// Feast's is_valid_name: word characters only, not starting with an underscore.
const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9_]*$/;

/** Options of validateRepoConfig. */
export interface ValidateRepoConfigOptions {
  readonly repoPath: string;
  /** The defaults a provider plugin returned (loadRepoConfig loads it); required when `provider` is a plugin. */
  readonly providerDefaults?: ProviderDefaults | undefined;
}

/** Validates a parsed `feature_store.yaml` against Feast's schema and Larder's bounds, filling every default. */
export function validateRepoConfig(raw: unknown, options: ValidateRepoConfigOptions): RepoConfig {
  if (!isMapping(raw)) throw new ConfigError(`feature_store.yaml must be a mapping, got ${describeValue(raw)}`);
  const top = Section.of("", raw);
  const project = top.requiredString("project");
  if (!PROJECT_NAME.test(project)) {
    throw new ConfigError(
      `project must contain only letters, digits and underscores and must not start with an underscore, got ${describeValue(project)}`,
    );
  }
  const repoPath = resolve(options.repoPath);
  const provider = top.string("provider") ?? DEFAULT_REPO_CONFIG.provider;
  const plugin = isPluginType(provider);
  if (plugin && options.providerDefaults === undefined) {
    throw new ConfigError(
      `provider ${describeValue(provider)} is a plugin; load feature_store.yaml with loadRepoConfig, which imports it`,
    );
  }
  const provided: ProviderDefaults = plugin ? (options.providerDefaults ?? {}) : {};
  // The built-in bundle that fills what the config and a provider plugin leave out.
  const bundle = plugin ? (provided.base ?? "local") : provider;
  const section = (key: "registry" | "online_store" | "offline_store" | "batch_engine"): unknown =>
    mergeProviderSection(key, top.get(key), provided[key]);
  const registry = section("registry");
  if (bundle === "server" && registry === undefined) {
    throw new ConfigError("registry is required with provider server (for example postgresql://…)");
  }
  const version = top.number("entity_key_serialization_version", DEFAULT_REPO_CONFIG.entityKeySerializationVersion, {
    min: 2,
    max: 3,
  }) as 2 | 3;
  top.ignore(...IGNORED_TOP_LEVEL_KEYS);
  const onlineStore = validateOnlineStoreConfig(section("online_store"), { repoPath, provider: bundle });
  const config: RepoConfig = {
    project,
    projectDescription: top.string("project_description"),
    provider,
    repoPath,
    registry: validateRegistryConfig(registry, { repoPath }),
    onlineStore,
    offlineStore: validateOfflineStoreConfig(section("offline_store"), { provider: bundle }),
    batchEngine: validateBatchEngineConfig(defaultEngineRedis(bundle, section("batch_engine"), onlineStore), {
      provider: bundle,
    }),
    auth: validateAuthConfig(top.get("auth")),
    featureServer: validateFeatureServerConfig(top.get("feature_server")),
    entityKeySerializationVersion: version,
  };
  top.finish();
  return Object.freeze(config);
}

/**
 * With the server bundle, BullMQ defaults to the online store's Redis when that is a single node, so one
 * Redis serves both; an explicit `batch_engine.redis_url` (or another engine type) is left alone.
 */
function defaultEngineRedis(bundle: string, engine: unknown, online: OnlineStoreConfig): unknown {
  if (bundle !== "server" || online.type !== "redis" || online.redisType !== "redis") return engine;
  const type = typeof engine === "string" ? engine : isMapping(engine) ? engine.type : undefined;
  if ((type !== undefined && type !== "bullmq") || (isMapping(engine) && engine.redis_url !== undefined)) return engine;
  const { connection } = online;
  const node = connection.nodes[0];
  if (node === undefined) return engine;
  const auth =
    connection.password === undefined
      ? ""
      : `${encodeURIComponent(connection.username ?? "")}:${encodeURIComponent(connection.password)}@`;
  const host = node.host.includes(":") ? `[${node.host}]` : node.host;
  const url = `${connection.ssl ? "rediss" : "redis"}://${auth}${host}:${node.port}/${connection.db}`;
  return { ...(isMapping(engine) ? engine : {}), type: "bullmq", redis_url: url };
}

/** Builds a repo config in code, without a file: the object is validated exactly as the YAML would be. */
export function defineRepoConfig(input: RepoConfigInput, options: { readonly repoPath: string }): RepoConfig {
  return validateRepoConfig(input, options);
}
