import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { Section, describeValue } from "./section.js";

interface RegistryTiming {
  /** How long a cached registry snapshot is trusted; 0 means it never expires (Feast). @default 60 */
  readonly cacheTtlSeconds: number;
  /** How often servers look for registry changes. @default 5 */
  readonly pollIntervalSeconds: number;
}

/** A registry kept in SQLite; `url` is SQLAlchemy-style (`sqlite:////abs/path`) and `path` the absolute file. */
export interface SqliteRegistryConfig extends RegistryTiming {
  readonly type: "sql";
  readonly dialect: "sqlite";
  readonly url: string;
  readonly path: string;
}

/** A registry kept in PostgreSQL; `url` is `postgresql://…` (a SQLAlchemy `+driver` suffix is dropped). */
export interface PostgresRegistryConfig extends RegistryTiming {
  readonly type: "sql";
  readonly dialect: "postgres";
  readonly url: string;
}

/** How an `s3://` file registry reaches its store; credentials come from the AWS SDK's standard chain. */
export interface S3RegistryOptions {
  /** Endpoint of an S3-compatible store (MinIO, Ceph, R2, GCS interop); undefined = AWS. */
  readonly endpointOverride: string | undefined;
  /** Path-style URLs (`endpoint/bucket/key`). @default true with an endpoint override, else false */
  readonly forcePathStyle: boolean;
  /** Extra PutObject parameters, as Feast's `s3_additional_kwargs` (e.g. `ServerSideEncryption`). */
  readonly putObjectParameters: Readonly<Record<string, string>>;
}

/** Feast's file registry: one serialized `feast.core.Registry` proto, at an absolute path or `s3://`/`gs://` URI. */
export interface FileRegistryConfig extends RegistryTiming {
  readonly type: "file";
  readonly path: string;
  /** Set for `s3://` paths only. */
  readonly s3?: S3RegistryOptions | undefined;
}

/** A registry served by another Larder or Feast registry server at `host:port`. */
export interface RemoteRegistryConfig extends RegistryTiming {
  readonly type: "remote";
  readonly target: string;
  readonly tls: boolean;
  /** CA certificate (PEM) to trust for the server, absolute. */
  readonly certPath: string | undefined;
}

export type SqlRegistryConfig = SqliteRegistryConfig | PostgresRegistryConfig;
export type RegistryConfig = SqlRegistryConfig | FileRegistryConfig | RemoteRegistryConfig;

/** Defaults of the `registry` section; the path is relative to the repo. */
export const DEFAULT_REGISTRY_CONFIG = Object.freeze({
  /** @default "data/registry.db" (a SQLite SQL registry, with provider local) */
  path: "data/registry.db",
  /** @default 60 */
  cacheTtlSeconds: 60,
  /** @default 5 */
  pollIntervalSeconds: 5,
  /** @default false */
  tls: false,
});

const DEFAULT_S3_OPTIONS: S3RegistryOptions = Object.freeze({
  endpointOverride: undefined,
  forcePathStyle: false,
  putObjectParameters: Object.freeze({}),
});

type Location = { kind: "postgres"; url: string } | { kind: "sqlite"; path: string } | { kind: "file"; path: string };

const POSTGRES_URL = /^postgres(?:ql)?(?:\+[A-Za-z0-9_]+)?:\/\//;
const SQLITE_URL = /^sqlite(?:\+[A-Za-z0-9_]+)?:\/\/\/(.*)$/;
const OBJECT_STORE_URI = /^(?:s3|gs):\/\/./;
const ANY_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

function repoRelative(repoPath: string, path: string): string {
  return isAbsolute(path) ? path : resolve(repoPath, path);
}

