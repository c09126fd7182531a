import { ConfigError } from "../errors.js";
import { isPluginType, pluginConfig, type PluginConfig } from "./plugin-config.js";
import { describeValue, typedSection, type Section } from "./section.js";

/** Offline store over local Parquet/CSV files, queried with DuckDB (Feast `file`, `dask`, `duckdb`). */
export interface FileOfflineStoreConfig {
  readonly type: "file";
}

export type PostgresSslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

/** Offline store in PostgreSQL, normalized from Feast's keys or from a `url`. */
export interface PostgresOfflineStoreConfig {
  readonly type: "postgres";
  readonly host: string;
  /** @default 5432 */
  readonly port: number;
  readonly database: string;
  /** Feast `db_schema`. @default "public" */
  readonly schema: string;
  readonly user: string;
  readonly password: string | undefined;
  readonly sslmode: PostgresSslMode | undefined;
  /** @default 1 */
  readonly minConn: number;
  /** @default 10 */
  readonly maxConn: number;
}

export type OfflineStoreConfig = FileOfflineStoreConfig | PostgresOfflineStoreConfig | PluginConfig;

/** Defaults of the postgres offline store (Feast's PostgreSQLConfig defaults). */
export const DEFAULT_POSTGRES_OFFLINE_STORE_CONFIG = Object.freeze({
  port: 5432,
  schema: "public",
  minConn: 1,
  maxConn: 10,
});

const FILE_ALIASES = ["file", "dask", "duckdb"];
const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
const URL_EXCLUSIVE = ["host", "port", "database", "user", "password", "sslmode"];

function checkSslMode(value: string | undefined, where: string): PostgresSslMode | undefined {
  if (value === undefined || (SSL_MODES as readonly string[]).includes(value)) return value as PostgresSslMode;
  throw new ConfigError(`${where} must be one of ${SSL_MODES.join(", ")}, got ${describeValue(value)}`);
}

function fromUrl(
  text: string,
  where: string,
): Omit<PostgresOfflineStoreConfig, "type" | "schema" | "minConn" | "maxConn"> {
  let url: URL | undefined;
  if (/^postgres(?:ql)?:\/\//.test(text)) {
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
  }
  const database = url === undefined ? "" : decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (url === undefined || url.hostname === "" || database === "" || url.username === "") {
    throw new ConfigError(`${where} must be postgresql://user[:password]@host[:port]/database, got a malformed URL`);
  }
  for (const key of url.searchParams.keys()) {
    if (key !== "sslmode") throw new ConfigError(`${where} has an unsupported parameter ${describeValue(key)}`);
  }
  const port = url.port === "" ? DEFAULT_POSTGRES_OFFLINE_STORE_CONFIG.port : Number(url.port);
  return {
    host: url.hostname,
    port,
    database,
    user: decodeURIComponent(url.username),
    password: url.password === "" ? undefined : decodeURIComponent(url.password),
    sslmode: checkSslMode(url.searchParams.get("sslmode") ?? undefined, `${where} sslmode`),
  };
}

function postgres(section: Section): PostgresOfflineStoreConfig {
  const d = DEFAULT_POSTGRES_OFFLINE_STORE_CONFIG;
  const url = section.string("url");
  let connection: Omit<PostgresOfflineStoreConfig, "type" | "schema" | "minConn" | "maxConn">;
  if (url !== undefined) {
    const clash = URL_EXCLUSIVE.find((key) => section.has(key));
    if (clash !== undefined) {
      throw new ConfigError(`${section.pathOf(clash)} cannot be combined with ${section.pathOf("url")}; use one form`);
    }
    section.ignore(...URL_EXCLUSIVE);
    connection = fromUrl(url, section.pathOf("url"));
  } else {
    const needs = " (or give offline_store.url)";
    connection = {
      host: section.requiredString("host", needs),
      port: section.number("port", d.port, { min: 1, max: 65535 }),
      database: section.requiredString("database", needs),
      user: section.requiredString("user", needs),
      password: section.string("password"),
      sslmode: checkSslMode(section.string("sslmode"), section.pathOf("sslmode")),
    };
  }
  const minConn = section.number("min_conn", d.minConn, { min: 0, max: 1000 });
  const maxConn = section.number("max_conn", d.maxConn, { min: 1, max: 1000 });
  if (minConn > maxConn) {
    throw new ConfigError(
      `${section.pathOf("min_conn")} (${minConn}) must not exceed ${section.pathOf("max_conn")} (${maxConn})`,
    );
  }
  return {
    type: "postgres",
    ...connection,
    schema: section.string("db_schema") ?? d.schema,
    minConn,
    maxConn,
  };
}

/** Validates `offline_store`; provider `server` defaults to postgres (which then needs its connection). */
export function validateOfflineStoreConfig(raw: unknown, options: { readonly provider: string }): OfflineStoreConfig {
  const server = options.provider === "server";
  if (server && (raw === undefined || raw === null)) {
    throw new ConfigError(
      "offline_store is required with provider server: type postgres with url, or host, database and user",
    );
  }
  const { section, type } = typedSection("offline_store", raw, server ? "postgres" : "file");
  let config: OfflineStoreConfig;
  if (isPluginType(type)) {
    config = pluginConfig(type, section);
  } else if (FILE_ALIASES.includes(type)) {
    config = { type: "file" };
  } else if (type === "postgres") {
    config = postgres(section);
  } else {
    throw new ConfigError(
      `offline_store.type ${describeValue(type)} is not supported; expected file (dask, duckdb), postgres, or a plugin module`,
    );
  }
  section.finish();
  return Object.freeze(config);
}
