import { InvalidArgumentError } from "@larder/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OnlineStore, OnlineView, OnlineWriteRow } from "../../src/online-store/online-store.js";
import { STORE_KINDS, double, driverKey, driverView, hexOf, int64, uniqueProject } from "./online-store-fixture.js";
import { scanAllKeys } from "../../../../test/harness/redis.js";

// Writes of many rows in one call: the larder layout sends one script call per chunk of rows (many keys per
// EVALSHA), and rows may come in the spanned form of the materialization encoder. Every rule of a single-row
// write must hold per key inside one call.

/** A row in the spanned form (values as spans of one buffer), as the materialization encoder makes them. */
function spannedRow(entityKey: Uint8Array, eventTimeMs: number, values: readonly (Uint8Array | undefined)[]) {
  const source = Buffer.concat(values.map((v) => v ?? new Uint8Array(0)));
  const spans = new Int32Array(2 + 2 * values.length).fill(-7);
  let pos = 0;
  values.forEach((value, f) => {
    spans[2 + 2 * f] = value === undefined ? -1 : pos;
    spans[3 + 2 * f] = value === undefined ? -1 : pos + value.length;
    pos += value?.length ?? 0;
  });
  return {
    entityKey,
    eventTimeMs,
    source,
    spans,
    spanBase: 2,
    valueCount: values.length,
    get values() {
      return values;
    },
  } satisfies OnlineWriteRow & Record<string, unknown>;
}

const plainRow = (id: number, t: number, values: readonly (Uint8Array | undefined)[]): OnlineWriteRow => ({
  entityKey: driverKey(id),
  eventTimeMs: t,
  values,
});

describe.each(STORE_KINDS)("OnlineStore.write of many rows on $name", (kind) => {
  const project = uniqueProject();
  const views: OnlineView[] = [];
  let store: OnlineStore;
  let viewCount = 0;
  const freshView = (): OnlineView => {
    const view = driverView(project, `batch_${viewCount++}`);
    views.push(view);
    return view;
  };
  const readAll = async (view: OnlineView, ids: readonly number[]) =>
    (await store.read([{ view, features: view.features, entityKeys: ids.map(driverKey) }]))[0]!;

  beforeAll(async () => {
    store = kind.open();
    await store.ready();
  });

  afterAll(async () => {
    await store.teardown(views);
    await store.close();
  });

  it("keeps the newest event per key inside one call: older and equal rows after it change nothing", async () => {
    const view = freshView();
    const full = (n: number) => [double(n), double(n), int64(n)];
    const result = await store.write(view, [
      plainRow(1, 1_000, full(1)),
      plainRow(1, 3_000, full(3)), // newer: wins
      plainRow(1, 2_000, full(2)), // older than the row just written: skipped
      plainRow(1, 3_000, full(4)), // equal: skipped
      plainRow(2, 5_000, full(5)),
      plainRow(2, 4_000, full(6)), // older: skipped
    ]);
    expect(result).toEqual({ written: 3, skipped: 3 });
    const [one, two] = await readAll(view, [1, 2]);
    expect(one?.eventTimeMs).toBe(3_000);
    expect(one?.values.map(hexOf)).toEqual(full(3).map(hexOf));
    expect(two?.eventTimeMs).toBe(5_000);
    expect(two?.values.map(hexOf)).toEqual(full(5).map(hexOf));
  });

  it("writes 1,000 keys in one call (several script calls), skipping those whose stored row is as new", async () => {
    const view = freshView();
    const ids = Array.from({ length: 1_000 }, (_, i) => i + 1);
    // Odd ids already hold a row at t = 2,000; the batch brings t = 2,000 for all: only even ids land.
    await store.write(
      view,
      ids.filter((id) => id % 2 === 1).map((id) => plainRow(id, 2_000, [double(-id), double(-id), int64(-id)])),
    );
    const result = await store.write(
      view,
      ids.map((id) => spannedRow(driverKey(id), 2_000, [double(id), double(id), int64(id)])),
    );
    expect(result).toEqual({ written: 500, skipped: 500 });
    const rows = await readAll(view, ids);
    rows.forEach((row, i) => {
      const id = ids[i]!;
      const sign = id % 2 === 1 ? -1 : 1;
      expect(row?.values.map(hexOf)).toEqual([double(sign * id), double(sign * id), int64(sign * id)].map(hexOf));
    });
  });

  it("merges partial rows with the stored entries, in plain and spanned form, and skips rows with no value", async () => {
    const view = freshView();
    await store.write(view, [
      plainRow(1, 1_000, [double(1), double(1), int64(1)]),
      plainRow(2, 1_000, [double(2), double(2), int64(2)]),
    ]);
    const result = await store.write(view, [
      plainRow(1, 2_000, [undefined, double(10), undefined]),
      spannedRow(driverKey(2), 2_000, [undefined, undefined, int64(20)]),
      spannedRow(driverKey(3), 2_000, [undefined, undefined, undefined]),
    ]);
    expect(result).toEqual({ written: 2, skipped: 1 });
    const [one, two, three] = await readAll(view, [1, 2, 3]);
    expect(one?.values.map(hexOf)).toEqual([double(1), double(10), int64(1)].map(hexOf));
    expect(two?.values.map(hexOf)).toEqual([double(2), double(2), int64(20)].map(hexOf));
    expect(two?.eventTimeMs).toBe(2_000);
    expect(three).toBeUndefined();
  });

  it("rejects a spanned row whose value count does not match the view", async () => {
    const view = freshView();
    // SQLite throws synchronously, Redis rejects: both are InvalidArgumentError.
    await expect(async () => store.write(view, [spannedRow(driverKey(1), 1, [double(1)])])).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  // Redis layouts only: key_ttl_seconds is a Redis key expiry (PX / EXPIRE); the SQLite store expires rows
  // by its own mechanism, tested in the online-store tests.
  it.runIf(kind.redisLayout !== undefined)("sets key_ttl_seconds on every key of a many-row call", async () => {
    const ttlStore = kind.open({ keyTtlSeconds: 60 });
    const redis = new Redis({ host: "127.0.0.1", port: 6379 });
    // A project of its own, so the keys counted are this test's only.
    const view = driverView(uniqueProject(), "batch_ttl");
    try {
      const ids = Array.from({ length: 600 }, (_, i) => i + 1);
      const result = await ttlStore.write(
        view,
        ids.map((id) => spannedRow(driverKey(id), 1_000, [double(id), undefined, int64(id)])),
      );
      expect(result).toEqual({ written: 600, skipped: 0 });
      const keys = await scanAllKeys(redis, `*${view.project}*`);
      const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
      expect(ttls).toHaveLength(600);
      for (const ttl of ttls) {
        expect(ttl).toBeGreaterThan(50_000);
        expect(ttl).toBeLessThanOrEqual(60_000);
      }
    } finally {
      await ttlStore.teardown([view]);
      redis.disconnect();
      await ttlStore.close();
    }
  });
});
