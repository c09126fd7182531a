import { ConfigError } from "../errors.js";
import { Section, describeValue, type NumberBounds } from "./section.js";

/** Prometheus metrics; the category switches are Feast's and all default to on. */
export interface MetricsConfig {
  /** @default false */
  readonly enabled: boolean;
  /** @default 8000 */
  readonly port: number;
  readonly resource: boolean;
  readonly request: boolean;
  readonly onlineFeatures: boolean;
  readonly push: boolean;
  readonly materialization: boolean;
  readonly freshness: boolean;
  readonly offlineFeatures: boolean;
  /** @default false */
  readonly auditLogging: boolean;
}

/** OpenTelemetry tracing; the endpoint falls back to the OTEL_* environment when undefined. */
export interface TracingConfig {
  /** @default false */
  readonly enabled: boolean;
  readonly endpoint: string | undefined;
  /** Request headers copied onto server spans (an explicit allow-list; empty by default). */
  readonly captureHeaders?: readonly string[];
}

/** Logging of served features (Feast `feature_logging`, defaults as Feast's). */
export interface FeatureLoggingConfig {
  /** @default false */
  readonly enabled: boolean;
  /** @default 600 */
  readonly flushIntervalSeconds: number;
  /** @default 30 */
  readonly writeToDiskIntervalSeconds: number;
  /** @default 100000 */
  readonly queueCapacity: number;
  /** @default 10000 */
  readonly emitTimeoutMicroseconds: number;
}

/** The feature server (`feature_server`); YAML keys are Feast's, plus Larder's limits. */
export interface FeatureServerConfig {
  readonly type: "local";
  /** @default false */
  readonly enabled: boolean;
  /** @default "127.0.0.1" */
  readonly host: string;
  /** @default 6566 */
  readonly port: number;
  /** Feast `registry_ttl_sec`: how often the server refreshes its registry view. @default 5 */
  readonly registryTtlSeconds: number;
  readonly metrics: MetricsConfig;
  readonly tracing: TracingConfig;
  /** @default false */
  readonly offlinePushBatchingEnabled: boolean;
  /** @default 1000 */
  readonly offlinePushBatchingBatchSize: number;
  /** @default 10 */
  readonly offlinePushBatchingBatchIntervalSeconds: number;
  /** Most entity rows one online read may ask for. @default 10000 */
  readonly maxEntityRows: number;
  /** Budget for one on-demand transformation call. @default 100 */
  readonly transformationTimeoutMs: number;
  /** @default "localhost:6569" */
  readonly transformationServiceEndpoint: string;
  readonly featureLogging: FeatureLoggingConfig;
}

/** Every default of `feature_server`. */
export const DEFAULT_FEATURE_SERVER_CONFIG: FeatureServerConfig = Object.freeze({
  type: "local",
  enabled: false,
  host: "127.0.0.1",
  port: 6566,
  registryTtlSeconds: 5,
  metrics: Object.freeze({
    enabled: false,
    port: 8000,
    resource: true,
    request: true,
    onlineFeatures: true,
    push: true,
    materialization: true,
    freshness: true,
    offlineFeatures: true,
    auditLogging: false,
  }),
  tracing: Object.freeze({ enabled: false, endpoint: undefined }),
  offlinePushBatchingEnabled: false,
  offlinePushBatchingBatchSize: 1000,
  offlinePushBatchingBatchIntervalSeconds: 10,
  maxEntityRows: 10_000,
  transformationTimeoutMs: 100,
  transformationServiceEndpoint: "localhost:6569",
  featureLogging: Object.freeze({
    enabled: false,
    flushIntervalSeconds: 600,
    writeToDiskIntervalSeconds: 30,
    queueCapacity: 100_000,
    emitTimeoutMicroseconds: 10_000,
  }),
});

const PORT: NumberBounds = { min: 0, max: 65535 };

/** Reads a block Feast lets be a bare boolean (`metrics: true`) or a mapping. */
function switchable(parent: Section, key: string): Section | undefined {
  const value = parent.get(key);
  if (value === undefined) return undefined;
  if (typeof value === "boolean") return Section.of(parent.pathOf(key), { enabled: value });
  return Section.of(parent.pathOf(key), value);
}

