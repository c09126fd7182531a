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
  S3RegistryOptions,
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

// --- Permissions: the registry's Permission objects enforced on servers (src/permissions) ---
// The principal the auth interceptor sets; handlers read it for their permission checks.
export { kPrincipal, ANONYMOUS } from "./auth/principal.js";
export type { Principal } from "./auth/principal.js";
export { Authorizer, NO_AUTHORIZATION, refusalError } from "./permissions/authorizer.js";
export type { AuthorizerOptions } from "./permissions/authorizer.js";
export type { PermissionGuard } from "./permissions/guard.js";
export { decide } from "./permissions/decision.js";
export type { Decision } from "./permissions/decision.js";
export {
  ALL_ACTIONS,
  CREATE,
  DELETE,
  DESCRIBE,
  DESCRIBE_UPDATE,
  READ_OFFLINE,
  READ_ONLINE,
  WRITE_OFFLINE,
  WRITE_ONLINE,
  WRITE_ONLINE_AND_OFFLINE,
  actionName,
  actionsLabel,
} from "./permissions/actions.js";
export {
  compilePermission,
  typeMatches,
  nameMatches,
  tagsMatch,
  permissionCovers,
  grantsAll,
} from "./permissions/matcher.js";
export type { CompiledPermission } from "./permissions/matcher.js";
export { policyAccepts, policyRoles, describePolicy } from "./permissions/policy.js";
export { ResourceTypes, resourceTypeLabel, describeResource } from "./permissions/resource.js";
export type { Resource, ResourceType } from "./permissions/resource.js";
export {
  specResource,
  dataSourceResource,
  projectResource,
  namedProjectResource,
  viewResource,
  viewResources,
  featureReadResources,
  pushSourceResources,
  projectObjectResources,
} from "./permissions/registry-resources.js";
export { coverageReport, rolesInPolicies } from "./permissions/coverage.js";
export type { CoverageReport } from "./permissions/coverage.js";
// --- end permissions ---

// --- Telemetry: Prometheus metrics, OpenTelemetry tracing, request ids, audit log (src/telemetry) ---
export {
  Telemetry,
  resolveTelemetrySettings,
  LarderMetrics,
  MetricsRegistry,
  Counter,
  Gauge,
  Histogram,
  MAX_SERIES_PER_METRIC,
  FeatureFreshness,
  lastMaterializedMs,
  traceContextInterceptor,
  observeRegistryVersion,
  noteRead,
  kRequestId,
  requestIdFrom,
  LARDER_TRACER,
} from "./telemetry/index.js";
export type {
  TelemetryOptions,
  WatchedRegistry,
  ClientSpan,
  TelemetrySettings,
  TelemetryEnv,
  CallScope,
  HttpWrapper,
} from "./telemetry/index.js";
// --- end telemetry ---

// --- Plugins: stores, engines and providers from outside Larder (src/plugins) ---
export type { ValidateRepoConfigOptions } from "./config/repo-config.js";
export {
  loadPlugin,
  parsePluginSpecifier,
  checkMembers,
  instantiatePlugin,
  PLUGIN_INTERFACES,
  INTERFACE_NAMES,
  resolveRepoPlugins,
  createPluginInstance,
  loadProviderDefaults,
  mergeProviderSection,
  PROVIDER_BUNDLES,
} from "./plugins/index.js";
export type {
  LoadedPlugin,
  PluginSpecifier,
  PluginKind,
  RequiredMember,
  ProviderDefaults,
  ProviderContext,
  ProviderPlugin,
  ProviderSection,
} from "./plugins/index.js";
// --- end plugins ---

// --- Authentication: bearer tokens on servers and clients (src/auth) ---
// ANONYMOUS, kPrincipal and Principal are exported with permissions above.
export { authInterceptorFor, createTokenVerifier } from "./auth/create-auth.js";
export type { AuthSetupOptions } from "./auth/create-auth.js";
export { createAuthInterceptor, MISSING_TOKEN_MESSAGE } from "./auth/auth-interceptor.js";
export { bearerToken } from "./auth/bearer-token.js";
export type { TokenVerifier } from "./auth/token-verifier.js";
export { createOidcVerifier, INVALID_TOKEN_MESSAGE } from "./auth/oidc/oidc-verifier.js";
export type { OidcVerifierOptions } from "./auth/oidc/oidc-verifier.js";
export { principalFromClaims } from "./auth/oidc/claims.js";
export { fetchDiscovery } from "./auth/oidc/discovery.js";
export type { OidcDiscovery } from "./auth/oidc/discovery.js";
export { createKubernetesVerifier } from "./auth/kubernetes/kubernetes-verifier.js";
export type { KubernetesVerifierOptions } from "./auth/kubernetes/kubernetes-verifier.js";
export { kubeConnection, SERVICE_ACCOUNT_DIR } from "./auth/kubernetes/in-cluster.js";
export type { KubeConnection, KubeConnectionOptions } from "./auth/kubernetes/in-cluster.js";
export { createTokenProvider, LARDER_AUTH_TOKEN_ENV } from "./auth/client/create-token-provider.js";
export type { TokenProviderOptions } from "./auth/client/create-token-provider.js";
export { staticTokenProvider, NO_TOKEN } from "./auth/client/token-provider.js";
export type { TokenProvider } from "./auth/client/token-provider.js";
export { oidcGrantProvider } from "./auth/client/oidc-grant-provider.js";
export type { OidcGrantOptions } from "./auth/client/oidc-grant-provider.js";
export { bearerTokenInterceptor } from "./auth/client/bearer-interceptor.js";
// --- end authentication ---
