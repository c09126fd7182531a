import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  DEFAULT_FEATURE_SERVER_CONFIG,
  Telemetry,
  createLogger,
  resolveTelemetrySettings,
  validateOnlineStoreConfig,
  type LarderServer,
} from "@larder/core";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { RegistryStore, RemoteRegistry, backendFor, createRegistryServer, openRegistry } from "@larder/registry";
import { context, trace } from "@opentelemetry/api";
import type { FeatureStore } from "@larder/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeEntityKey } from "../../src/entity-key/serialize.js";
import { createOnlineStore } from "../../src/online-store/create-online-store.js";
import { observeOnlineStore } from "../../src/online-store/observed-online-store.js";
import type { OnlineStore, OnlineView } from "../../src/online-store/online-store.js";
import { createFeatureServer } from "../../src/feature-server.js";
import { applyServingRepo, bytes, v } from "../serving-fixture.js";
import { startOtlpReceiver, type ReceivedSpan } from "../../../../test/harness/otlp-receiver.js";

// Distinctive values: none of them may appear in spans or logs.
const SECRET_CITY = "Zanzibar-7f3a9c";
const SECRET_DRIVER = 918273645;
const SECRET_TOKEN = "tok-5e1d2c3b4a";

function traceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

/** Parses a Prometheus text sample like `name{a="b"} 3` (labels in the order given). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, val]) => `${k}="${val}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.slice(name.length).split(" ")[0] ?? "";
    if (wanted.every((w) => labelPart.includes(w))) return Number(line.split(" ").at(-1));
  }
  return undefined;
}

describe("FeatureServer telemetry (Redis online store)", () => {
  const project = `telemetry_${randomBytes(3).toString("hex")}`;
  const view: OnlineView = {
    project,
    name: "driver_stats",
    joinKeys: ["driver_id"],
    features: ["conv_rate", "trips", "city"],
  };
  let featureStore: FeatureStore;
  let online: OnlineStore;
  let server: LarderServer;
  let telemetry: Telemetry;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let base = "";
  let metricsUrl = "";
  const logLines: string[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const settings = resolveTelemetrySettings(
      {
        metrics: { ...DEFAULT_FEATURE_SERVER_CONFIG.metrics, enabled: true, port: 0, auditLogging: true },
        tracing: { enabled: true, endpoint: receiver.url },
      },
      {},
      "larder-feature-server",
    );
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(
          ...chunk
            .toString("utf8")
            .split("\n")
            .filter((l) => l.length > 0),
        );
        done();
      },
    });
    const logger = createLogger({ level: "info", destination });
    telemetry = new Telemetry(settings, logger);
    metricsUrl = `http://127.0.0.1:${await telemetry.listen()}/metrics`;
    const applied = await applyServingRepo(project);
    featureStore = applied.store;
    online = createOnlineStore(
      validateOnlineStoreConfig(
        { type: "redis", connection_string: "127.0.0.1:6379" },
        { repoPath: "/", provider: "local" },
      ),
    );
    await online.ready();
    // Written through the observed store, as a push would be: feeds the freshness gauge.
    await observeOnlineStore(online, telemetry, "redis").write(view, [
      {
        entityKey: serializeEntityKey(["driver_id"], [v.int64(SECRET_DRIVER)]),
        eventTimeMs: Date.now() - 30_000,
        values: [bytes(v.float(0.5)), bytes(v.int64(10)), bytes(v.str(SECRET_CITY))],
      },
    ]);
    server = await createFeatureServer({
      project,
      server: { port: 0 },
      registry: await openRegistry(featureStore.config.registry),
      onlineStore: online,
      registryPollIntervalMs: 200,
      maxEntityRows: 100,
      transformTimeoutMs: 200,
      logger,
      telemetry,
    });
    base = `http://127.0.0.1:${(await server.listen()).port}`;
  });

  afterAll(async () => {
    await online.teardown([view]);
    await server.shutdown();
    await telemetry.shutdown();
    await featureStore.close();
    await receiver.close();
  });

  const features = ["driver_stats:conv_rate", "driver_stats:city"];

  async function spansOf(traceId: string, atLeast: number): Promise<ReceivedSpan[]> {
    for (let i = 0; i < 50; i++) {
      await telemetry.flush();
      const found = receiver.spans.filter((s) => s.traceId === traceId);
      if (found.length >= atLeast) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return receiver.spans.filter((s) => s.traceId === traceId);
  }

  function chain(spans: ReceivedSpan[], callerSpanId: string): { server: ReceivedSpan; read: ReceivedSpan } {
    const serverSpan = spans.find((s) => s.parentSpanId === callerSpanId);
    expect(serverSpan, "a server span whose parent is the caller's span").toBeDefined();
    expect(serverSpan?.kind).toBe(2); // SERVER
    const read = spans.find((s) => s.name === "online_store.read");
    expect(read?.parentSpanId).toBe(serverSpan?.spanId);
    expect(read?.kind).toBe(3); // CLIENT
    return { server: serverSpan!, read: read! };
  }

  it("links a gRPC call's spans: caller → FeatureServer → Redis read", async () => {
    const tp = traceparent();
    const client = createClient(ServingService, createGrpcTransport({ baseUrl: base }));
    const response = await client.getOnlineFeatures(
      {
        kind: { case: "features", value: { val: features } },
        entities: { driver_id: { val: [v.int64(SECRET_DRIVER)] } },
      },
      { headers: { traceparent: tp.header, authorization: `Bearer ${SECRET_TOKEN}`, "x-request-id": "req-grpc-1" } },
    );
    expect(response.results).toHaveLength(3);
    const spans = await spansOf(tp.traceId, 2);
    const { server: span, read } = chain(spans, tp.spanId);
    expect(span.name).toBe("larder.serving.v1.ServingService/GetOnlineFeatures");
    expect(read.service).toBe("larder-feature-server");
  });

  it("links a REST call's spans: caller → FeatureServer → Redis read", async () => {
    const tp = traceparent();
    const res = await fetch(`${base}/get-online-features`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: tp.header, authorization: `Bearer ${SECRET_TOKEN}` },
      body: JSON.stringify({ features, entities: { driver_id: [SECRET_DRIVER, 5] } }),
    });
    expect(res.status).toBe(200);
    const { server: span } = chain(await spansOf(tp.traceId, 2), tp.spanId);
    expect(span.name).toBe("larder.serving.v1.ServingService/GetOnlineFeatures");
  });

  it("links a Connect JSON call's spans the same way", async () => {
    const tp = traceparent();
    const client = createClient(ServingService, createConnectTransport({ baseUrl: base, httpVersion: "1.1" }));
    await client.getOnlineFeatures(
      {
        kind: { case: "features", value: { val: features } },
        entities: { driver_id: { val: [v.int64(SECRET_DRIVER)] } },
      },
      { headers: { traceparent: tp.header } },
    );
    chain(await spansOf(tp.traceId, 2), tp.spanId);
  });

  it("exposes Feast's metric names with the counts of the traffic above", async () => {
    // One failing call (an unknown view answers NOT_FOUND) on REST.
    const bad = await fetch(`${base}/get-online-features`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ features: ["no_such_view:x"], entities: { driver_id: [1] } }),
    });
    expect(bad.status).toBe(404);
    const text = await (await fetch(metricsUrl)).text();
    const rpc = "larder.serving.v1.ServingService/GetOnlineFeatures";
    expect(
      sample(text, "rpc_server_call_duration_seconds_count", {
        rpc_system_name: "grpc",
        rpc_method: rpc,
        rpc_status_code: "OK",
      }),
    ).toBe(1);
    expect(
      sample(text, "rpc_server_call_duration_seconds_count", {
        rpc_system_name: "http",
        rpc_method: rpc,
        rpc_status_code: "OK",
      }),
    ).toBe(1);
    expect(
      sample(text, "rpc_server_call_duration_seconds_count", {
        rpc_system_name: "connect_rpc",
        rpc_method: rpc,
        rpc_status_code: "OK",
      }),
    ).toBe(1);
    expect(
      sample(text, "rpc_server_call_duration_seconds_count", { rpc_system_name: "http", rpc_status_code: "NOT_FOUND" }),
    ).toBe(1);
    expect(
      sample(text, "feast_feature_server_request_total", { endpoint: "/get-online-features", status: "success" }),
    ).toBe(1);
    expect(
      sample(text, "feast_feature_server_request_total", { endpoint: "/get-online-features", status: "error" }),
    ).toBe(1);
    expect(sample(text, "feast_feature_server_request_total", { endpoint: `/${rpc}`, status: "success" })).toBe(2);
    expect(
      sample(text, "feast_feature_server_request_latency_seconds_count", { endpoint: "/get-online-features" }),
    ).toBe(2);
    expect(sample(text, "feast_online_features_request_total")).toBe(4);
    // Three reads reached the store (the failing call did not): entity counts 1, 2, 1.
    expect(sample(text, "feast_online_features_entity_count_count")).toBe(3);
    expect(sample(text, "feast_online_features_entity_count_sum")).toBe(4);
    expect(sample(text, "feast_online_features_entity_count_bucket", { le: "1" })).toBe(2);
    expect(sample(text, "feast_feature_server_online_store_read_duration_seconds_count")).toBe(3);
    expect(
      sample(text, "feast_online_features_status_total", { feature_view: "driver_stats", status: "present" }),
    ).toBe(3);
    expect(
      sample(text, "feast_online_features_status_total", { feature_view: "driver_stats", status: "not_found" }),
    ).toBe(1);
    const freshness = sample(text, "feast_feature_freshness_seconds", { feature_view: "driver_stats", project });
    expect(freshness).toBeGreaterThanOrEqual(30);
    expect(freshness).toBeLessThan(120);
    expect(sample(text, "larder_registry_snapshot_version")).toBeGreaterThan(0);
    expect(sample(text, "larder_registry_snapshot_age_seconds")).toBeLessThan(5);
    expect(sample(text, "larder_server_in_flight_requests")).toBe(0);
    expect(sample(text, "feast_feature_server_cpu_usage")).toBeGreaterThanOrEqual(0);
    expect(sample(text, "feast_feature_server_memory_usage")).toBeGreaterThan(0);
    expect(text).toContain("# TYPE feast_feature_server_request_latency_seconds histogram");
  });

  it("times each on-demand transformation on the read path", async () => {
    const before = sample(
      await (await fetch(metricsUrl)).text(),
      "feast_feature_server_transformation_duration_seconds_count",
      {
        odfv_name: "conv_plus",
      },
    );
    const res = await fetch(`${base}/get-online-features`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        features: ["conv_plus:conv_plus_bonus"],
        entities: { driver_id: [SECRET_DRIVER], bonus: [1] },
      }),
    });
    expect(res.status).toBe(200);
    const text = await (await fetch(metricsUrl)).text();
    expect(
      sample(text, "feast_feature_server_transformation_duration_seconds_count", {
        odfv_name: "conv_plus",
        mode: "typescript",
      }),
    ).toBe((before ?? 0) + 1);
  });

  it("carries the trace from a registry client to the RegistryServer", async () => {
    const config = featureStore.config.registry;
    if (config.type === "remote") throw new Error("the serving fixture uses a SQLite registry");
    const store = await RegistryStore.open(backendFor(config));
    const registryServer = createRegistryServer(
      store,
      { server: { port: 0 }, telemetry },
      createLogger({ level: "silent" }),
    );
    const { port } = await registryServer.listen();
    const remote = new RemoteRegistry({ target: `127.0.0.1:${port}` });
    try {
      const parent = trace.getTracer("test").startSpan("caller");
      const { version } = await context.with(trace.setSpan(context.active(), parent), () => remote.version());
      parent.end();
      expect(version).toBeGreaterThan(0n);
      const traceId = parent.spanContext().traceId;
      const spans = await spansOf(traceId, 3);
      const client = spans.find((sp) => sp.name === "larder.registry.v1.RegistryService/GetVersion" && sp.kind === 3);
      expect(client?.parentSpanId).toBe(parent.spanContext().spanId);
      const served = spans.find((sp) => sp.kind === 2);
      expect(served?.name).toBe("larder.registry.v1.RegistryService/GetVersion");
      expect(served?.parentSpanId).toBe(client?.spanId);
    } finally {
      await remote.close();
      await registryServer.shutdown();
    }
  });

  it("writes request ids, trace ids and an audit line per call, without values, keys or tokens", async () => {
    await telemetry.flush();
    const audit = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.logger === "larder.audit");
    expect(audit.length).toBeGreaterThanOrEqual(4);
    const grpcLine = audit.find((l) => l.request_id === "req-grpc-1");
    expect(grpcLine).toMatchObject({
      principal: "anonymous",
      rpc: "larder.serving.v1.ServingService/GetOnlineFeatures",
      protocol: "grpc",
      feature_views: ["driver_stats"],
      entity_count: 1,
      status: "OK",
    });
    expect(typeof grpcLine?.trace_id).toBe("string");
    expect(audit.every((l) => typeof l.request_id === "string" && l.request_id.length > 0)).toBe(true);
    const everything = [...logLines, ...receiver.bodies].join("\n");
    expect(everything).not.toContain(SECRET_CITY);
    expect(everything).not.toContain(String(SECRET_DRIVER));
    expect(everything).not.toContain(SECRET_TOKEN);
    const key = Buffer.from(serializeEntityKey(["driver_id"], [v.int64(SECRET_DRIVER)]));
    expect(everything).not.toContain(key.toString("base64"));
    expect(everything).not.toContain(key.toString("hex"));
  });
});
