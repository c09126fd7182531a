import { InvalidArgumentError, Telemetry, resolveTelemetrySettings } from "@larder/core";
import type { CommandContext } from "./context.js";

/**
 * Telemetry for a long-running command, from `feature_server.metrics` / `tracing` and the OTEL_*
 * environment; serves `/metrics` on `feature_server.metrics.port` when metrics are on.
 */
export async function startProcessTelemetry(
  ctx: CommandContext,
  options: {
    readonly serviceName: string;
    readonly host: string;
    /** Turns metrics on whatever the config says (`--metrics`). */
    readonly metrics?: boolean | undefined;
    /** Replaces `feature_server.metrics.port` (`--metrics-port`: a registry server or worker beside a FeatureServer). */
    readonly metricsPort?: string | undefined;
  },
): Promise<Telemetry> {
  const fs = ctx.config.featureServer;
  let metrics = options.metrics === true ? { ...fs.metrics, enabled: true } : fs.metrics;
  if (options.metricsPort !== undefined) {
    const port = Number(options.metricsPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InvalidArgumentError(
        `--metrics-port must be an integer between 0 and 65535, got ${options.metricsPort}`,
      );
    }
    metrics = { ...metrics, port };
  }
  const settings = resolveTelemetrySettings({ metrics, tracing: fs.tracing }, process.env, options.serviceName);
  const telemetry = new Telemetry(settings, ctx.logger, { metricsHost: options.host });
  await telemetry.listen();
  return telemetry;
}
