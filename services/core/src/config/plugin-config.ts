import type { LoadedPlugin } from "../plugins/load-plugin.js";
import type { Section } from "./section.js";

/** A store or engine implemented outside Larder; its options are passed through unvalidated. */
export interface PluginConfig {
  readonly type: "plugin";
  /** The module specifier as written: `pkg#Export` or a `./relative` path. */
  readonly module: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** The imported export, set by loadRepoConfig (or resolveRepoPlugins) at start-up; the factories build from it. */
  readonly implementation?: LoadedPlugin | undefined;
}

/** True when a `type` names a plugin module rather than a built-in: it contains `#` or starts with `./`. */
export function isPluginType(type: string): boolean {
  return type.includes("#") || type.startsWith("./") || type.startsWith("../");
}

/** Builds a plugin config from a section whose `type` is a module specifier. */
export function pluginConfig(module: string, section: Section): PluginConfig {
  return Object.freeze({ type: "plugin", module, options: Object.freeze(section.rest()) });
}
