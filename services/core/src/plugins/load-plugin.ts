import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../errors.js";
import { INTERFACE_NAMES, PLUGIN_INTERFACES, type PluginKind } from "./plugin-interfaces.js";

/** A plugin specifier split into its module and export: `./plugins/store.ts#MyStore`, `pkg#Export`. */
export interface PluginSpecifier {
  readonly module: string;
  /** The named export; undefined = the module's only exported function or class. */
  readonly exportName: string | undefined;
}

/** Splits `module#Export`. */
export function parsePluginSpecifier(spec: string): PluginSpecifier {
  const hash = spec.lastIndexOf("#");
  const module = hash < 0 ? spec : spec.slice(0, hash);
  const exportName = hash < 0 ? undefined : spec.slice(hash + 1);
  if (module === "" || exportName === "") {
    throw new ConfigError(`plugin ${JSON.stringify(spec)} must be ./path/to/module.ts#Export or package#Export`);
  }
  return { module, exportName };
}

function isPath(module: string): boolean {
  return module.startsWith("./") || module.startsWith("../") || isAbsolute(module);
}

/** The URL to import: paths resolve against the repo; packages from the repo first, then from Larder. */
function moduleUrl(module: string, repoPath: string): string {
  if (isPath(module)) return pathToFileURL(resolve(repoPath, module)).href;
  try {
    return pathToFileURL(createRequire(join(repoPath, "feature_store.yaml")).resolve(module)).href;
  } catch {
    return module;
  }
}

/** A loaded plugin export, with where it came from for messages. */
export interface LoadedPlugin {
  readonly kind: PluginKind;
  readonly spec: string;
  readonly value: unknown;
  /** The feature repo the plugin was loaded for; every plugin's context carries it. */
  readonly repoPath: string;
}

/**
 * Imports a plugin at start-up (TypeScript through tsx, as the CLI runs) and returns its export.
 * Fails with a ConfigError naming the option when the module cannot be loaded or lacks the export.
 */
export async function loadPlugin(kind: PluginKind, spec: string, repoPath: string): Promise<LoadedPlugin> {
  const { module, exportName } = parsePluginSpecifier(spec);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(moduleUrl(module, repoPath))) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ConfigError(`${kind}.type ${JSON.stringify(spec)}: cannot load the plugin module: ${reason}`, {
      cause: error,
    });
  }
  let value: unknown;
  if (exportName !== undefined) {
    if (!(exportName in namespace)) {
      const exported = Object.keys(namespace).sort().join(", ") || "nothing";
      throw new ConfigError(
        `${kind}.type ${JSON.stringify(spec)}: the module has no export ${JSON.stringify(exportName)} (it exports ${exported})`,
      );
    }
    value = namespace[exportName];
  } else {
    const candidates = Object.entries(namespace).filter(([, v]) => typeof v === "function");
    if (candidates.length !== 1) {
      throw new ConfigError(
        `${kind}.type ${JSON.stringify(spec)}: name the export to use, as ${module}#Export (the module exports ${candidates.length} functions or classes)`,
      );
    }
    value = candidates[0]![1];
  }
  if (value === null || (typeof value !== "function" && typeof value !== "object")) {
    throw new ConfigError(
      `${kind}.type ${JSON.stringify(spec)}: the export must be a class, a factory function or an object implementing ${INTERFACE_NAMES[kind]}`,
    );
  }
  if (kind !== "provider" && isClass(value)) checkMembers(kind, spec, (value as { prototype: object }).prototype, true);
  return { kind, spec, value, repoPath };
}

function isClass(value: unknown): boolean {
  return typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/**
 * Checks an object against the documented interface of its kind and fails naming the first missing member.
 * On a class prototype only methods are checked (properties are set by the constructor).
 */
export function checkMembers(
  kind: Exclude<PluginKind, "provider">,
  spec: string,
  target: object,
  prototypeOnly = false,
): void {
  const holder = target as Record<string, unknown>;
  for (const member of PLUGIN_INTERFACES[kind]) {
    if (member.kind === "property") {
      if (prototypeOnly || member.name in holder) continue;
    } else if (typeof holder[member.name] === "function") {
      continue;
    }
    const required = PLUGIN_INTERFACES[kind].map((m) => (m.kind === "method" ? `${m.name}()` : m.name)).join(", ");
    throw new ConfigError(
      `${kind}.type ${JSON.stringify(spec)} does not implement ${INTERFACE_NAMES[kind]}: missing ${member.kind} ${member.name}` +
        ` (required: ${required})`,
    );
  }
}

/**
 * Builds a plugin object: a class is constructed with `new Export(options, context)`, a function is
 * called as `Export(options, context)`, a plain object is used as it is. The result is checked against
 * the interface. Factories must return the object itself, not a promise (async set-up belongs in `ready()`).
 */
export function instantiatePlugin<T>(
  loaded: LoadedPlugin,
  options: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>>,
): T {
  const context = { repoPath: loaded.repoPath, ...extra };
  const kind = loaded.kind;
  if (kind === "provider") throw new ConfigError("providers are not instantiated");
  let instance: unknown;
  try {
    const value = loaded.value as ((...args: unknown[]) => unknown) & (new (...args: unknown[]) => unknown);
    if (isClass(value)) instance = new value(options, context);
    else if (typeof value === "function") instance = value(options, context);
    else instance = value;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${kind}.type ${JSON.stringify(loaded.spec)}: the plugin failed to start: ${reason}`, {
      cause: error,
    });
  }
  if (
    instance === null ||
    typeof instance !== "object" ||
    typeof (instance as { then?: unknown }).then === "function"
  ) {
    throw new ConfigError(
      `${kind}.type ${JSON.stringify(loaded.spec)}: the plugin must return a ${INTERFACE_NAMES[kind]} object synchronously`,
    );
  }
  checkMembers(kind, loaded.spec, instance);
  return instance as T;
}
