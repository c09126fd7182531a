import { resolve } from "node:path";
import {
  createLogger,
  createTokenProvider,
  loadRepoConfig,
  type LogLevel,
  type Logger,
  type RepoConfig,
} from "@larder/core";
import { openRegistry, type RegistryApi } from "@larder/registry";

/** Global options every command accepts, as Feast's CLI has them. */
export interface GlobalOptions {
  readonly chdir?: string;
  readonly featureStoreYaml?: string;
  readonly logLevel?: string;
}

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal", "silent"]);

/** What a command works with: the repo folder, its configuration, a logger, and the registry. */
export class CommandContext {
  private registryPromise: Promise<RegistryApi> | undefined;

  private constructor(
    readonly repoPath: string,
    readonly config: RepoConfig,
    readonly logger: Logger,
  ) {}

  static logger(options: GlobalOptions): Logger {
    const level = (options.logLevel ?? "warn").toLowerCase();
    return createLogger({ level: (LEVELS.has(level) ? level : "warn") as LogLevel, name: "larder" });
  }

  static async load(options: GlobalOptions): Promise<CommandContext> {
    const repoPath = resolve(options.chdir ?? ".");
    const config = await loadRepoConfig({ repoPath, configPath: options.featureStoreYaml });
    return new CommandContext(repoPath, config, CommandContext.logger(options));
  }

  registry(): Promise<RegistryApi> {
    // A remote registry gets the token `auth` names (static, env, OIDC grant or service account).
    this.registryPromise ??= openRegistry(this.config.registry, {
      tokenProvider: createTokenProvider(this.config.auth),
    });
    return this.registryPromise;
  }

  async close(): Promise<void> {
    if (this.registryPromise !== undefined) await (await this.registryPromise).close();
  }
}
