import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OnlineStore, OnlineView } from "../../src/online-store/online-store.js";
import { STORE_KINDS, double, driverKey, driverView, hexOf, int64, uniqueProject } from "./online-store-fixture.js";
import { scanAllKeys } from "../../../../test/harness/redis.js";

describe.each(STORE_KINDS)("OnlineStore on $name", (kind) => {
  const project = uniqueProject();
  const views: OnlineView[] = [];
  let store: OnlineStore;
  let viewCount = 0;
  /** A fresh view per test so tests do not see each other's rows. */
  const freshView = (): OnlineView => {
    const view = driverView(project, `driver_stats_${viewCount++}`);
    views.push(view);
    return view;
  };
  const readOne = async (view: OnlineView, id: number, features = view.features) =>
    (await store.read([{ view, features, entityKeys: [driverKey(id)] }]))[0]![0];

  beforeAll(async () => {
    store = kind.open();
    await store.ready();
  });

  afterAll(async () => {
    await store.teardown(views);
    expect(store.healthy).toBe(true);
    await store.close();
    if (kind.redisLayout !== undefined) {
      // Every key this run wrote is gone after teardown.
      const redis = new Redis({ host: "127.0.0.1", port: 6379 });
      const left = await scanAllKeys(redis, `*${project}*`);
      await redis.quit();
      expect(left).toEqual([]);
    }
  });

  it("reads back written rows, the requested features in the requested order", async () => {
    const view = freshView();
    const other = freshView();
    const result = await store.write(view, [
      { entityKey: driverKey(1), eventTimeMs: 1_000, values: [double(0.5), double(0.9), int64(10)] },
      { entityKey: driverKey(2), eventTimeMs: 2_000.5, values: [double(0.25), double(0.8), int64(20)] },
    ]);
    expect(result).toEqual({ written: 2, skipped: 0 });
    await store.write(other, [{ entityKey: driverKey(1), eventTimeMs: 5, values: [double(7), undefined, undefined] }]);

    const [rows, otherRows] = await store.read([
      { view, features: ["trips", "conv_rate"], entityKeys: [driverKey(2), driverKey(3), driverKey(1)] },
      { view: other, features: ["conv_rate"], entityKeys: [driverKey(1)] },
    ]);
    expect(rows!.map((row) => row && { t: row.eventTimeMs, values: row.values.map(hexOf) })).toEqual([
      { t: 2_000.5, values: [hexOf(int64(20)), hexOf(double(0.25))] },
      undefined,
      { t: 1_000, values: [hexOf(int64(10)), hexOf(double(0.5))] },
    ]);
    expect(otherRows![0]!.values.map(hexOf)).toEqual([hexOf(double(7))]);
    expect(await store.read([])).toEqual([]);
    expect(await store.read([{ view, features: ["trips"], entityKeys: [] }])).toEqual([[]]);
  });

  it("answers no row for an unknown key and for a view that was never written", async () => {
    expect(await readOne(freshView(), 404)).toBeUndefined();
  });

  it("keeps the newest event: older and equal writes change nothing, newer ones replace", async () => {
    const view = freshView();
    const row = (t: number, x: number) => ({
      entityKey: driverKey(1),
      eventTimeMs: t,
      values: [double(x), double(x), int64(x)],
    });
    expect(await store.write(view, [row(2_000, 1)])).toEqual({ written: 1, skipped: 0 });
    expect(await store.write(view, [row(1_000, 2), row(2_000, 3)])).toEqual({ written: 0, skipped: 2 });
    let stored = await readOne(view, 1);
    expect(stored?.eventTimeMs).toBe(2_000);
    expect(stored?.values.map(hexOf)).toEqual([hexOf(double(1)), hexOf(double(1)), hexOf(int64(1))]);

    // Within one batch the order of rows matters exactly as if they were written one by one.
    expect(await store.write(view, [row(3_000, 4), row(2_500, 5)])).toEqual({ written: 1, skipped: 1 });
    stored = await readOne(view, 1);
    expect(stored?.eventTimeMs).toBe(3_000);
    expect(stored?.values.map(hexOf)).toEqual([hexOf(double(4)), hexOf(double(4)), hexOf(int64(4))]);
  });

  it("ends with the newest of 200 concurrent writes of shuffled timestamps to one key", async () => {
    const view = freshView();
    const times = Array.from({ length: 200 }, (_, i) => 1_000 + i);
    for (let i = times.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [times[i], times[j]] = [times[j]!, times[i]!];
    }
    const results = await Promise.all(
      times.map((t) =>
        store.write(view, [{ entityKey: driverKey(7), eventTimeMs: t, values: [double(t), double(t), int64(t)] }]),
      ),
    );
    expect(results.reduce((n, r) => n + r.written + r.skipped, 0)).toBe(200);
    const stored = await readOne(view, 7);
    expect(stored?.eventTimeMs).toBe(1_199);
    expect(stored?.values.map(hexOf)).toEqual([hexOf(double(1_199)), hexOf(double(1_199)), hexOf(int64(1_199))]);
  });

  it("reads features a row lacks as undefined; a newer partial write keeps the other features", async () => {
    const view = freshView();
    await store.write(view, [
      { entityKey: driverKey(1), eventTimeMs: 1_000, values: [double(1), undefined, undefined] },
    ]);
    expect((await readOne(view, 1))?.values.map(hexOf)).toEqual([hexOf(double(1)), undefined, undefined]);

    await store.write(view, [
      { entityKey: driverKey(1), eventTimeMs: 2_000, values: [undefined, double(2), int64(2)] },
    ]);
    const stored = await readOne(view, 1);
    expect(stored?.eventTimeMs).toBe(2_000);
    expect(stored?.values.map(hexOf)).toEqual([hexOf(double(1)), hexOf(double(2)), hexOf(int64(2))]);

    // A feature added to the schema later reads as undefined until written.
    const grown = { ...view, features: [...view.features, "new_feature"] };
    expect((await readOne(grown, 1, ["new_feature", "trips"]))?.values.map(hexOf)).toEqual([
      undefined,
      hexOf(int64(2)),
    ]);
    expect(
      await store.write(view, [
        { entityKey: driverKey(1), eventTimeMs: 9_000, values: [undefined, undefined, undefined] },
      ]),
    ).toEqual({
      written: 0,
      skipped: 1,
    });
  });

  it("deletes one view's rows and leaves other views alone", async () => {
    const view = freshView();
    const other = freshView();
    const values = [double(1), double(2), int64(3)];
    for (const v of [view, other]) {
      await store.write(
        v,
        [1, 2, 3].map((id) => ({ entityKey: driverKey(id), eventTimeMs: 1_000, values })),
      );
    }
    await store.deleteView(view);
    const [gone, kept] = await store.read([
      { view, features: view.features, entityKeys: [1, 2, 3].map(driverKey) },
      { view: other, features: other.features, entityKeys: [1, 2, 3].map(driverKey) },
    ]);
    expect(gone).toEqual([undefined, undefined, undefined]);
    expect(kept!.every((row) => row?.eventTimeMs === 1_000)).toBe(true);
    // A deleted view can be written again.
    expect(await store.write(view, [{ entityKey: driverKey(1), eventTimeMs: 1, values }])).toEqual({
      written: 1,
      skipped: 0,
    });
  });

  it("expires rows after key_ttl_seconds", async () => {
    const ttlStore = kind.open({ keyTtlSeconds: 1 });
    try {
      const view = freshView();
      await ttlStore.write(view, [
        { entityKey: driverKey(1), eventTimeMs: 1, values: [double(1), double(1), int64(1)] },
      ]);
      expect((await ttlStore.read([{ view, features: ["trips"], entityKeys: [driverKey(1)] }]))[0]![0]).toBeDefined();
      await sleep(1_500);
      expect((await ttlStore.read([{ view, features: ["trips"], entityKeys: [driverKey(1)] }]))[0]![0]).toBeUndefined();
      // An expired key is gone: even an older event lands, and nothing of the old row comes back.
      expect(
        await ttlStore.write(view, [
          { entityKey: driverKey(1), eventTimeMs: 0, values: [undefined, undefined, int64(2)] },
        ]),
      ).toEqual({ written: 1, skipped: 0 });
      const back = (
        await ttlStore.read([{ view, features: ["conv_rate", "trips"], entityKeys: [driverKey(1)] }])
      )[0]![0];
      expect(back?.values[0]).toBeUndefined();
      expect(back?.eventTimeMs).toBe(0);
    } finally {
      await ttlStore.close();
    }
  });

  it("honours an AbortSignal that is already aborted", async () => {
    const view = freshView();
    const reason = new Error("client went away");
    await expect(
      store.read([{ view, features: ["trips"], entityKeys: [driverKey(1)] }], AbortSignal.abort(reason)),
    ).rejects.toBe(reason);
  });
});
