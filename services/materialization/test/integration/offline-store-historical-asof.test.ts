import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import type { OfflineView } from "../../src/offline-store/offline-store.js";
import { STORES, readOf } from "./offline-store-fixtures.js";
import { seededRandom } from "../../../../test/harness/seeded-random.js";
import { at, batchOf, collect, ts, type StoreHarness, type TableSpec } from "./offline-store-harness.js";

// A view without a ttl joins every earlier row of its key; a ttl longer than all the data joins the same
// rows. The stores may compute the two differently (PostgreSQL: as of by sorting without a ttl, a bounded
// join with one), so here both run over the same random history and must agree row for row: ties on event
// time broken by created time (distinct per key and time, so the winner is defined), entity times equal
// to event times, entity rows before any row, unknown keys, entity rows without a time, duplicates.

const next = seededRandom(20261127);
const pick = (n: number): number => Math.floor(next() * n);
const KEYS = 12;
/** Event times on a half-hour grid over 20 hours, so entity times often equal event times. */
const slot = (): number => pick(40) / 2;

const HISTORY: TableSpec = {
  name: "asof_history",
  columns: [
    ["driver_id", "int64"],
    ["event_ts", "ts"],
    ["created", "ts"],
    ["v", "double"],
  ],
  rows: Array.from({ length: 300 }, (_, i) => [
    String(1 + pick(KEYS)),
    ts(slot()),
    // Created times are unique, so ties on event time have one winner.
    ts(100 + i / 60),
    String(i),
  ]),
};

const ENTITIES = [
  ...Array.from({ length: 120 }, () => ({ driver_id: 1 + pick(KEYS + 2), event_timestamp: at(slot() - 1) })),
  { driver_id: 3, event_timestamp: null },
  { driver_id: 3, event_timestamp: at(30) },
  { driver_id: 3, event_timestamp: at(30) },
];

function historyView(h: StoreHarness, ttlSeconds: number, name: string): OfflineView {
  return {
    name,
    source: h.source("asof_history", { createdTimestampColumn: "created" }),
    joinKeys: [{ name: "driver_id", type: ValueType.INT64 }],
    features: [{ name: "v", type: ValueType.DOUBLE }],
    ttlSeconds,
  };
}

describe.each(STORES)("OfflineStore.historical without a ttl on the %s store", (_name, createHarness) => {
  let h: StoreHarness;
  beforeAll(async () => {
    h = await createHarness();
    await h.writeTable(HISTORY);
  });
  afterAll(async () => {
    await h.close();
  });

  it("joins the same rows as a ttl longer than the data, over a random history", async () => {
    const reads = [
      readOf(historyView(h, 0, "no_ttl"), ["v"], ["no_ttl"]),
      readOf(historyView(h, 100 * 365 * 86_400, "long_ttl"), ["v"], ["long_ttl"]),
    ];
    const { rows } = await collect(h.store.historical({ kind: "rows", batch: batchOf(ENTITIES) }, reads));
    expect(rows.map((row) => row.no_ttl)).toEqual(rows.map((row) => row.long_ttl));
    // The comparison means something: most rows found a value, some (before any row, unknown key) none.
    const found = rows.filter((row) => row.no_ttl !== null).length;
    expect(found).toBeGreaterThan(60);
    expect(found).toBeLessThan(rows.length);
    expect(rows.at(-3)?.no_ttl).toBeNull(); // no entity time
    expect(rows.at(-1)?.no_ttl).toBe(rows.at(-2)?.no_ttl);
  });
});
