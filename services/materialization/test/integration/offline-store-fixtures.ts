import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import type { HistoricalRead, OfflineView } from "../../src/offline-store/offline-store.js";
import { at, fileHarness, postgresHarness, ts, type StoreHarness, type TableSpec } from "./offline-store-harness.js";

/** Both stores, for describe.each: every case runs on each. */
export const STORES: readonly (readonly [string, () => Promise<StoreHarness>])[] = [
  ["file (DuckDB)", fileHarness],
  ["postgres", postgresHarness],
];

/**
 * Driver stats. 1001 has two rows at 02:00; the one created later (03:00) is listed first so file order
 * cannot pick it by accident. 1003 has no created timestamp. trips_src is renamed to trips by field_mapping.
 */
export const DRIVER_STATS: TableSpec = {
  name: "driver_stats",
  columns: [
    ["driver_id", "int64"],
    ["event_ts", "ts"],
    ["created", "ts"],
    ["conv_rate", "double"],
    ["acc_rate", "double"],
    ["trips_src", "int64"],
  ],
  rows: [
    ["1001", ts(1), ts(1), "0.1", "0.5", "10"],
    ["1001", ts(2), ts(3), "0.25", "0.65", "25"],
    ["1001", ts(2), ts(2), "0.2", "0.6", "20"],
    ["1002", ts(1), ts(1), "0.3", "0.7", "30"],
    ["1002", ts(5), ts(5), "0.4", "0.8", "40"],
    ["1003", ts(3), "NULL", "0.9", "0.9", "90"],
  ],
};

/** Routes keyed by (origin, destination), with time zone-aware event times. */
export const ROUTES: TableSpec = {
  name: "routes",
  columns: [
    ["origin", "string"],
    ["destination", "string"],
    ["event_ts", "tstz"],
    ["duration", "int64"],
  ],
  rows: [
    ["'A'", "'B'", ts(1), "100"],
    ["'A'", "'B'", ts(3), "130"],
    ["'B'", "'A'", ts(2), "200"],
    ["'A'", "'C'", ts(1), "300"],
  ],
};

/** An entity table stored in the store's own form; `ord` gives the PostgreSQL query its order. */
export const ENTITY_TABLE: TableSpec = {
  name: "entity_rows",
  columns: [
    ["ord", "int64"],
    ["driver_id", "int64"],
    ["event_timestamp", "ts"],
  ],
  rows: [
    ["1", "1002", ts(6)],
    ["2", "1001", ts(2)],
    ["3", "1004", ts(1)],
  ],
};

/** A table that receives appends. */
export const PUSHED: TableSpec = {
  name: "pushed",
  columns: [
    ["driver_id", "int64"],
    ["event_ts", "ts"],
    ["created", "ts"],
    ["conv_rate", "double"],
    ["trips_src", "int64"],
  ],
  rows: [["2001", ts(1), ts(1), "0.5", "5"]],
};

export const TTL_2H = 7200;

export function driverView(h: StoreHarness, ttlSeconds = TTL_2H, name = "driver_stats"): OfflineView {
  return {
    name,
    source: h.source("driver_stats", { createdTimestampColumn: "created", fieldMapping: { trips_src: "trips" } }),
    joinKeys: [{ name: "driver_id", type: ValueType.INT64 }],
    features: [
      { name: "conv_rate", type: ValueType.DOUBLE },
      { name: "acc_rate", type: ValueType.DOUBLE },
      { name: "trips", type: ValueType.INT64 },
    ],
    ttlSeconds,
  };
}

export function routeView(h: StoreHarness): OfflineView {
  return {
    name: "route_stats",
    source: h.source("routes"),
    joinKeys: [
      { name: "destination", type: ValueType.STRING },
      { name: "origin", type: ValueType.STRING },
    ],
    features: [{ name: "duration", type: ValueType.INT64 }],
    ttlSeconds: 0,
  };
}

export function pushedView(h: StoreHarness): OfflineView {
  return {
    name: "pushed_stats",
    source: h.source("pushed", { createdTimestampColumn: "created", fieldMapping: { trips_src: "trips" } }),
    joinKeys: [{ name: "driver_id", type: ValueType.INT64 }],
    features: [
      { name: "conv_rate", type: ValueType.DOUBLE },
      { name: "trips", type: ValueType.INT64 },
    ],
    ttlSeconds: 0,
  };
}

/** A read of some features under their plain names (or the given output names). */
export function readOf(
  view: OfflineView,
  features: readonly string[],
  outputNames = features,
  joinKeyMap = {},
): HistoricalRead {
  return { view, features, outputNames, joinKeyMap };
}

/** Entity rows for the driver cases, deliberately out of time order, with a duplicate (rows 0 and 7). */
export const DRIVER_ENTITIES = [
  { driver_id: 1001, event_timestamp: at(2), label: "tie" },
  { driver_id: 1001, event_timestamp: at(1.5), label: "between" },
  { driver_id: 1002, event_timestamp: at(3), label: "ttl-edge" },
  { driver_id: 1002, event_timestamp: at(3) + 1000, label: "ttl-out" },
  { driver_id: 1002, event_timestamp: at(6), label: "latest" },
  { driver_id: 1004, event_timestamp: at(6), label: "unknown" },
  { driver_id: 1001, event_timestamp: at(0.5), label: "early" },
  { driver_id: 1001, event_timestamp: at(2), label: "tie" },
  { driver_id: 1001, event_timestamp: at(10), label: "stale" },
  { driver_id: 1003, event_timestamp: at(3), label: "exact" },
];
