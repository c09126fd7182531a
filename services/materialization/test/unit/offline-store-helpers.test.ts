import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { describe, expect, it } from "vitest";
import { BatchBuilder, batchDigest, checkBatchRows } from "../../src/offline-store/column-batch.js";
import { inferValueType, kindAccepts } from "../../src/offline-store/column-types.js";
import { duckDbKind } from "../../src/offline-store/duckdb-connection.js";
import { postgresKind } from "../../src/offline-store/postgres-offline-store.js";

describe("BatchBuilder", () => {
  it("regroups chunks of any size into batches of exactly batchRows, the last shorter", () => {
    const builder = new BatchBuilder(["a", "b"], 3);
    const out = [
      ...builder.push(
        [
          [1, 2],
          ["x", "y"],
        ],
        2,
      ),
      ...builder.push(
        [
          [3, 4, 5, 6],
          ["z", "w", "v", "u"],
        ],
        4,
      ),
      ...builder.flush(),
    ];
    expect(out.map((batch) => [batch.rowCount, batch.columns.get("a")])).toEqual([
      [3, [1, 2, 3]],
      [3, [4, 5, 6]],
    ]);
    expect(builder.flush()).toEqual([]);
  });

  it("rejects a batch size that is not a positive integer", () => {
    expect(() => checkBatchRows(0)).toThrow(/positive integer/);
    expect(checkBatchRows(undefined)).toBe(10_000);
  });
});

describe("batchDigest", () => {
  it("ignores column order and tells different content apart", () => {
    const one = {
      rowCount: 1,
      columns: new Map<string, unknown[]>([
        ["a", [1n]],
        ["b", [new Uint8Array([1])]],
      ]),
    };
    const swapped = {
      rowCount: 1,
      columns: new Map<string, unknown[]>([
        ["b", [new Uint8Array([1])]],
        ["a", [1n]],
      ]),
    };
    const other = {
      rowCount: 1,
      columns: new Map<string, unknown[]>([
        ["a", [1]],
        ["b", [new Uint8Array([1])]],
      ]),
    };
    expect(batchDigest(one)).toBe(batchDigest(swapped));
    expect(batchDigest(one)).not.toBe(batchDigest(other));
  });
});

describe("column kinds", () => {
  it("classifies DuckDB and PostgreSQL type names", () => {
    expect(duckDbKind("TIMESTAMP WITH TIME ZONE")).toEqual({ scalar: "timestamp", list: false });
    expect(duckDbKind("DECIMAL(18,3)")).toEqual({ scalar: "decimal", list: false });
    expect(duckDbKind("VARCHAR[]")).toEqual({ scalar: "string", list: true });
    expect(postgresKind("_int8")).toEqual({ scalar: "integer", list: true });
    expect(postgresKind("timestamptz")).toEqual({ scalar: "timestamp", list: false });
  });

  it("accepts a column only for feature types it can carry", () => {
    expect(kindAccepts(ValueType.DOUBLE, { scalar: "integer", list: false })).toBe(true);
    expect(kindAccepts(ValueType.INT64, { scalar: "float", list: false })).toBe(false);
    expect(kindAccepts(ValueType.STRING_LIST, { scalar: "string", list: true })).toBe(true);
    expect(kindAccepts(ValueType.STRING_LIST, { scalar: "string", list: false })).toBe(false);
    expect(kindAccepts(ValueType.MAP, { scalar: "other", list: false })).toBe(true);
  });

  it("infers a value type from JS values", () => {
    expect(inferValueType([null, 1, 2])).toBe(ValueType.INT64);
    expect(inferValueType([1, 2.5])).toBe(ValueType.DOUBLE);
    expect(inferValueType([[1.5], null])).toBe(ValueType.DOUBLE_LIST);
    expect(inferValueType([null])).toBe(ValueType.STRING);
  });
});
