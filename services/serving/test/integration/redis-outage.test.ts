import { UnavailableError } from "@larder/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrivateRedis, type PrivateRedis } from "../../../../test/harness/redis.js";
import type { OnlineReadRequest } from "../../src/online-store/online-store.js";
import { createRedisOnlineStore } from "../../src/online-store/redis-online-store.js";
import { double, driverKey, driverView, int64, redisConfig, uniqueProject } from "./online-store-fixture.js";

async function retryUntil<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe.each(["larder", "feast"] as const)("Redis online store (%s layout) during an outage", (layout) => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await startPrivateRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("fails fast with UnavailableError and recovers without a new store", async () => {
    const store = createRedisOnlineStore(redisConfig(`127.0.0.1:${server.port}`, { layout }));
    try {
      await store.ready();
      const view = driverView(uniqueProject());
      await store.write(view, [{ entityKey: driverKey(1), eventTimeMs: 1, values: [double(1), double(2), int64(3)] }]);
      const request: OnlineReadRequest = { view, features: ["trips"], entityKeys: [driverKey(1)] };

      await server.kill();
      let started = Date.now();
      await expect(store.read([request])).rejects.toBeInstanceOf(UnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
      await expect(
        store.write(view, [{ entityKey: driverKey(1), eventTimeMs: 2, values: [double(1), undefined, undefined] }]),
      ).rejects.toBeInstanceOf(UnavailableError);
      expect(store.healthy).toBe(false);

      await server.restart();
      started = Date.now();
      // The private server has no persistence: the row is gone, but the read succeeds.
      expect(await retryUntil(() => store.read([request]), 2_000)).toEqual([[undefined]]);
      expect(Date.now() - started).toBeLessThan(1_000);
      await store.ready();
      expect(store.healthy).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("fails fast when the server hangs (SIGSTOP) instead of queueing", async () => {
    const store = createRedisOnlineStore(redisConfig(`127.0.0.1:${server.port}`, { layout }));
    try {
      await store.ready();
      const view = driverView(uniqueProject());
      server.pause();
      const started = Date.now();
      await expect(store.read([{ view, features: ["trips"], entityKeys: [driverKey(1)] }])).rejects.toBeInstanceOf(
        UnavailableError,
      );
      expect(Date.now() - started).toBeLessThan(1_000);
      server.resume();
      await retryUntil(() => store.read([{ view, features: ["trips"], entityKeys: [driverKey(1)] }]), 2_000);
    } finally {
      server.resume();
      await store.close();
    }
  });
});
