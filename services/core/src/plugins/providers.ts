import { ConfigError } from "../errors.js";
import { isPluginType } from "../config/plugin-config.js";
import { describeValue, isMapping } from "../config/section.js";
import { loadPlugin } from "./load-plugin.js";

/** The sections a provider fills in when feature_store.yaml leaves them out, in feature_store.yaml's shape. */
export interface ProviderDefaults {
  /** Which built-in bundle fills what this provider leaves out. @default "local" */
  readonly base?: "local" | "server";
  readonly registry?: string | Readonly<Record<string, unknown>>;
  readonly online_store?: string | Readonly<Record<string, unknown>>;
  readonly offline_store?: string | Readonly<Record<string, unknown>>;
  readonly batch_engine?: string | Readonly<Record<string, unknown>>;
}

/** What a provider plugin receives. */
export interface ProviderContext {
  readonly project: string;
  readonly repoPath: string;
  /** The parsed feature_store.yaml (after `$VAR` expansion), read-only. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** A provider plugin: a function returning its defaults (or a promise of them), or the defaults object itself. */
export type ProviderPlugin =
  ((context: ProviderContext) => ProviderDefaults | Promise<ProviderDefaults>) | ProviderDefaults;

/**
 * The built-in bundles, for documentation and `larder`'s own checks: what each component defaults to.
 * `server` has no default registry or offline store connection: they are required, with a message.
 */
export const PROVIDER_BUNDLES = Object.freeze({
  local: Object.freeze({
    registry: "data/registry.db (SQLite)",
    online_store: "sqlite (data/online.db)",
    offline_store: "file (DuckDB over Parquet/CSV)",
    batch_engine: "local",
  }),
  server: Object.freeze({
    registry: "required: postgresql://…",
    online_store: "redis (localhost:6379)",
    offline_store: "required: postgres (url, or host, database, user)",
    batch_engine: "bullmq (the online store's Redis when it is a single node, else redis://127.0.0.1:6379)",
  }),
});

const SECTIONS = ["registry", "online_store", "offline_store", "batch_engine"] as const;
export type ProviderSection = (typeof SECTIONS)[number];

function typeOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (isMapping(value) && typeof value.type === "string") return value.type;
  return undefined;
}

/**
 * One component's raw section: the user's wins. When the user's section names no type or the same type as
 * the provider's, the provider's keys fill in what the user left out; another type replaces it whole.
 */
export function mergeProviderSection(section: ProviderSection, user: unknown, provided: unknown): unknown {
  if (user === undefined || user === null) return provided;
  if (provided === undefined || section === "registry") return user;
  const userType = typeOf(user);
  const providedType = typeOf(provided);
  if (userType !== undefined && userType !== providedType) return user;
  const base = isMapping(provided) ? provided : { type: provided };
  const own = isMapping(user) ? user : { type: user };
  return { ...base, ...own };
}

function checkDefaults(spec: string, value: unknown): ProviderDefaults {
  if (!isMapping(value)) {
    throw new ConfigError(
      `provider ${JSON.stringify(spec)} must return a mapping of sections, got ${describeValue(value)}`,
    );
  }
  for (const key of Object.keys(value)) {
    if (key !== "base" && !(SECTIONS as readonly string[]).includes(key)) {
      throw new ConfigError(
        `provider ${JSON.stringify(spec)} returned an unknown section ${JSON.stringify(key)} (known: base, ${SECTIONS.join(", ")})`,
      );
    }
  }
  if (value.base !== undefined && value.base !== "local" && value.base !== "server") {
    throw new ConfigError(
      `provider ${JSON.stringify(spec)}: base must be local or server, got ${describeValue(value.base)}`,
    );
  }
  return value;
}

/** Loads a provider plugin (`provider: ./plugins/p.ts#MyProvider`) and returns its defaults; undefined for a built-in name. */
export async function loadProviderDefaults(
  provider: unknown,
  context: ProviderContext,
): Promise<ProviderDefaults | undefined> {
  if (typeof provider !== "string" || !isPluginType(provider)) return undefined;
  const loaded = await loadPlugin("provider", provider, context.repoPath);
  let result: unknown = loaded.value;
  if (typeof result === "function") {
    try {
      result = await (result as (c: ProviderContext) => unknown)(context);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(`provider ${JSON.stringify(provider)} failed: ${reason}`, { cause: error });
    }
  }
  return checkDefaults(provider, result);
}
