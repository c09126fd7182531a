// Telemetry: Prometheus metrics, OpenTelemetry tracing, request ids and the audit log.
export { Telemetry } from "./telemetry.js";
export type { TelemetryOptions, WatchedRegistry, ClientSpan } from "./telemetry.js";
export { resolveTelemetrySettings } from "./telemetry-config.js";
export type { TelemetrySettings, TelemetryEnv } from "./telemetry-config.js";
export { LarderMetrics } from "./larder-metrics.js";
export { MetricsRegistry, Counter, Gauge, Histogram, MAX_SERIES_PER_METRIC } from "./prometheus-registry.js";
export { FeatureFreshness, lastMaterializedMs } from "./feature-freshness.js";
export { traceContextInterceptor } from "./trace-context-interceptor.js";
export { observeRegistryVersion } from "./observe-registry.js";
export { noteRead, callScopes } from "./call-scope.js";
export type { CallScope } from "./call-scope.js";
export { kRequestId, requestIdFrom } from "./request-id.js";
export { LARDER_TRACER } from "./tracing.js";
export type { HttpWrapper } from "./http-tracing.js";
