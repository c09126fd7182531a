import { createContextValues } from "@connectrpc/connect";
import { pino } from "pino";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DEFAULT_FEATURE_SERVER_CONFIG } from "../../src/config/feature-server-config.js";
import { NotFoundError } from "../../src/errors.js";
import { createConcurrencyLimit } from "../../src/server/concurrency-limit.js";
import { enterAll, exitAll, type CallInfo, type CallProtocol } from "../../src/server/interceptor.js";
import { noteRead } from "../../src/telemetry/call-scope.js";
import { LarderMetrics } from "../../src/telemetry/larder-metrics.js";
import { createTelemetryInterceptors } from "../../src/telemetry/telemetry-interceptor.js";

function call(protocol: CallProtocol, method = "GetOnlineFeatures", headers: Record<string, string> = {}): CallInfo {
  return {
    service: "larder.serving.v1.ServingService",
    method,
    protocol,
    headers: new Headers(headers),
    signal: new AbortController().signal,
    values: createContextValues(),
  };
}

describe("telemetry interceptors", () => {
  const metrics = () => new LarderMetrics({ ...DEFAULT_FEATURE_SERVER_CONFIG.metrics, enabled: true });

  it("counts calls by protocol, method and status, with Feast's endpoint names for REST", async () => {
    const m = metrics();
    const t = createTelemetryInterceptors({ metrics: m, tracing: false, audit: undefined });
    const chain = [t.outer, t.admission];
    for (const [c, error] of [
      [call("grpc"), undefined],
      [call("rest"), undefined],
      [call("rest"), new NotFoundError("no view")],
      [call("connect", "GetServingInfo"), undefined],
    ] as const) {
      const entered = await enterAll(chain, c);
      exitAll(chain, entered, c, error);
    }
    const rpc = "larder.serving.v1.ServingService/GetOnlineFeatures";
    expect(m.rpcDuration.get(["grpc", rpc, "OK"]).count).toBe(1);
    expect(m.rpcDuration.get(["http", rpc, "NOT_FOUND"]).count).toBe(1);
    expect(m.requestTotal.get(["/get-online-features", "success"])).toBe(1);
    expect(m.requestTotal.get(["/get-online-features", "error"])).toBe(1);
    expect(m.requestTotal.get([`/${rpc}`, "success"])).toBe(1);
    expect(m.requestTotal.get(["/larder.serving.v1.ServingService/GetServingInfo", "success"])).toBe(1);
    expect(m.onlineRequestTotal.get()).toBe(3);
  });

  it("counts calls shed at the concurrency limit, and calls in flight", async () => {
    const m = metrics();
    const t = createTelemetryInterceptors({ metrics: m, tracing: false, audit: undefined });
    const chain = [t.outer, createConcurrencyLimit(1), t.admission];
    const first = call("grpc");
    const entered = await enterAll(chain, first);
    expect(t.inFlight()).toBe(1);
    await expect(enterAll(chain, call("grpc"))).rejects.toThrow(/concurrency limit/);
    expect(m.loadShed.get()).toBe(1);
    exitAll(chain, entered, first, undefined);
    expect(t.inFlight()).toBe(0);
    expect(m.loadShed.get()).toBe(1);
  });

  it("writes one audit line with the caller's request id, the views and entity count read, no values", async () => {
    const lines: string[] = [];
    const logger = pino(
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString("utf8"));
          done();
        },
      }),
    );
    const t = createTelemetryInterceptors({ metrics: undefined, tracing: false, audit: logger });
    const c = call("grpc", "GetOnlineFeatures", { "x-request-id": "abc-123", authorization: "Bearer secret" });
    const entered = await enterAll([t.outer], c);
    // The handler's continuation runs in the call's scope: the store notes what it read.
    await Promise.resolve().then(() => noteRead(["driver_stats"], 3));
    exitAll([t.outer], entered, c, undefined);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(line).toMatchObject({
      request_id: "abc-123",
      principal: "anonymous",
      rpc: "larder.serving.v1.ServingService/GetOnlineFeatures",
      feature_views: ["driver_stats"],
      entity_count: 3,
      status: "OK",
    });
    expect(lines[0]).not.toContain("secret");
  });

  it("replaces an unsafe x-request-id with a generated one", async () => {
    const lines: string[] = [];
    const logger = pino(new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
    const t = createTelemetryInterceptors({ metrics: undefined, tracing: false, audit: logger });
    const c = call("rest", "GetOnlineFeatures", { "x-request-id": 'x" {"forged":true}' });
    exitAll([t.outer], await enterAll([t.outer], c), c, undefined);
    const line = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(line.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