/** Classifies a registry location string the way the short `registry: <string>` form does. */
function classify(path: string, where: string, repoPath: string): Location {
  if (POSTGRES_URL.test(path)) {
    const url = path.replace(POSTGRES_URL, "postgresql://");
    let host = "";
    try {
      host = new URL(url).hostname;
    } catch {
      // Reported below with the option path.
    }
    if (host === "") throw new ConfigError(`${where} is not a valid PostgreSQL URL: ${describeValue(path)}`);
    return { kind: "postgres", url };
  }
  const sqlite = SQLITE_URL.exec(path);
  if (sqlite !== null) {
    // SQLAlchemy convention: sqlite:///rel/path is relative, sqlite:////abs/path is absolute.
    const file = sqlite[1] ?? "";
    if (file === "") throw new ConfigError(`${where} must name a file: sqlite:///path/to/registry.db`);
    return { kind: "sqlite", path: repoRelative(repoPath, file) };
  }
  if (OBJECT_STORE_URI.test(path)) return { kind: "file", path };
  if (ANY_SCHEME.test(path) || path.startsWith("sqlite:")) {
    throw new ConfigError(
      `${where} ${describeValue(path)} is not supported; use postgresql://…, sqlite:///path, s3://…, gs://… or a path`,
    );
  }
  const absolute = repoRelative(repoPath, path);
  return path.endsWith(".pb") ? { kind: "file", path: absolute } : { kind: "sqlite", path: absolute };
}

function fromLocation(location: Location, timing: RegistryTiming): RegistryConfig {
  switch (location.kind) {
    case "postgres":
      return { type: "sql", dialect: "postgres", url: location.url, ...timing };
    case "sqlite":
      return { type: "sql", dialect: "sqlite", url: `sqlite:///${location.path}`, path: location.path, ...timing };
    case "file":
      return { type: "file", path: location.path, ...timing };
  }
}

const REMOTE_TARGET = /^(?:(grpcs?|https?):\/\/)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})\/?$/;

function remote(section: Section, timing: RegistryTiming, repoPath: string): RemoteRegistryConfig {
  const where = section.pathOf("path");
  const raw = section.requiredString("path", " when registry.registry_type is remote (host:port)");
  const match = REMOTE_TARGET.exec(raw);
  const port = Number(match?.[3]);
  if (match === null || port < 1 || port > 65535) {
    throw new ConfigError(`${where} must be host:port with a port between 1 and 65535, got ${describeValue(raw)}`);
  }
  const scheme = match[1];
  if (section.has("tls") && section.has("is_tls")) {
    throw new ConfigError(`${section.pathOf("tls")} and ${section.pathOf("is_tls")} are the same option; set one`);
  }
  const schemeTls = scheme === "grpcs" || scheme === "https";
  const tls = section.has("is_tls") ? section.boolean("is_tls", false) : section.boolean("tls", schemeTls);
  section.ignore("is_tls", "tls");
  const cert = section.string("cert");
  return {
    type: "remote",
    target: `${match[2] ?? ""}:${port}`,
    tls,
    certPath: cert === undefined ? undefined : repoRelative(repoPath, cert),
    ...timing,
  };
}

/** Feast's `s3_additional_kwargs` keys that Larder passes to PutObject (boto3 and AWS SDK v3 share the names). */
const PUT_OBJECT_PARAMETERS = [
  "ACL",
  "CacheControl",
  "ContentType",
  "ServerSideEncryption",
  "SSEKMSKeyId",
  "SSEKMSEncryptionContext",
  "BucketKeyEnabled",
  "StorageClass",
  "ExpectedBucketOwner",
] as const;

