import type { MetricsConfig, TracingConfig } from "../config/feature-server-config.js";
import { ConfigError } from "../errors.js";

/** What a process turns on, from `feature_server.metrics` / `tracing` and the standard OTEL_* variables. */
export interface TelemetrySettings {
  readonly metrics: MetricsConfig;
  readonly tracing:
    | { readonly enabled: false }
    | {
        readonly enabled: true;
        /** OTLP/HTTP (JSON) traces URL, e.g. `http://collector:4318/v1/traces`. */
        readonly url: string;
        readonly serviceName: string;
        /** Request headers copied onto server spans (explicit allow-list; credentials are refused). */
        readonly captureHeaders: readonly string[];
      };
  /** One JSON line per call on the `larder.audit` logger. */
  readonly auditLogging: boolean;
}

/** Environment variables read here (the composition root passes `process.env`). */
export type TelemetryEnv = Readonly<Record<string, string | undefined>>;

const DEFAULT_OTLP_ENDPOINT = "http://localhost:4318";
/** Headers that carry credentials: never copied onto a span, whatever the allow-list says. */
const SECRET_HEADERS = new Set(["authorization", "cookie", "proxy-authorization", "x-api-key"]);

function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, "");
  return trimmed.endsWith("/v1/traces") ? trimmed : `${trimmed}/v1/traces`;
}

/**
 * Resolves telemetry for one process. Tracing is opt-in: `feature_server.tracing.enabled: true` or
 * `OTEL_TRACES_EXPORTER=otlp`; `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off.
 * The endpoint is `tracing.endpoint`, else `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
 * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`.
 */
export function resolveTelemetrySettings(
  config: { readonly metrics: MetricsConfig; readonly tracing: TracingConfig },
  env: TelemetryEnv,
  defaultServiceName: string,
): TelemetrySettings {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true";
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  for (const exporter of exporters) {
    if (exporter !== "otlp" && exporter !== "none") {
      throw new ConfigError(`OTEL_TRACES_EXPORTER: only otlp and none are supported, got ${exporter}`);
    }
  }
  const tracingOn = !disabled && !exporters.includes("none") && (config.tracing.enabled || exporters.includes("otlp"));
  const captureHeaders = (config.tracing.captureHeaders ?? []).map((h) => h.toLowerCase());
  for (const header of captureHeaders) {
    if (SECRET_HEADERS.has(header)) {
      throw new ConfigError(
        `feature_server.tracing.capture_headers: ${header} carries credentials and is never recorded`,
      );
    }
  }
  const endpoint =
    config.tracing.endpoint !== undefined
      ? tracesUrl(config.tracing.endpoint)
      : (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? tracesUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? DEFAULT_OTLP_ENDPOINT));
  const tracing: TelemetrySettings["tracing"] = tracingOn
    ? { enabled: true, url: endpoint, serviceName: env.OTEL_SERVICE_NAME ?? defaultServiceName, captureHeaders }
    : { enabled: false };
  return Object.freeze({ metrics: config.metrics, tracing, auditLogging: config.metrics.auditLogging });
}
