import { createTokenProvider, defineRepoConfig, type RepoConfig, type RepoConfigInput } from "@larder/core";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import { openRegistry, type ApplyOptions, type ChangeSet, type RegistryApi } from "@larder/registry";
import type { Definition } from "./definitions/index.js";
import { repoContents } from "./repo-contents.js";

export interface FeatureStoreOptions {
  /** feature_store.yaml's content as an object (Feast's keys), or an already validated RepoConfig. */
  readonly config: RepoConfigInput | RepoConfig;
  /** Folder relative paths in the config resolve against. @default process.cwd() */
  readonly repoPath?: string;
}

function isRepoConfig(config: RepoConfigInput | RepoConfig): config is RepoConfig {
  return typeof (config as RepoConfig).repoPath === "string" && typeof (config as RepoConfig).registry === "object";
}

/**
 * The programmatic equivalent of a feature repo and the CLI, for code that does not want a
 * feature_store.yaml: plan and apply definitions, read the registry, tear down.
 */
export class FeatureStore {
  private constructor(
    readonly config: RepoConfig,
    private readonly registry: RegistryApi,
  ) {}

  static async open(options: FeatureStoreOptions): Promise<FeatureStore> {
    const config = isRepoConfig(options.config)
      ? options.config
      : defineRepoConfig(options.config, { repoPath: options.repoPath ?? process.cwd() });
    // A remote registry with auth gets the same token the CLI would send.
    const tokenProvider = config.registry.type === "remote" ? createTokenProvider(config.auth) : undefined;
    return new FeatureStore(config, await openRegistry(config.registry, { tokenProvider }));
  }

  get project(): string {
    return this.config.project;
  }

  /** What `apply(definitions)` would change. */
  plan(definitions: readonly Definition[]): Promise<ChangeSet> {
    return this.registry.plan(this.contents(definitions));
  }

  /** Registers exactly these definitions for the project (objects not listed are deleted unless skipDeletes). */
  apply(definitions: readonly Definition[], options?: ApplyOptions): Promise<ChangeSet> {
    return this.registry.apply(this.contents(definitions), options);
  }

  /** Removes the project and everything in it from the registry. */
  teardown(): Promise<bigint> {
    return this.registry.deleteProject(this.project);
  }

  /** The whole registry as it is now. */
  snapshot(): Promise<Registry> {
    return this.registry.snapshot();
  }

  async listFeatureViews(): Promise<Registry["featureViews"]> {
    return (await this.snapshot()).featureViews.filter((v) => v.spec?.project === this.project);
  }

  async listEntities(): Promise<Registry["entities"]> {
    return (await this.snapshot()).entities.filter((e) => e.spec?.project === this.project);
  }

  async listFeatureServices(): Promise<Registry["featureServices"]> {
    return (await this.snapshot()).featureServices.filter((s) => s.spec?.project === this.project);
  }

  close(): Promise<void> {
    return this.registry.close();
  }

  private contents(definitions: readonly Definition[]) {
    return repoContents(
      definitions.map((definition) => ({ definition, origin: `${definition.typeName} "${definition.name}"` })),
      this.project,
      this.config.projectDescription ?? "",
    );
  }
}
