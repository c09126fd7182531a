export { createServer } from "./server/server.js";
export type { LarderServer } from "./server/server.js";
export { serveUntilSignal } from "./server/lifecycle.js";
export { validateServerOptions, DEFAULT_SERVER_OPTIONS } from "./server/server-options.js";
export type { ServerOptions, ServerOptionsInput, TlsOptions } from "./server/server-options.js";
export { HealthRegistry, ServingStatus, createHealthService } from "./server/health.js";
export { EncodedMessage } from "./server/grpc-adapter.js";
export type { GrpcRegistration } from "./server/grpc-adapter.js";
export type { CallInfo, CallInterceptor, CallProtocol } from "./server/interceptor.js";
export { createConcurrencyLimit } from "./server/concurrency-limit.js";
export type { ConcurrencyLimit } from "./server/concurrency-limit.js";
export { RestRouter, sendError } from "./server/rest-router.js";
export type { RestRequest, RestResponse, RestRoute } from "./server/rest-router.js";
export {
  LarderError,
  InvalidArgumentError,
  NotFoundError,
  AlreadyExistsError,
  FailedPreconditionError,
  AbortedError,
  UnavailableError,
  ResourceExhaustedError,
  UnauthenticatedError,
  PermissionDeniedError,
  UnimplementedError,
  DeadlineExceededError,
  ConfigError,
  Code,
  ConnectError,
} from "./errors.js";
export { toConnectError, httpStatusFromCode, codeName } from "./error-mapping.js";
export type { UnmappedErrorReporter } from "./error-mapping.js";
export { createLogger, silentLogger } from "./logger.js";
export type { Logger, LogLevel } from "./logger.js";

// --- feature_store.yaml: parsing and validation (src/config) ---
export { expandEnv } from "./config/expand-env.js";
export type { Environment } from "./config/expand-env.js";
export { loadRepoConfig, FEATURE_STORE_YAML } from "./config/load-repo-config.js";
export type { LoadRepoConfigOptions } from "./config/load-repo-config.js";
export { validateRepoConfig, defineRepoConfig, DEFAULT_REPO_CONFIG } from "./config/repo-config.js";
export type { RepoConfig, RepoConfigInput } from "./config/repo-config.js";
export { validateRegistryConfig, DEFAULT_REGISTRY_CONFIG } from "./config/registry-config.js";
export type {
  RegistryConfig,
  SqlRegistryConfig,
  SqliteRegistryConfig,
  PostgresRegistryConfig,
  FileRegistryConfig,
  RemoteRegistryConfig,
} from "./config/registry-config.js";
export {
  validateOnlineStoreConfig,
  DEFAULT_SQLITE_ONLINE_STORE_CONFIG,
  DEFAULT_REDIS_ONLINE_STORE_CONFIG,
} from "./config/online-store-config.js";
export type {
  OnlineStoreConfig,
  SqliteOnlineStoreConfig,
  RedisOnlineStoreConfig,
  DisabledOnlineStoreConfig,
  RedisType,
  OnlineStoreLayout,
} from "./config/online-store-config.js";
export { parseRedisConnectionString } from "./config/redis-connection-string.js";
export type { RedisConnection, RedisNode } from "./config/redis-connection-string.js";
export { validateOfflineStoreConfig, DEFAULT_POSTGRES_OFFLINE_STORE_CONFIG } from "./config/offline-store-config.js";
export type {
  OfflineStoreConfig,
  FileOfflineStoreConfig,
  PostgresOfflineStoreConfig,
  PostgresSslMode,
} from "./config/offline-store-config.js";
export { validateBatchEngineConfig, DEFAULT_BULLMQ_BATCH_ENGINE_CONFIG } from "./config/batch-engine-config.js";
export type {
  BatchEngineConfig,
  LocalBatchEngineConfig,
  BullmqBatchEngineConfig,
} from "./config/batch-engine-config.js";
export { validateAuthConfig, DEFAULT_OIDC_AUTH_CONFIG, DEFAULT_UNCOVERED_POLICY } from "./config/auth-config.js";
export type {
  AuthConfig,
  NoAuthConfig,
  OidcAuthConfig,
  KubernetesAuthConfig,
  UncoveredPolicy,
} from "./config/auth-config.js";
export { validateFeatureServerConfig, DEFAULT_FEATURE_SERVER_CONFIG } from "./config/feature-server-config.js";
export type {
  FeatureServerConfig,
  MetricsConfig,
  TracingConfig,
  FeatureLoggingConfig,
} from "./config/feature-server-config.js";
export { isPluginType } from "./config/plugin-config.js";
export type { PluginConfig } from "./config/plugin-config.js";
// --- end feature_store.yaml ---

// --- Value conversion: Feast JSON rendering and input coercion (src/values) ---
export { valueToJson, timestampToRfc3339, timestampMsToRfc3339, fieldStatusName } from "./values/render-json.js";
export { valueToJsonText } from "./values/render-json-text.js";
export { secondsNanosToRfc3339 } from "./values/timestamp-format.js";
export { coerceJsonToValue, coerceValueToType, valueTypeOf, valueTypeName, parseTimestamp } from "./values/coerce.js";
export { parseIsoTimestamp, EPOCH_MS_THRESHOLD } from "./values/parse-timestamp.js";
export type { ParsedTimestamp, ParsedIsoTimestamp } from "./values/parse-timestamp.js";
export { zonedTimestampToIso, NULL_TIMESTAMP_SECONDS } from "./values/zoned-timestamp.js";
export { formatPythonFloat } from "./values/python-float.js";
export { makeValue } from "./values/make-value.js";
export type { ValueInit } from "./values/make-value.js";
// --- end value conversion ---

// --- API docs: OpenAPI 3.1 document and Swagger UI (src/docs) ---
export { buildOpenApi } from "./docs/openapi.js";
export type { OpenApiInput, RestRouteDoc } from "./docs/openapi.js";
export { docsRoutes, DOCS_ROUTE_DOCS, OPENAPI_PATH, DOCS_PATH } from "./docs/docs-routes.js";
export { mountDocs, HEALTH_ROUTE_DOC } from "./docs/mount-docs.js";
export type { MountDocsInput } from "./docs/mount-docs.js";
export { ProtoSchemas, scalarSchema } from "./docs/proto-schema.js";
export type { JsonSchema } from "./docs/proto-schema.js";
// --- end API docs ---
