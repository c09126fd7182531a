import { randomBytes } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { defineRepoConfig, silentLogger } from "@larder/core";
import { ServingService } from "@larder/gen/es/larder/serving/v1/serving_service_pb";
import { openRegistry } from "@larder/registry";
import { describe, expect, it } from "vitest";
import { startPrivateRedis } from "../../../../test/harness/redis.js";
import { serializeEntityKey } from "../../src/entity-key/serialize.js";
import { createFeatureServer } from "../../src/feature-server.js";
import { createOnlineStore } from "../../src/online-store/create-online-store.js";
import { applyServingRepo, bytes, v } from "../serving-fixture.js";

describe("FeatureServer when Redis dies under load", () => {
  it("fails calls as UNAVAILABLE within their deadline, stays up, and serves again within 1 s of Redis returning", async () => {
    const redis = await startPrivateRedis();
    const project = `outage_${randomBytes(3).toString("hex")}`;
    const { store, repoPath } = await applyServingRepo(project);
    const config = defineRepoConfig(
      {
        project,
        registry: "data/registry.db",
        online_store: { type: "redis", connection_string: `127.0.0.1:${redis.port}` },
      },
      { repoPath },
    );
    const online = createOnlineStore(config.onlineStore);
    await online.ready();
    await online.write(
      { project, name: "driver_stats", joinKeys: ["driver_id"], features: ["conv_rate", "trips", "city"] },
      [
        {
          entityKey: serializeEntityKey(["driver_id"], [v.int64(1)]),
          eventTimeMs: Date.now(),
          values: [bytes(v.float(1)), bytes(v.int64(1)), bytes(v.str("x"))],
        },
      ],
    );
    const server = await createFeatureServer({
      project,
      server: { port: 0 },
      registry: await openRegistry(config.registry),
      onlineStore: online,
      registryPollIntervalMs: 1_000,
      maxEntityRows: 100,
      transformTimeoutMs: 100,
      logger: silentLogger(),
    });
    const { port } = await server.listen();
    const client = createClient(ServingService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    const deadlineMs = 1_000;
    const call = async (): Promise<{ code: Code | "ok"; ms: number }> => {
      const started = performance.now();
      try {
        await client.getOnlineFeatures(
          {
            kind: { case: "features", value: { val: ["driver_stats:trips"] } },
            entities: { driver_id: { val: [v.int64(1)] } },
          },
          { timeoutMs: deadlineMs },
        );
        return { code: "ok", ms: performance.now() - started };
      } catch (error) {
        return { code: error instanceof ConnectError ? error.code : Code.Unknown, ms: performance.now() - started };
      }
    };
    try {
      expect((await call()).code).toBe("ok");
      // ~200 req/s for 1.5 s with Redis killed in the middle.
      const outcomes: Array<Promise<{ code: Code | "ok"; ms: number }>> = [];
      const load = setInterval(() => outcomes.push(call()), 5);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await redis.kill();
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      clearInterval(load);
      const results = await Promise.all(outcomes);
      const failed = results.filter((r) => r.code !== "ok");
      expect(failed.length).toBeGreaterThan(50);
      expect(new Set(failed.map((r) => r.code))).toEqual(new Set([Code.Unavailable]));
      expect(Math.max(...failed.map((r) => r.ms))).toBeLessThan(deadlineMs);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200); // the server stays up

      await redis.restart();
      const back = Date.now();
      let recovered = false;
      while (Date.now() - back < 3_000) {
        if ((await call()).code === "ok") {
          recovered = true;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const recoveryMs = Date.now() - back;
      console.log(
        `Redis outage: ${failed.length} calls failed as UNAVAILABLE (slowest ${Math.round(Math.max(...failed.map((r) => r.ms)))} ms); serving again ${recoveryMs} ms after Redis returned`,
      );
      expect(recovered).toBe(true);
      expect(recoveryMs).toBeLessThan(1_000);
    } finally {
      await server.shutdown();
      await store.close();
      await redis.stop();
    }
  });
});
