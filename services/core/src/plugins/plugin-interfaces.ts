/** What a plugin can be: a store, an engine or a provider bundle. */
export type PluginKind = "online_store" | "offline_store" | "batch_engine" | "provider";

/** One member a plugin object must have. */
export interface RequiredMember {
  readonly name: string;
  readonly kind: "method" | "property";
}

const method = (name: string): RequiredMember => ({ name, kind: "method" });
const property = (name: string): RequiredMember => ({ name, kind: "property" });

/**
 * The documented interfaces, member by member (README "Plugins and providers"). They mirror
 * `OnlineStore` (services/serving), `OfflineStore` and `BatchEngine` (services/materialization).
 */
export const PLUGIN_INTERFACES: Readonly<Record<Exclude<PluginKind, "provider">, readonly RequiredMember[]>> =
  Object.freeze({
    online_store: [
      method("read"),
      method("write"),
      method("deleteView"),
      method("teardown"),
      method("ready"),
      method("close"),
      property("healthy"),
    ],
    offline_store: [
      method("pullLatest"),
      method("historical"),
      method("validateSource"),
      method("append"),
      method("close"),
    ],
    batch_engine: [method("materializeView")],
  });

/** Names of the interfaces, for messages. */
export const INTERFACE_NAMES: Readonly<Record<PluginKind, string>> = Object.freeze({
  online_store: "OnlineStore",
  offline_store: "OfflineStore",
  batch_engine: "BatchEngine",
  provider: "Provider",
});
