import type { Telemetry } from "./telemetry.js";

/** The part of a registry API whose polls show the snapshot is current. */
interface VersionSource {
  version(): Promise<{ version: bigint }>;
}

/**
 * Wraps a registry API so each successful `version()` poll feeds the snapshot age and version
 * gauges; every other member passes through untouched.
 */
export function observeRegistryVersion<T extends VersionSource>(api: T, telemetry: Telemetry): T {
  if (telemetry.metrics === undefined) return api;
  const version = async (): Promise<{ version: bigint }> => {
    const result = await api.version();
    telemetry.noteRegistrySync(result.version);
    return result;
  };
  return new Proxy(api, {
    get(target, property) {
      if (property === "version") return version;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
