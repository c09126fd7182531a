import { describe, expect, it } from "vitest";
import { MAX_SERIES_PER_METRIC, MetricsRegistry } from "../../src/telemetry/prometheus-registry.js";

describe("MetricsRegistry.render", () => {
  it("writes counters with HELP, TYPE and labels, names verbatim", () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter("feast_feature_server_request_total", "Requests", ["endpoint", "status"]);
    counter.inc(["/get-online-features", "success"]);
    counter.inc(["/get-online-features", "success"], 2);
    expect(registry.render()).toBe(
      [
        "# HELP feast_feature_server_request_total Requests",
        "# TYPE feast_feature_server_request_total counter",
        'feast_feature_server_request_total{endpoint="/get-online-features",status="success"} 3',
        "",
      ].join("\n"),
    );
  });

  it("writes cumulative histogram buckets, +Inf, sum and count", () => {
    const registry = new MetricsRegistry();
    const histogram = registry.histogram("feast_online_features_entity_count", "Entities", [], [1, 10, 100]);
    for (const value of [1, 5, 10, 50, 500]) histogram.observe([], value);
    const lines = registry.render().split("\n");
    expect(lines).toContain('feast_online_features_entity_count_bucket{le="1"} 1');
    expect(lines).toContain('feast_online_features_entity_count_bucket{le="10"} 3');
    expect(lines).toContain('feast_online_features_entity_count_bucket{le="100"} 4');
    expect(lines).toContain('feast_online_features_entity_count_bucket{le="+Inf"} 5');
    expect(lines).toContain("feast_online_features_entity_count_sum 566");
    expect(lines).toContain("feast_online_features_entity_count_count 5");
  });

  it("escapes label values", () => {
    const registry = new MetricsRegistry();
    registry.counter("c", "help", ["v"]).inc(['a"b\\c\nd']);
    expect(registry.render()).toContain('c{v="a\\"b\\\\c\\nd"} 1');
  });

  it("folds label combinations past the series cap into _other", () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter("c", "help", ["view"]);
    for (let i = 0; i < MAX_SERIES_PER_METRIC + 50; i++) counter.inc([`view_${i}`]);
    expect(counter.get(["_other"])).toBe(50);
    const series = registry
      .render()
      .split("\n")
      .filter((l) => l.startsWith("c{"));
    expect(series).toHaveLength(MAX_SERIES_PER_METRIC + 1);
  });

  it("computes collected gauges at scrape time only", () => {
    const registry = new MetricsRegistry();
    let calls = 0;
    registry.gauge("g", "help", ["view"]).collect(() => {
      calls++;
      return [[["a"], 1.5]];
    });
    expect(calls).toBe(0);
    expect(registry.render()).toContain('g{view="a"} 1.5');
    expect(calls).toBe(1);
  });

  it("refuses a metric name registered twice", () => {
    const registry = new MetricsRegistry();
    registry.counter("c", "help");
    expect(() => registry.gauge("c", "help")).toThrow(/registered twice/);
  });
});
