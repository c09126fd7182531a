export { loadPlugin, parsePluginSpecifier, checkMembers, instantiatePlugin } from "./load-plugin.js";
export type { LoadedPlugin, PluginSpecifier } from "./load-plugin.js";
export { PLUGIN_INTERFACES, INTERFACE_NAMES } from "./plugin-interfaces.js";
export type { PluginKind, RequiredMember } from "./plugin-interfaces.js";
export { resolveRepoPlugins, createPluginInstance } from "./resolve-plugins.js";
export { loadProviderDefaults, mergeProviderSection, PROVIDER_BUNDLES } from "./providers.js";
export type { ProviderDefaults, ProviderContext, ProviderPlugin, ProviderSection } from "./providers.js";