/** Reads the S3 options of a mapping-form registry; they are refused for anything but an `s3://` path. */
function s3Options(section: Section, config: RegistryConfig): RegistryConfig {
  const keys = ["s3_endpoint_override", "s3_force_path_style", "s3_additional_kwargs"];
  const isS3 = config.type === "file" && config.path.startsWith("s3://");
  if (!isS3) {
    section.ignore(...keys);
    const set = keys.find((key) => section.has(key));
    if (set !== undefined) throw new ConfigError(`${section.pathOf(set)} only applies to an s3:// registry path`);
    return config;
  }
  const endpointOverride = section.string("s3_endpoint_override");
  if (endpointOverride !== undefined && !/^https?:\/\/[^/]/.test(endpointOverride)) {
    throw new ConfigError(
      `${section.pathOf("s3_endpoint_override")} must be an http:// or https:// URL, got ${describeValue(endpointOverride)}`,
    );
  }
  const forcePathStyle = section.boolean("s3_force_path_style", endpointOverride !== undefined);
  const extra = section.section("s3_additional_kwargs");
  const putObjectParameters: Record<string, string> = {};
  if (extra !== undefined) {
    for (const [key, value] of Object.entries(extra.rest())) {
      if (!(PUT_OBJECT_PARAMETERS as readonly string[]).includes(key)) {
        throw new ConfigError(
          `${extra.pathOf(key)} is not a supported PutObject parameter (supported: ${PUT_OBJECT_PARAMETERS.join(", ")})`,
        );
      }
      if (typeof value !== "string" && typeof value !== "boolean") {
        throw new ConfigError(`${extra.pathOf(key)} must be a string, got ${describeValue(value)}`);
      }
      putObjectParameters[key] = String(value);
    }
  }
  return {
    ...config,
    s3: Object.freeze({ endpointOverride, forcePathStyle, putObjectParameters: Object.freeze(putObjectParameters) }),
  };
}

/** Applies an explicit `registry_type` to a location: bare paths follow it, URLs of another kind fail. */
function coerce(type: "sql" | "file", location: Location, path: string, where: string): Location {
  const bare = !ANY_SCHEME.test(path);
  if (type === "sql" && location.kind === "file" && bare) return { kind: "sqlite", path: location.path };
  if (type === "file" && location.kind === "sqlite" && bare) return { kind: "file", path: location.path };
  if ((type === "sql") === (location.kind !== "file")) return location;
  throw new ConfigError(`${where} points at a ${location.kind} registry but registry.registry_type is ${type}`);
}

/** Validates `registry` (string or mapping) into a fully defaulted registry config. */
export function validateRegistryConfig(raw: unknown, options: { readonly repoPath: string }): RegistryConfig {
  const { repoPath } = options;
  if (raw === undefined || raw === null) raw = DEFAULT_REGISTRY_CONFIG.path;
  const timingDefaults = {
    cacheTtlSeconds: DEFAULT_REGISTRY_CONFIG.cacheTtlSeconds,
    pollIntervalSeconds: DEFAULT_REGISTRY_CONFIG.pollIntervalSeconds,
  };
  if (typeof raw === "string") {
    if (raw === "") throw new ConfigError("registry must be a non-empty string or a mapping");
    const config = fromLocation(classify(raw, "registry", repoPath), timingDefaults);
    return Object.freeze(
      config.type === "file" && config.path.startsWith("s3://") ? { ...config, s3: DEFAULT_S3_OPTIONS } : config,
    );
  }
  const section = Section.of("registry", raw);
  const declaredType = section.oneOf("registry_type", ["sql", "file", "remote"] as const, "sql");
  const explicitType = section.has("registry_type") ? declaredType : undefined;
  // Accepted for Feast compatibility: Larder picks the store from the path's scheme.
  section.ignore("registry_store_type");
  const timing: RegistryTiming = {
    cacheTtlSeconds: section.number("cache_ttl_seconds", timingDefaults.cacheTtlSeconds, { min: 0 }),
    pollIntervalSeconds: section.number("poll_interval_seconds", timingDefaults.pollIntervalSeconds, {
      min: 0.001,
      max: 86_400,
      integer: false,
    }),
  };
  let config: RegistryConfig;
  if (explicitType === "remote") {
    config = remote(section, timing, repoPath);
  } else {
    section.ignore("tls", "is_tls", "cert");
    for (const key of ["tls", "is_tls", "cert"]) {
      if (section.has(key)) {
        throw new ConfigError(`${section.pathOf(key)} only applies when registry.registry_type is remote`);
      }
    }
    const path = section.string("path") ?? DEFAULT_REGISTRY_CONFIG.path;
    const where = section.pathOf("path");
    const location = classify(path, where, repoPath);
    config = fromLocation(explicitType === undefined ? location : coerce(explicitType, location, path, where), timing);
  }
  config = s3Options(section, config);
  section.finish();
  return Object.freeze(config);
}
