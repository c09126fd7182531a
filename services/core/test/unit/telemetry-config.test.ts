import { describe, expect, it } from "vitest";
import { DEFAULT_FEATURE_SERVER_CONFIG, validateFeatureServerConfig } from "../../src/config/feature-server-config.js";
import { ConfigError } from "../../src/errors.js";
import { resolveTelemetrySettings } from "../../src/telemetry/telemetry-config.js";

const d = DEFAULT_FEATURE_SERVER_CONFIG;

describe("resolveTelemetrySettings", () => {
  it("turns nothing on by default", () => {
    const settings = resolveTelemetrySettings(d, {}, "larder-feature-server");
    expect(settings.metrics.enabled).toBe(false);
    expect(settings.metrics.port).toBe(8000);
    expect(settings.tracing.enabled).toBe(false);
    expect(settings.auditLogging).toBe(false);
  });

  it("turns tracing on with OTEL_TRACES_EXPORTER=otlp and takes the OTEL_* endpoint and service name", () => {
    const settings = resolveTelemetrySettings(
      d,
      {
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
        OTEL_SERVICE_NAME: "fs-a",
      },
      "larder-feature-server",
    );
    expect(settings.tracing).toEqual({
      enabled: true,
      url: "http://collector:4318/v1/traces",
      serviceName: "fs-a",
      captureHeaders: [],
    });
  });

  it("prefers tracing.endpoint, then OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", () => {
    const config = validateFeatureServerConfig({ tracing: { enabled: true, endpoint: "http://a:4318" } });
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b:4318/v1/traces" };
    const fromConfig = resolveTelemetrySettings(config, env, "x");
    expect(fromConfig.tracing.enabled && fromConfig.tracing.url).toBe("http://a:4318/v1/traces");
    const fromEnv = resolveTelemetrySettings(validateFeatureServerConfig({ tracing: true }), env, "x");
    expect(fromEnv.tracing.enabled && fromEnv.tracing.url).toBe("http://b:4318/v1/traces");
    expect(fromEnv.tracing.enabled && fromEnv.tracing.serviceName).toBe("x");
  });

  it("lets OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none switch configured tracing off", () => {
    const config = validateFeatureServerConfig({ tracing: { enabled: true } });
    expect(resolveTelemetrySettings(config, { OTEL_SDK_DISABLED: "true" }, "x").tracing.enabled).toBe(false);
    expect(resolveTelemetrySettings(config, { OTEL_TRACES_EXPORTER: "none" }, "x").tracing.enabled).toBe(false);
  });

  it("refuses exporters it does not ship and credential headers in the allow-list", () => {
    expect(() => resolveTelemetrySettings(d, { OTEL_TRACES_EXPORTER: "zipkin" }, "x")).toThrow(ConfigError);
    const config = validateFeatureServerConfig({ tracing: { enabled: true, capture_headers: ["Authorization"] } });
    expect(() => resolveTelemetrySettings(config, {}, "x")).toThrow(/credentials/);
  });

  it("reads metrics and audit logging from feature_server.metrics", () => {
    const config = validateFeatureServerConfig({ metrics: { enabled: true, port: 9100, audit_logging: true } });
    const settings = resolveTelemetrySettings(config, {}, "x");
    expect(settings.metrics.enabled).toBe(true);
    expect(settings.metrics.port).toBe(9100);
    expect(settings.auditLogging).toBe(true);
  });
});
