import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OfflineView } from "../../src/offline-store/offline-store.js";
import { STORES } from "./offline-store-fixtures.js";
import { at, collect, ts, type StoreHarness, type TableSpec } from "./offline-store-harness.js";

/** 150 keys (driver, zone) with three rows each, one outside the window [1h, 3h]; zones offset times (no ties per driver). */
const MANY: TableSpec = {
  name: "many_keys",
  columns: [
    ["driver_id", "int64"],
    ["zone", "string"],
    ["event_ts", "ts"],
    ["val", "int64"],
  ],
  rows: Array.from({ length: 150 }, (_, k) =>
    [1, 2, 4].map((hour) => [
      String(k % 50),
      `'z${Math.floor(k / 50)}'`,
      ts(hour + Math.floor(k / 50) / 10),
      String(k * 10 + hour),
    ]),
  ).flat(),
};

function manyView(h: StoreHarness, keys: "one" | "two"): OfflineView {
  return {
    name: "many",
    source: h.source("many_keys"),
    joinKeys: [
      { name: "driver_id", type: ValueType.INT64 },
      ...(keys === "two" ? [{ name: "zone", type: ValueType.STRING }] : []),
    ],
    features: [{ name: "val", type: ValueType.INT64 }],
    ttlSeconds: 0,
  };
}

const keyOf = (row: Record<string, unknown>): string => `${String(row.driver_id)}/${String(row.zone)}`;
const sorted = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));

describe.each(STORES)("pullLatest entity-hash buckets on the %s store", (_name, createHarness) => {
  let h: StoreHarness;
  beforeAll(async () => {
    h = await createHarness();
    await h.writeTable(MANY);
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(["one", "two"] as const)(
    "splits %s-key views into disjoint buckets whose union is the whole",
    async (keys) => {
      const view = manyView(h, keys);
      const window = { startMs: at(1), endMs: at(3) };
      const whole = await collect(h.store.pullLatest(view, window));
      expect(whole.rows).toHaveLength(keys === "one" ? 50 : 150);
      const parts = [];
      for (let index = 0; index < 4; index++) {
        const part = await collect(h.store.pullLatest(view, window, { bucket: { index, count: 4 } }));
        expect(part.names).toEqual(whole.names);
        parts.push(part.rows);
      }
      expect(parts.filter((rows) => rows.length > 0).length).toBeGreaterThan(1);
      expect(sorted(parts.flat())).toEqual(sorted(whole.rows));
    },
  );

  it("rejects a bucket outside [0, count)", async () => {
    await expect(
      collect(
        h.store.pullLatest(manyView(h, "one"), { startMs: at(1), endMs: at(3) }, { bucket: { index: 4, count: 4 } }),
      ),
    ).rejects.toThrow(/bucket must be/);
  });
});
