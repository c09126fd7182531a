import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { defineRepoConfig } from "@larder/core";
import { PushMode } from "@larder/gen/es/larder/push/v1/push_service_pb";
import { describe, expect, it } from "vitest";
import { startPrivateRedis } from "../../../../test/harness/redis.js";
import { countOfflineRows, startPushHarness, v } from "../push-fixture.js";

const T0 = Date.parse("2024-06-01T00:00:00Z");
const KEYS = [901, 902, 903, 904, 905];
const PUSHES = 40;

describe("Push when Redis dies during online_and_offline pushes", () => {
  it("fails as UNAVAILABLE; after retries offline holds each row once and online the newest values", async () => {
    const redis = await startPrivateRedis();
    const project = `push_outage_${randomBytes(3).toString("hex")}`;
    const h = await startPushHarness(
      project,
      (repoPath) =>
        defineRepoConfig(
          {
            project,
            registry: "data/registry.db",
            online_store: { type: "redis", connection_string: `127.0.0.1:${redis.port}` },
          },
          { repoPath },
        ).onlineStore,
    );
    try {
      const pushOnce = (i: number) =>
        h.push.push(
          {
            pushSourceName: "driver_push",
            columns: {
              driver_id: { val: [v.int64(KEYS[i % KEYS.length]!)] },
              event_timestamp: { val: [v.str(new Date(T0 + i * 1000).toISOString())] },
              conv: { val: [v.double(i / 100)] },
              trips: { val: [v.int64(i)] },
              city: { val: [v.str(`c${i}`)] },
            },
            to: PushMode.ONLINE_AND_OFFLINE,
          },
          { timeoutMs: 10_000 },
        );
      const codes: Code[] = [];
      const failed: number[] = [];
      const attempt = async (i: number): Promise<void> => {
        try {
          await pushOnce(i);
        } catch (error) {
          codes.push(ConnectError.from(error).code);
          failed.push(i);
        }
      };
      await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(i)));
      const killed = redis.kill();
      await Promise.all(Array.from({ length: PUSHES - 10 }, (_, i) => attempt(i + 10)));
      await killed;
      expect(failed.length).toBeGreaterThan(0);
      expect(new Set(codes)).toEqual(new Set([Code.Unavailable]));
      await redis.restart();
      for (const i of failed) {
        for (let tries = 0; ; tries++) {
          try {
            await pushOnce(i);
            break;
          } catch (error) {
            if (tries > 50) throw error;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
      }
      // A retried push of rows already stored adds nothing.
      await pushOnce(0);
      expect(await countOfflineRows(h.repoPath, "driver_id >= 901 AND driver_id <= 905")).toBe(PUSHES);
      expect(
        await countOfflineRows(
          h.repoPath,
          "driver_id >= 901 AND driver_id <= 905 GROUP BY driver_id, event_timestamp HAVING count(*) > 1",
        ),
      ).toBe(0);
      const res = await h.serving.getOnlineFeatures({
        kind: { case: "features", value: { val: ["driver_stats:trips"] } },
        entities: { driver_id: { val: KEYS.map((k) => v.int64(k)) } },
      });
      const newest = KEYS.map((_, k) => BigInt(PUSHES - KEYS.length + k));
      expect(res.results[1]!.values.map((x) => x.val.value)).toEqual(newest);
    } finally {
      await h.close();
      await redis.stop();
    }
  });
});
