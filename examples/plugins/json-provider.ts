// A provider plugin: the local bundle, but with the JSON-file online store above as the default.
// Use it with:   provider: ./plugins/json-provider.ts#jsonProvider
// Any section feature_store.yaml gives still wins (same type: its keys override the provider's).
import type { ProviderContext, ProviderDefaults } from "@larder/core";

/** Returns the sections this provider fills in when feature_store.yaml leaves them out. */
export function jsonProvider(context: ProviderContext): ProviderDefaults {
  return {
    base: "local",
    online_store: {
      type: "./plugins/json-online-store.ts#JsonOnlineStore",
      path: `data/${context.project}-online.json`,
    },
  };
}
