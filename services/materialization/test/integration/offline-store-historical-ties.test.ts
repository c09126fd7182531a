import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import type { OfflineView } from "../../src/offline-store/offline-store.js";
import { STORES, readOf } from "./offline-store-fixtures.js";
import { at, batchOf, collect, ts, type StoreHarness, type TableSpec } from "./offline-store-harness.js";

const PRE_EPOCH = "TIMESTAMP '1960-01-01 00:00:00'";
/** 2024-01-01 05:00 and one microsecond later: created times that differ below the millisecond. */
const CREATED_5H = "TIMESTAMP '2024-01-01 05:00:00'";
const CREATED_5H_1US = "TIMESTAMP '2024-01-01 05:00:00.000001'";

/**
 * Rows whose winner depends only on the created-time tiebreak (newest event time first, then newest
 * created, a null created losing to any value), including times before 1970 and a microsecond apart;
 * within each key the rows are listed so that file order would pick the wrong one.
 */
const TIES: TableSpec = {
  name: "ties",
  columns: [
    ["driver_id", "int64"],
    ["event_ts", "ts"],
    ["created", "ts"],
    ["v", "double"],
  ],
  rows: [
    ["1", ts(2), "NULL", "1.0"],
    ["1", ts(2), PRE_EPOCH, "2.0"],
    ["2", ts(2), ts(1), "3.0"],
    ["2", ts(1.5), ts(9), "4.0"],
    ["3", ts(2), ts(5), "5.0"],
    ["3", ts(2), ts(6), "7.0"],
    ["3", ts(2), ts(4), "6.0"],
    ["4", PRE_EPOCH, ts(0), "8.0"],
    ["5", ts(2), CREATED_5H, "10.0"],
    ["5", ts(2), CREATED_5H_1US, "9.0"],
  ],
};

function tiesView(h: StoreHarness, created: boolean, name: string): OfflineView {
  return {
    name,
    source: h.source("ties", created ? { createdTimestampColumn: "created" } : {}),
    joinKeys: [{ name: "driver_id", type: ValueType.INT64 }],
    features: [{ name: "v", type: ValueType.DOUBLE }],
    ttlSeconds: 0,
  };
}

const ENTITIES = [
  { driver_id: 1, event_timestamp: at(3) }, // null created loses to a created time before 1970
  { driver_id: 2, event_timestamp: at(2) }, // newer event time wins over a newer created time
  { driver_id: 2, event_timestamp: at(1.75) }, // only the older event time is at or before the entity time
  { driver_id: 3, event_timestamp: at(2) }, // three ties: the newest created wins
  { driver_id: 4, event_timestamp: Date.UTC(1965, 0, 1) }, // event time before 1970
  { driver_id: 4, event_timestamp: Date.UTC(1959, 0, 1) }, // before the pre-1970 row
  { driver_id: 5, event_timestamp: at(2) }, // created one microsecond later wins
  { driver_id: 2, event_timestamp: null }, // no entity time: kept, nothing matches
];

describe.each(STORES)("OfflineStore.historical created-time tiebreak on the %s store", (_name, createHarness) => {
  let h: StoreHarness;
  beforeAll(async () => {
    h = await createHarness();
    await h.writeTable(TIES);
  });
  afterAll(async () => {
    await h.close();
  });

  it("picks the newest event time, then the newest created time, per entity row", async () => {
    const reads = [
      readOf(tiesView(h, true, "with_created"), ["v"], ["with_created"]),
      readOf(tiesView(h, false, "without_created"), ["v"], ["without_created"]),
    ];
    const { rows } = await collect(h.store.historical({ kind: "rows", batch: batchOf(ENTITIES) }, reads));
    expect(rows.map((row) => row.with_created)).toEqual([2, 3, 4, 7, 8, null, 9, null]);
    // Without a created column, rows tied on event time are interchangeable: check the untied ones only.
    expect([1, 2, 4, 5, 7].map((index) => rows[index]?.without_created)).toEqual([3, 4, 8, null, null]);
    expect(rows.map((row) => row.driver_id)).toEqual(ENTITIES.map((row) => BigInt(row.driver_id)));
  });
});