function metrics(parent: Section): MetricsConfig {
  const d = DEFAULT_FEATURE_SERVER_CONFIG.metrics;
  const s = switchable(parent, "metrics");
  if (s === undefined) return d;
  const config: MetricsConfig = {
    enabled: s.boolean("enabled", d.enabled),
    port: s.number("port", d.port, PORT),
    resource: s.boolean("resource", d.resource),
    request: s.boolean("request", d.request),
    onlineFeatures: s.boolean("online_features", d.onlineFeatures),
    push: s.boolean("push", d.push),
    materialization: s.boolean("materialization", d.materialization),
    freshness: s.boolean("freshness", d.freshness),
    offlineFeatures: s.boolean("offline_features", d.offlineFeatures),
    auditLogging: s.boolean("audit_logging", d.auditLogging),
  };
  s.finish();
  return Object.freeze(config);
}

function stringList(s: Section, key: string): readonly string[] {
  const value = s.get(key);
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new ConfigError(`${s.pathOf(key)} must be a list of strings, got ${describeValue(value)}`);
  }
  return Object.freeze([...(value as string[])]);
}

function tracing(parent: Section): TracingConfig {
  const d = DEFAULT_FEATURE_SERVER_CONFIG.tracing;
  const s = switchable(parent, "tracing");
  if (s === undefined) return d;
  const config: TracingConfig = {
    enabled: s.boolean("enabled", d.enabled),
    endpoint: s.string("endpoint"),
    captureHeaders: stringList(s, "capture_headers"),
  };
  s.finish();
  return Object.freeze(config);
}

function featureLogging(parent: Section): FeatureLoggingConfig {
  const d = DEFAULT_FEATURE_SERVER_CONFIG.featureLogging;
  const s = switchable(parent, "feature_logging");
  if (s === undefined) return d;
  const config: FeatureLoggingConfig = {
    enabled: s.boolean("enabled", d.enabled),
    flushIntervalSeconds: s.number("flush_interval_secs", d.flushIntervalSeconds, { min: 1 }),
    writeToDiskIntervalSeconds: s.number("write_to_disk_interval_secs", d.writeToDiskIntervalSeconds, { min: 1 }),
    queueCapacity: s.number("queue_capacity", d.queueCapacity, { min: 1 }),
    emitTimeoutMicroseconds: s.number("emit_timeout_micro_secs", d.emitTimeoutMicroseconds, { min: 0 }),
  };
  s.finish();
  return Object.freeze(config);
}

/** Validates `feature_server` into a fully defaulted config. */
export function validateFeatureServerConfig(raw: unknown): FeatureServerConfig {
  if (raw === undefined || raw === null) return DEFAULT_FEATURE_SERVER_CONFIG;
  const d = DEFAULT_FEATURE_SERVER_CONFIG;
  const s = Section.of("feature_server", raw);
  const type = s.get("type");
  if (type !== undefined && type !== "local") {
    throw new ConfigError(`feature_server.type must be local, got ${describeValue(type)}`);
  }
  const config: FeatureServerConfig = {
    type: "local",
    enabled: s.boolean("enabled", d.enabled),
    host: s.string("host") ?? d.host,
    port: s.number("port", d.port, PORT),
    registryTtlSeconds: s.number("registry_ttl_sec", d.registryTtlSeconds, { min: 0 }),
    metrics: metrics(s),
    tracing: tracing(s),
    offlinePushBatchingEnabled: s.boolean("offline_push_batching_enabled", d.offlinePushBatchingEnabled),
    offlinePushBatchingBatchSize: s.number("offline_push_batching_batch_size", d.offlinePushBatchingBatchSize, {
      min: 1,
    }),
    offlinePushBatchingBatchIntervalSeconds: s.number(
      "offline_push_batching_batch_interval_seconds",
      d.offlinePushBatchingBatchIntervalSeconds,
      { min: 1 },
    ),
    maxEntityRows: s.number("max_entity_rows", d.maxEntityRows, { min: 1, max: 10_000_000 }),
    transformationTimeoutMs: s.number("transformation_timeout_ms", d.transformationTimeoutMs, {
      min: 1,
      max: 600_000,
    }),
    transformationServiceEndpoint: s.string("transformation_service_endpoint") ?? d.transformationServiceEndpoint,
    featureLogging: featureLogging(s),
  };
  s.finish();
  return Object.freeze(config);
}
