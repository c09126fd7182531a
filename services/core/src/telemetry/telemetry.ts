import { SpanKind, SpanStatusCode, type Attributes, type Tracer } from "@opentelemetry/api";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Registry } from "@larder/gen/es/larder/core/v1/registry_pb";
import type { Logger } from "../logger.js";
import type { LarderServer } from "../server/server.js";
import { FeatureFreshness } from "./feature-freshness.js";
import { createHttpTracing } from "./http-tracing.js";
import { LarderMetrics } from "./larder-metrics.js";
import { listenMetrics, type MetricsServer } from "./metrics-server.js";
import { processUsage } from "./process-usage.js";
import { createTelemetryInterceptors } from "./telemetry-interceptor.js";
import type { TelemetrySettings } from "./telemetry-config.js";
import { startTracing, type TracingHandle } from "./tracing.js";

/** A CLIENT span of a backend round trip (online store, registry). */
export interface ClientSpan {
  end(): void;
  /** Ends the span as failed, with a status code name as the message (never the error text). */
  fail(kind: string): void;
}

export interface TelemetryOptions {
  /** Address of the metrics endpoint. @default "127.0.0.1" */
  readonly metricsHost?: string;
  /** Replaces the OTLP exporter (tests). */
  readonly spanExporter?: SpanExporter;
}

/** A registry snapshot source for the snapshot and freshness gauges. */
export interface WatchedRegistry {
  readonly project: string;
  current(): Registry | undefined;
}

/**
 * One process's telemetry: Prometheus metrics, OpenTelemetry tracing and the audit log, each off
 * unless configured. When everything is off, `instrument` adds nothing to a server (no cost per call).
 */
export class Telemetry {
  /** Undefined when `feature_server.metrics.enabled` is false. */
  readonly metrics: LarderMetrics | undefined;
  readonly freshness = new FeatureFreshness();
  private readonly tracing: TracingHandle | undefined;
  private metricsServer: MetricsServer | undefined;
  private readonly watched: WatchedRegistry[] = [];
  private registrySync: { version: bigint; atMs: number } | undefined;

  constructor(
    readonly settings: TelemetrySettings,
    private readonly logger: Logger,
    private readonly options: TelemetryOptions = {},
  ) {
    this.metrics = settings.metrics.enabled ? new LarderMetrics(settings.metrics) : undefined;
    const t = settings.tracing;
    this.tracing = t.enabled
      ? startTracing({
          url: t.url,
          serviceName: t.serviceName,
          captureHeaders: t.captureHeaders,
          ...(options.spanExporter === undefined ? {} : { exporter: options.spanExporter }),
        })
      : undefined;
    if (this.metrics !== undefined) this.collectGauges(this.metrics);
  }

  /** Larder's tracer, or undefined when tracing is off. */
  get tracer(): Tracer | undefined {
    return this.tracing?.tracer;
  }

  /** Starts a CLIENT span under the active context; undefined when tracing is off. */
  startClientSpan(name: string, attributes: Attributes): ClientSpan | undefined {
    const span = this.tracing?.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
    if (span === undefined) return undefined;
    return {
      end: () => span.end(),
      fail: (kind) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: kind });
        span.end();
      },
    };
  }

  /** True when anything is on: callers skip wrapping stores and APIs otherwise. */
  get active(): boolean {
    return this.metrics !== undefined || this.tracing !== undefined || this.settings.auditLogging;
  }

  /** Adds the call interceptors (first in the chain) and the HTTP span wrapper; call before `listen`. */
  instrument(server: LarderServer): void {
    if (!this.active) return;
    const interceptors = createTelemetryInterceptors({
      metrics: this.metrics,
      tracing: this.tracing !== undefined,
      // The audit log writes at info whatever the process's log level is.
      audit: this.settings.auditLogging ? this.logger.child({ logger: "larder.audit" }, { level: "info" }) : undefined,
    });
    server.addInterceptor(interceptors.outer, { first: true });
    server.addInterceptor(interceptors.admission);
    if (this.tracing !== undefined) {
      const captured = this.settings.tracing.enabled ? this.settings.tracing.captureHeaders : [];
      server.wrapHttp(createHttpTracing(this.tracing.tracer, captured));
    }
    this.metrics?.inFlight.collect(() => [[[], interceptors.inFlight()]]);
  }

  /** Feeds the freshness and registry snapshot gauges from a server's snapshot cache. */
  watchRegistry(registry: WatchedRegistry): void {
    this.watched.push(registry);
  }

  /** Notes a successful registry version poll (the snapshot is current as of now). */
  noteRegistrySync(version: bigint): void {
    this.registrySync = { version, atMs: Date.now() };
  }

  /** Counts one push request (`feast_push_request_total`); sources outside the registry count as `unknown`. */
  notePush(pushSource: string, mode: string): void {
    if (this.metrics?.categories.push === true) this.metrics.pushRequestTotal.inc([pushSource, mode]);
  }

  /** Records one feature view's materialization outcome and duration. */
  noteMaterialization(featureView: string, ok: boolean, seconds: number | undefined): void {
    const m = this.metrics;
    if (m === undefined || !m.categories.materialization) return;
    m.materializationResult.inc([featureView, ok ? "success" : "failure"]);
    if (seconds !== undefined) m.materializationDuration.observe([featureView], seconds);
  }

  /** Serves `/metrics` on `feature_server.metrics.port` when metrics are on; returns the port. */
  async listen(): Promise<number | undefined> {
    if (this.metrics === undefined || this.metricsServer !== undefined) return this.metricsServer?.port;
    const metrics = this.metrics;
    this.metricsServer = await listenMetrics(this.options.metricsHost ?? "127.0.0.1", this.settings.metrics.port, () =>
      metrics.render(),
    );
    this.logger.info({ port: this.metricsServer.port }, "metrics listening");
    return this.metricsServer.port;
  }

  /** Exports queued spans now. */
  async flush(): Promise<void> {
    await this.tracing?.flush();
  }

  async shutdown(): Promise<void> {
    await this.metricsServer?.close();
    this.metricsServer = undefined;
    await this.tracing?.shutdown();
  }

  private collectGauges(metrics: LarderMetrics): void {
    if (metrics.categories.resource) {
      const usage = processUsage();
      metrics.cpuUsage.collect(() => [[[], usage.cpuPercent()]]);
      metrics.memoryUsage.collect(() => [[[], usage.memoryPercent()]]);
    }
    metrics.registrySnapshotAge.collect(() =>
      this.registrySync === undefined ? [] : [[[], (Date.now() - this.registrySync.atMs) / 1000]],
    );
    metrics.registrySnapshotVersion.collect(() =>
      this.registrySync === undefined ? [] : [[[], Number(this.registrySync.version)]],
    );
    if (metrics.categories.freshness) {
      metrics.freshness.collect(() => this.freshnessSeries());
    }
  }

  private *freshnessSeries(): Iterable<readonly [readonly string[], number]> {
    const now = Date.now();
    for (const watched of this.watched) {
      const snapshot = watched.current();
      if (snapshot !== undefined) yield* this.freshness.ages(snapshot, watched.project, now);
    }
  }
}
