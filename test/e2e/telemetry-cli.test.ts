import { randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { larder, spawnLarder } from "../harness/larder-cli.js";
import { startOtlpReceiver } from "../harness/otlp-receiver.js";
import { freePort } from "../harness/ports.js";
import type { SpawnedProcess } from "../harness/processes.js";

// `larder serve` as a user runs it (tsx ESM through cli/bin/larder.mjs): metrics and the audit log from
// feature_store.yaml, tracing from the standard OTEL_* variables, spans to a loopback OTLP receiver.
describe("larder serve with telemetry", () => {
  let repo = "";
  let server: SpawnedProcess | undefined;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let base = "";
  let metricsPort = 0;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const root = mkdtempSync(join(tmpdir(), "larder-telemetry-"));
    expect((await larder(["init", "demo"], { cwd: root })).code).toBe(0);
    repo = join(root, "demo");
    metricsPort = await freePort();
    appendFileSync(
      join(repo, "feature_store.yaml"),
      `feature_server:\n  metrics:\n    enabled: true\n    port: ${metricsPort}\n    audit_logging: true\n`,
    );
    expect((await larder(["apply"], { cwd: repo })).code).toBe(0);
    const end = new Date().toISOString().slice(0, 19);
    expect((await larder(["materialize-incremental", end], { cwd: repo })).code).toBe(0);
    server = spawnLarder(["serve", "--port", "0"], {
      cwd: repo,
      env: {
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace(/\/v1\/traces$/, ""),
        OTEL_SERVICE_NAME: "fs-e2e",
        OTEL_BSP_SCHEDULE_DELAY: "100",
      },
    });
    const [, port] = await server.waitFor(/Feature server listening on [^:]+:(\d+)/, 60_000);
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await server?.stop(10_000);
    await receiver.close();
  });

  it("exports a REST call's server span, under the caller's trace, with the online store read as its child", async () => {
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const res = await fetch(`${base}/get-online-features`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: `00-${traceId}-${callerSpan}-01`,
        "x-request-id": "e2e-req-1",
      },
      body: JSON.stringify({ features: ["driver_hourly_stats:conv_rate"], entities: { driver_id: [1001, 1002] } }),
    });
    expect(res.status).toBe(200);
    let spans = receiver.spans.filter((s) => s.traceId === traceId);
    for (let i = 0; i < 100 && spans.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      spans = receiver.spans.filter((s) => s.traceId === traceId);
    }
    const served = spans.find((s) => s.parentSpanId === callerSpan);
    expect(served?.name).toBe("larder.serving.v1.ServingService/GetOnlineFeatures");
    expect(served?.service).toBe("fs-e2e");
    const read = spans.find((s) => s.name === "online_store.read");
    expect(read?.parentSpanId).toBe(served?.spanId);
  });

  it("serves Feast's metrics on feature_server.metrics.port and writes an audit line", async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(
      /^feast_feature_server_request_total\{endpoint="\/get-online-features",status="success"\} 1$/m,
    );
    expect(text).toMatch(/^feast_online_features_entity_count_sum 2$/m);
    expect(text).toMatch(/^feast_feature_freshness_seconds\{feature_view="driver_hourly_stats",project="[^"]+"\} \d/m);
    const audit = await server!.waitFor(/\{[^\n]*"logger":"larder\.audit"[^\n]*\}/, 5_000);
    const line = JSON.parse(audit[0]) as Record<string, unknown>;
    expect(line).toMatchObject({
      request_id: "e2e-req-1",
      principal: "anonymous",
      protocol: "rest",
      feature_views: ["driver_hourly_stats"],
      entity_count: 2,
      status: "OK",
    });
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("shows a view's freshness in feature-views describe", async () => {
    const described = await larder(["feature-views", "describe", "driver_hourly_stats"], { cwd: repo });
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/^freshness:\n {2}materializedUntil: \S+Z\n {2}seconds: \d+$/m);
  });
});
