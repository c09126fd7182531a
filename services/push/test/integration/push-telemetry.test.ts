import { randomBytes } from "node:crypto";
import { DEFAULT_FEATURE_SERVER_CONFIG, Telemetry, resolveTelemetrySettings, silentLogger } from "@larder/core";
import { PushMode } from "@larder/gen/es/larder/push/v1/push_service_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, startPushHarness, v, type PushHarness } from "../push-fixture.js";

describe("Push metrics and freshness", () => {
  let h: PushHarness;
  let telemetry: Telemetry;
  let metricsUrl = "";
  const eventMs = Date.now() - 90_000;

  beforeAll(async () => {
    const settings = resolveTelemetrySettings(
      {
        metrics: { ...DEFAULT_FEATURE_SERVER_CONFIG.metrics, enabled: true, port: 0 },
        tracing: DEFAULT_FEATURE_SERVER_CONFIG.tracing,
      },
      {},
      "larder-feature-server",
    );
    telemetry = new Telemetry(settings, silentLogger());
    metricsUrl = `http://127.0.0.1:${await telemetry.listen()}/metrics`;
    h = await startPushHarness(
      `push_tel_${randomBytes(3).toString("hex")}`,
      (repoPath) => ({ type: "sqlite", path: `${repoPath}/data/online.db` }),
      undefined,
      telemetry,
    );
  });

  afterAll(async () => {
    await h.close();
    await telemetry.shutdown();
  });

  it("counts pushes by source and mode and turns the newest pushed event into the view's freshness", async () => {
    await h.push.push({
      pushSourceName: "driver_push",
      columns: {
        driver_id: { val: [v.int64(7)] },
        event_timestamp: { val: [v.str(new Date(eventMs).toISOString())] },
        conv: { val: [v.double(0.5)] },
        trips: { val: [v.int64(1)] },
        city: { val: [v.str("Oslo")] },
      },
      to: PushMode.ONLINE,
      transformOnWrite: false,
    });
    const rest = await postJson(h.base, "/push", {
      push_source_name: "driver_push",
      df: {
        driver_id: [8],
        event_timestamp: [new Date(eventMs - 60_000).toISOString()],
        conv: [0.1],
        trips: [2],
        city: ["Rome"],
      },
      to: "online",
    });
    expect(rest.status).toBe(200);
    const unknown = await postJson(h.base, "/push", { push_source_name: "no_such_source", df: { a: [1] } });
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(/^feast_push_request_total\{push_source="driver_push",mode="online"\} 2$/m);
    expect(text).not.toContain("no_such_source"); // unknown names never become label values
    // Feast's /push answers an unknown source with a 422 body rather than an error, so it counts as answered.
    expect(text).toMatch(/^feast_feature_server_request_total\{endpoint="\/push",status="success"\} 2$/m);
    expect(text).toMatch(
      /^feast_feature_server_request_total\{endpoint="\/larder.push.v1.PushService\/Push",status="success"\} 1$/m,
    );
    const freshness = /^feast_feature_freshness_seconds\{feature_view="driver_stats",project="[^"]+"\} (\S+)$/m.exec(
      text,
    );
    expect(Number(freshness?.[1])).toBeGreaterThanOrEqual(90);
    expect(Number(freshness?.[1])).toBeLessThan(150);
  });
});
