import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { YAMLError, parse } from "yaml";
import { ConfigError } from "../errors.js";
import { expandEnv, type Environment } from "./expand-env.js";
import { loadProviderDefaults } from "../plugins/providers.js";
import { resolveRepoPlugins } from "../plugins/resolve-plugins.js";
import { isMapping } from "./section.js";
import { validateRepoConfig, type RepoConfig } from "./repo-config.js";

/** Where to find the repo and its config. */
export interface LoadRepoConfigOptions {
  /** The feature repo directory; relative to the working directory. */
  readonly repoPath: string;
  /** `-f`: an explicit config file, relative to the working directory. @default "<repoPath>/feature_store.yaml" */
  readonly configPath?: string | undefined;
  /** Variables for `$VAR` expansion. @default process.env */
  readonly env?: Environment | undefined;
}

/** File name Feast looks for in a repo. */
export const FEATURE_STORE_YAML = "feature_store.yaml";

/** Reads, expands, parses and validates a repo's `feature_store.yaml`, and loads the plugins it names. */
export async function loadRepoConfig(options: LoadRepoConfigOptions): Promise<RepoConfig> {
  const repoPath = resolve(options.repoPath);
  const file = options.configPath === undefined ? join(repoPath, FEATURE_STORE_YAML) : resolve(options.configPath);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error: unknown) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new ConfigError(missing ? `No ${FEATURE_STORE_YAML} found: looked for ${file}` : `Cannot read ${file}`, {
      cause: error,
    });
  }
  try {
    const expanded = expandEnv(text, options.env ?? process.env);
    // YAML 1.1 matches PyYAML, which Feast parses with (yes/no/on/off are booleans).
    const raw: unknown = parse(expanded, { version: "1.1" });
    // Plugins load here, at start-up: a provider plugin first (it supplies default sections), then the
    // modules of plugin stores and engines, so the factories can build them synchronously.
    const top = isMapping(raw) ? raw : {};
    const providerDefaults = await loadProviderDefaults(top.provider, {
      project: typeof top.project === "string" ? top.project : "",
      repoPath,
      config: top,
    });
    return await resolveRepoPlugins(validateRepoConfig(raw ?? {}, { repoPath, providerDefaults }));
  } catch (error: unknown) {
    if (error instanceof ConfigError) throw new ConfigError(`${file}: ${error.message}`, { cause: error });
    if (error instanceof YAMLError) throw new ConfigError(`${file}: invalid YAML: ${error.message}`, { cause: error });
    throw error;
  }
}
