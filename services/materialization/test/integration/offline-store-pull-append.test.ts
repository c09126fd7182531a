import { Code } from "@larder/core";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OfflineView } from "../../src/offline-store/offline-store.js";
import { DRIVER_STATS, PUSHED, ROUTES, STORES, driverView, pushedView, readOf } from "./offline-store-fixtures.js";
import { at, batchOf, collect, type StoreHarness } from "./offline-store-harness.js";

const byDriver = (rows: Record<string, unknown>[]) =>
  [...rows].sort((a, b) => Number(a.driver_id) - Number(b.driver_id));

describe.each(STORES)("OfflineStore on the %s store", (_name, createHarness) => {
  let h: StoreHarness;
  beforeAll(async () => {
    h = await createHarness();
    for (const table of [DRIVER_STATS, ROUTES, PUSHED]) await h.writeTable(table);
  });
  afterAll(async () => {
    await h.close();
  });

  describe("pullLatest", () => {
    it("returns the latest row per key in an inclusive window, ties broken by created time", async () => {
      const { rows, names } = await collect(h.store.pullLatest(driverView(h), { startMs: at(2), endMs: at(5) }));
      expect(names).toEqual(["driver_id", "conv_rate", "acc_rate", "trips", "event_timestamp", "created_timestamp"]);
      expect(byDriver(rows)).toEqual([
        {
          driver_id: 1001n,
          conv_rate: 0.25,
          acc_rate: 0.65,
          trips: 25n,
          event_timestamp: at(2),
          created_timestamp: at(3),
        },
        {
          driver_id: 1002n,
          conv_rate: 0.4,
          acc_rate: 0.8,
          trips: 40n,
          event_timestamp: at(5),
          created_timestamp: at(5),
        },
        {
          driver_id: 1003n,
          conv_rate: 0.9,
          acc_rate: 0.9,
          trips: 90n,
          event_timestamp: at(3),
          created_timestamp: null,
        },
      ]);
    });

    it("excludes rows just outside the window", async () => {
      const { rows } = await collect(h.store.pullLatest(driverView(h), { startMs: at(2) + 1, endMs: at(5) - 1 }));
      expect(rows.map((row) => row.driver_id)).toEqual([1003n]);
      const early = await collect(h.store.pullLatest(driverView(h), { startMs: at(1), endMs: at(2) }));
      expect(byDriver(early.rows).map((row) => [row.driver_id, row.conv_rate])).toEqual([
        [1001n, 0.25],
        [1002n, 0.3],
      ]);
    });

    it("streams one row per batch with batchRows 1, each key exactly once", async () => {
      const sizes: number[] = [];
      const keys: unknown[] = [];
      for await (const batch of h.store.pullLatest(driverView(h), { startMs: 0, endMs: at(100) }, { batchRows: 1 })) {
        sizes.push(batch.rowCount);
        keys.push(...(batch.columns.get("driver_id") ?? []));
      }
      expect(sizes).toEqual([1, 1, 1]);
      expect([...keys].sort()).toEqual([1001n, 1002n, 1003n]);
    });

    it("stamps rows with the current time when the event timestamp is disabled", async () => {
      const before = Date.now();
      const { rows } = await collect(
        h.store.pullLatest(driverView(h), { startMs: 0, endMs: 0 }, { disableEventTimestamp: true }),
      );
      expect(rows).toHaveLength(3);
      for (const row of rows) expect(row.event_timestamp).toBeGreaterThanOrEqual(before - 1000);
    });
  });

  describe("append", () => {
    const batch = batchOf([
      { driver_id: 2001n, event_ts: at(1), created: at(1), conv_rate: 0.5, trips: 5n }, // already stored
      { driver_id: 2001n, event_ts: at(2), created: at(2), conv_rate: 0.6, trips: 6n },
      { driver_id: 2002, event_ts: at(2), created: at(2), conv_rate: 0.7, trips: 7 },
    ]);

    it("adds only new rows, and a retried batch adds nothing", async () => {
      expect(await h.store.append(pushedView(h).source, batch)).toEqual({ appended: 2 });
      expect(await h.store.append(pushedView(h).source, batch)).toEqual({ appended: 0 });
      expect(await h.countRows("pushed")).toBe(3);
      const { rows } = await collect(h.store.pullLatest(pushedView(h), { startMs: 0, endMs: at(10) }));
      expect(byDriver(rows).map((row) => [row.driver_id, row.conv_rate, row.trips])).toEqual([
        [2001n, 0.6, 6n],
        [2002n, 0.7, 7n],
      ]);
    });

    it("makes appended rows visible to historical reads", async () => {
      const entities = batchOf([{ driver_id: 2002, event_timestamp: at(3) }]);
      const { rows } = await collect(
        h.store.historical({ kind: "rows", batch: entities }, [readOf(pushedView(h), ["trips"])]),
      );
      expect(rows).toEqual([{ driver_id: 2002n, event_timestamp: at(3), trips: 7n }]);
    });

    it("answers INVALID_ARGUMENT for a column the source lacks", async () => {
      const bad = batchOf([{ driver_id: 1, event_ts: at(1), created: at(1), nope: 1 }]);
      await expect(h.store.append(pushedView(h).source, bad)).rejects.toMatchObject({ code: Code.InvalidArgument });
    });
  });

  describe("validateSource", () => {
    const withFeature = (view: OfflineView, name: string, type: ValueType): OfflineView => ({
      ...view,
      features: [...view.features, { name, type }],
    });

    it("accepts a readable source with matching columns", async () => {
      await expect(h.store.validateSource(driverView(h))).resolves.toBeUndefined();
    });

    it.each([
      ["a missing feature column", (v: OfflineView) => withFeature(v, "missing_col", ValueType.DOUBLE)],
      ["a feature of the wrong type", (v: OfflineView) => withFeature(v, "conv_rate", ValueType.STRING)],
      ["a missing timestamp column", (v: OfflineView) => ({ ...v, source: { ...v.source, timestampField: "nope" } })],
      ["a missing table or file", (v: OfflineView) => ({ ...v, source: h.source("no_such_table") })],
    ])("answers FAILED_PRECONDITION for %s", async (_case, change) => {
      await expect(h.store.validateSource(change(driverView(h)))).rejects.toMatchObject({
        code: Code.FailedPrecondition,
      });
    });

    it("answers FAILED_PRECONDITION for a source of the other store's kind", async () => {
      const view = { ...driverView(h), source: h.foreignSource("driver_stats") };
      await expect(h.store.validateSource(view)).rejects.toMatchObject({ code: Code.FailedPrecondition });
      await expect(collect(h.store.pullLatest(view, { startMs: 0, endMs: at(10) }))).rejects.toMatchObject({
        code: Code.FailedPrecondition,
      });
    });
  });
});
