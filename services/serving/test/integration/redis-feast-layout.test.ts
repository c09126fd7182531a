import { create, toBinary } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { Redis } from "ioredis";
import murmurhash from "murmurhash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OnlineStore } from "../../src/online-store/online-store.js";
import { createRedisOnlineStore } from "../../src/online-store/redis-online-store.js";
import {
  SHARED_REDIS,
  double,
  driverKey,
  driverView,
  hexOf,
  int64,
  redisConfig,
  uniqueProject,
} from "./online-store-fixture.js";
import { scanAllKeys } from "../../../../test/harness/redis.js";

/** The hash field Feast's Python writer uses (§5h), computed here independently of the store. */
function feastField(view: string, feature: string): Buffer {
  const field = Buffer.alloc(4);
  field.writeUInt32LE(murmurhash.v3(`${view}:${feature}`) >>> 0);
  return field;
}

const feastTs = (seconds: number, nanos: number): Buffer =>
  Buffer.from(toBinary(TimestampSchema, create(TimestampSchema, { seconds: BigInt(seconds), nanos })));

describe("Redis online store, feast layout, against Feast's bytes", () => {
  const project = uniqueProject();
  const view = driverView(project);
  const redisKey = (id: number): Buffer => Buffer.concat([driverKey(id), Buffer.from(project)]);
  let store: OnlineStore;
  let redis: Redis;

  beforeAll(async () => {
    store = createRedisOnlineStore(redisConfig(SHARED_REDIS, { layout: "feast" }));
    redis = new Redis({ host: "127.0.0.1", port: 6379 });
    await store.ready();
  });

  afterAll(async () => {
    await store.teardown([view, driverView(project, "other_view")]);
    expect(await scanAllKeys(redis, `*${project}*`)).toEqual([]);
    await store.close();
    await redis.quit();
  });

  it("reads a hash written exactly as Feast writes it", async () => {
    await redis.hset(
      redisKey(1),
      feastField(view.name, "conv_rate"),
      Buffer.from(double(0.5)),
      feastField(view.name, "trips"),
      Buffer.from(int64(12)),
      `_ts:${view.name}`,
      feastTs(1_700_000_000, 123_456_000),
    );
    const [[row]] = (await store.read([
      { view, features: ["trips", "acc_rate", "conv_rate"], entityKeys: [driverKey(1)] },
    ])) as [[{ eventTimeMs: number; values: (Uint8Array | undefined)[] }]];
    expect(row.eventTimeMs).toBeCloseTo(1_700_000_000_123.456, 3);
    expect(row.values.map(hexOf)).toEqual([hexOf(int64(12)), undefined, hexOf(double(0.5))]);
  });

  it("writes the bytes Feast writes, and skips a write older than Feast's stored timestamp", async () => {
    await store.write(view, [
      { entityKey: driverKey(2), eventTimeMs: 1_700_000_000_250, values: [double(0.1), double(0.2), int64(3)] },
    ]);
    expect(await redis.hlen(redisKey(2))).toBe(4);
    expect(await redis.hgetBuffer(redisKey(2), feastField(view.name, "conv_rate"))).toEqual(Buffer.from(double(0.1)));
    expect(await redis.hgetBuffer(redisKey(2), feastField(view.name, "trips"))).toEqual(Buffer.from(int64(3)));
    expect(await redis.hgetBuffer(redisKey(2), `_ts:${view.name}`)).toEqual(feastTs(1_700_000_000, 250_000_000));

    // Feast stored a newer row for key 1 (seconds 1_700_000_000): an older Larder write leaves it alone.
    const result = await store.write(view, [
      { entityKey: driverKey(1), eventTimeMs: 1_700_000_000_000, values: [double(9), double(9), int64(9)] },
    ]);
    expect(result).toEqual({ written: 0, skipped: 1 });
    expect(await redis.hgetBuffer(redisKey(1), feastField(view.name, "trips"))).toEqual(Buffer.from(int64(12)));
  });

  it("compares negative (pre-1970) Timestamps correctly in Lua", async () => {
    await redis.hset(redisKey(3), `_ts:${view.name}`, feastTs(-5, 0));
    expect(
      await store.write(view, [
        { entityKey: driverKey(3), eventTimeMs: -6_000, values: [double(1), undefined, undefined] },
      ]),
    ).toEqual({ written: 0, skipped: 1 });
    expect(
      await store.write(view, [
        { entityKey: driverKey(3), eventTimeMs: -4_500, values: [double(1), undefined, undefined] },
      ]),
    ).toEqual({ written: 1, skipped: 0 });
    expect(await redis.hgetBuffer(redisKey(3), `_ts:${view.name}`)).toEqual(feastTs(-5, 500_000_000));
  });

  it("deletes a view as Feast does: HDEL when other views share the hash, DEL when it is the last", async () => {
    const other = driverView(project, "other_view");
    await store.write(other, [{ entityKey: driverKey(2), eventTimeMs: 1, values: [double(5), undefined, undefined] }]);
    await store.deleteView(view);
    expect(await redis.hlen(redisKey(2))).toBe(2);
    expect(await redis.hexists(redisKey(2), feastField(other.name, "conv_rate"))).toBe(1);
    expect(await redis.hexists(redisKey(2), `_ts:${other.name}`)).toBe(1);
    expect(await redis.exists(redisKey(1))).toBe(0);
    await store.deleteView(other);
    expect(await redis.exists(redisKey(2))).toBe(0);
  });
});
