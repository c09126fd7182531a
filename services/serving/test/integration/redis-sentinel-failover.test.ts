import { UnavailableError, validateOnlineStoreConfig, type RedisOnlineStoreConfig } from "@larder/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSentinelGroup, type SentinelGroup } from "../../../../test/harness/redis-sentinel.js";
import type { OnlineReadRequest } from "../../src/online-store/online-store.js";
import { createRedisOnlineStore } from "../../src/online-store/redis-online-store.js";
import { double, driverKey, driverView, int64, uniqueProject } from "./online-store-fixture.js";

const ROWS = 200;

describe.each(["larder", "feast"] as const)("Redis online store behind Sentinel (%s layout)", (layout) => {
  let group: SentinelGroup;
  beforeAll(async () => {
    group = await startSentinelGroup(1_000);
  }, 40_000);
  afterAll(async () => {
    await group.stop();
  });

  it("fails calls fast during a failover, then serves every replicated row from the promoted replica", async () => {
    const config = validateOnlineStoreConfig(
      {
        type: "redis",
        redis_type: "redis_sentinel",
        connection_string: `127.0.0.1:${group.sentinelPort}`,
        sentinel_master: group.masterName,
        layout,
      },
      { repoPath: "/", provider: "local" },
    ) as RedisOnlineStoreConfig;
    const store = createRedisOnlineStore(config);
    try {
      await store.ready();
      const view = driverView(uniqueProject());
      const rows = Array.from({ length: ROWS }, (_, i) => ({
        entityKey: driverKey(i),
        eventTimeMs: 1_000 + i,
        values: [double(i / 10), double(i / 100), int64(i)],
      }));
      await store.write(view, rows);
      await group.waitForReplication();
      const request: OnlineReadRequest = {
        view,
        features: ["trips"],
        entityKeys: rows.map((r) => r.entityKey),
      };
      expect((await store.read([request]))[0]?.filter((r) => r !== undefined)).toHaveLength(ROWS);

      await group.master.kill();
      const killedAt = Date.now();
      const failures: Array<{ error: unknown; ms: number }> = [];
      let recoveredAt: number | undefined;
      while (Date.now() - killedAt < 30_000) {
        const started = Date.now();
        try {
          const result = await store.read([request]);
          // A read that succeeds must come from the promoted replica and hold every replicated row.
          expect(result[0]?.filter((r) => r !== undefined)).toHaveLength(ROWS);
          recoveredAt = Date.now();
          break;
        } catch (error) {
          failures.push({ error, ms: Date.now() - started });
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(recoveredAt, "reads never recovered after the failover").toBeDefined();
      // Sentinel needs down-after (1 s) before it starts: the outage is real, and every call in it
      // failed as UNAVAILABLE within its budget instead of queueing until the failover ended.
      expect(failures.length).toBeGreaterThan(0);
      for (const { error, ms } of failures) {
        expect(error).toBeInstanceOf(UnavailableError);
        expect(ms).toBeLessThan(1_500);
      }
      expect(await group.currentMasterPort()).toBe(group.replica.port);

      // Writes go to the new master, newest event still wins.
      const row0 = rows[0];
      if (row0 === undefined) throw new Error("no rows");
      await expect(
        store.write(view, [{ entityKey: row0.entityKey, eventTimeMs: 500, values: [double(9), double(9), int64(9)] }]),
      ).resolves.toMatchObject({ written: 0 });
      await store.write(view, [
        { entityKey: row0.entityKey, eventTimeMs: 5_000, values: [double(9), double(9), int64(42)] },
      ]);
      const after = await store.read([{ view, features: ["trips"], entityKeys: [row0.entityKey] }]);
      expect(after[0]?.[0]?.eventTimeMs).toBe(5_000);
      expect(Buffer.from(after[0]?.[0]?.values[0] ?? [])).toEqual(Buffer.from(int64(42)));
      process.stdout.write(
        `sentinel failover (${layout}): reads unavailable for ${String((recoveredAt ?? 0) - killedAt)} ms, ${String(failures.length)} failed calls\n`,
      );
    } finally {
      await store.close();
    }
  }, 60_000);
});
