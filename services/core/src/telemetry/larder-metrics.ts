import type { MetricsConfig } from "../config/feature-server-config.js";
import { MetricsRegistry, type Counter, type Gauge, type Histogram } from "./prometheus-registry.js";

/** Feast's request latency buckets (`feast/metrics.py`). */
const FEAST_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** OpenTelemetry's advised buckets for `rpc.server.call.duration`. */
const RPC_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const ENTITY_COUNT_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000];
const STORE_READ_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const MATERIALIZATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * Every metric a Larder process exposes. Feast's names and labels are kept verbatim (reference §8);
 * `rpc_server_call_duration_seconds` is OpenTelemetry's `rpc.server.call.duration` in the form
 * OpenTelemetry's own Prometheus exporter gives it. Label values are names from the registry or
 * from a fixed set, never entity keys or values; each metric is capped at a bounded series count.
 */
export class LarderMetrics {
  readonly registry = new MetricsRegistry();
  readonly rpcDuration: Histogram;
  readonly requestTotal: Counter;
  readonly requestLatency: Histogram;
  readonly onlineRequestTotal: Counter;
  readonly onlineEntityCount: Histogram;
  readonly onlineStatusTotal: Counter;
  readonly onlineStoreReadDuration: Histogram;
  readonly transformationDuration: Histogram;
  readonly onlineStoreErrors: Counter;
  readonly pushRequestTotal: Counter;
  readonly materializationResult: Counter;
  readonly materializationDuration: Histogram;
  readonly freshness: Gauge;
  readonly cpuUsage: Gauge;
  readonly memoryUsage: Gauge;
  readonly inFlight: Gauge;
  readonly loadShed: Counter;
  readonly registrySnapshotAge: Gauge;
  readonly registrySnapshotVersion: Gauge;

  constructor(readonly categories: MetricsConfig) {
    const r = this.registry;
    this.rpcDuration = r.histogram(
      "rpc_server_call_duration_seconds",
      "Duration of served calls (OpenTelemetry rpc.server.call.duration)",
      ["rpc_system_name", "rpc_method", "rpc_status_code"],
      RPC_DURATION_BUCKETS,
    );
    this.requestTotal = r.counter("feast_feature_server_request_total", "Requests served, by endpoint and outcome", [
      "endpoint",
      "status",
    ]);
    this.requestLatency = r.histogram(
      "feast_feature_server_request_latency_seconds",
      "Request latency by endpoint",
      ["endpoint"],
      FEAST_LATENCY_BUCKETS,
    );
    this.onlineRequestTotal = r.counter("feast_online_features_request_total", "Online feature reads");
    this.onlineEntityCount = r.histogram(
      "feast_online_features_entity_count",
      "Distinct entity rows per online read",
      [],
      ENTITY_COUNT_BUCKETS,
    );
    this.onlineStatusTotal = r.counter(
      "feast_online_features_status_total",
      "Entity rows read per feature view, by whether a stored row was found",
      ["feature_view", "status"],
    );
    this.onlineStoreReadDuration = r.histogram(
      "feast_feature_server_online_store_read_duration_seconds",
      "Duration of one online store read (all views of a request)",
      [],
      STORE_READ_BUCKETS,
    );
    this.transformationDuration = r.histogram(
      "feast_feature_server_transformation_duration_seconds",
      "Duration of one on-demand transformation call on the read path",
      ["odfv_name", "mode"],
      STORE_READ_BUCKETS,
    );
    this.onlineStoreErrors = r.counter(
      "larder_online_store_errors_total",
      "Online store failures by operation and kind",
      ["operation", "kind"],
    );
    this.pushRequestTotal = r.counter("feast_push_request_total", "Push requests by push source and mode", [
      "push_source",
      "mode",
    ]);
    this.materializationResult = r.counter(
      "feast_materialization_result_total",
      "Materialized feature views by outcome",
      ["feature_view", "status"],
    );
    this.materializationDuration = r.histogram(
      "feast_materialization_duration_seconds",
      "Duration of one feature view's materialization",
      ["feature_view"],
      MATERIALIZATION_BUCKETS,
    );
    this.freshness = r.gauge(
      "feast_feature_freshness_seconds",
      "Seconds since the newest materialized or pushed event of a feature view",
      ["feature_view", "project"],
    );
    this.cpuUsage = r.gauge("feast_feature_server_cpu_usage", "CPU usage of this process, percent of one core");
    this.memoryUsage = r.gauge(
      "feast_feature_server_memory_usage",
      "Resident memory of this process, percent of total",
    );
    this.inFlight = r.gauge("larder_server_in_flight_requests", "Calls being handled now");
    this.loadShed = r.counter(
      "larder_server_load_shed_total",
      "Calls refused at once at the concurrency limit (RESOURCE_EXHAUSTED)",
    );
    this.registrySnapshotAge = r.gauge(
      "larder_registry_snapshot_age_seconds",
      "Seconds since the registry snapshot was last confirmed current",
    );
    this.registrySnapshotVersion = r.gauge("larder_registry_snapshot_version", "Registry version being served");
  }

  render(): string {
    return this.registry.render();
  }
}
