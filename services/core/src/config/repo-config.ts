import { resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { validateAuthConfig, type AuthConfig } from "./auth-config.js";
import { validateBatchEngineConfig, type BatchEngineConfig } from "./batch-engine-config.js";
import { validateFeatureServerConfig, type FeatureServerConfig } from "./feature-server-config.js";
import { validateOfflineStoreConfig, type OfflineStoreConfig } from "./offline-store-config.js";
import { validateOnlineStoreConfig, type OnlineStoreConfig } from "./online-store-config.js";
import { validateRegistryConfig, type RegistryConfig } from "./registry-config.js";
import { Section, describeValue, isMapping } from "./section.js";

/** A validated, fully defaulted `feature_store.yaml`. */
export interface RepoConfig {
  readonly project: string;
  readonly projectDescription: string | undefined;
  /** `local`, `server`, or another name kept for plugins. @default "local" */
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

/** Validates a parsed `feature_store.yaml` against Feast's schema and Larder's bounds, filling every default. */
export function validateRepoConfig(raw: unknown, options: { readonly repoPath: string }): RepoConfig {
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
  if (provider === "server" && !top.has("registry")) {
    throw new ConfigError("registry is required with provider server (for example postgresql://…)");
  }
  const version = top.number("entity_key_serialization_version", DEFAULT_REPO_CONFIG.entityKeySerializationVersion, {
    min: 2,
    max: 3,
  }) as 2 | 3;
  top.ignore(...IGNORED_TOP_LEVEL_KEYS);
  const config: RepoConfig = {
    project,
    projectDescription: top.string("project_description"),
    provider,
    repoPath,
    registry: validateRegistryConfig(top.get("registry"), { repoPath }),
    onlineStore: validateOnlineStoreConfig(top.get("online_store"), { repoPath, provider }),
    offlineStore: validateOfflineStoreConfig(top.get("offline_store"), { provider }),
    batchEngine: validateBatchEngineConfig(top.get("batch_engine"), { provider }),
    auth: validateAuthConfig(top.get("auth")),
    featureServer: validateFeatureServerConfig(top.get("feature_server")),
    entityKeySerializationVersion: version,
  };
  top.finish();
  return Object.freeze(config);
}

/** Builds a repo config in code, without a file: the object is validated exactly as the YAML would be. */
export function defineRepoConfig(input: RepoConfigInput, options: { readonly repoPath: string }): RepoConfig {
  return validateRepoConfig(input, options);
}
