import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { DuckDBInstance } from "@duckdb/node-api";
import { Code } from "@larder/core";
import { DataSourceSchema, type DataSource } from "@larder/gen/es/larder/core/v1/data_source_pb";
import { ValueType } from "@larder/gen/es/larder/types/v1/value_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbOfflineStore } from "../../src/offline-store/duckdb-offline-store.js";
import type { OfflineStore, OfflineView } from "../../src/offline-store/offline-store.js";
import { at, batchOf, collect } from "./offline-store-harness.js";

const fileSource = (uri: string): DataSource =>
  create(DataSourceSchema, { name: uri, timestampField: "event_ts", options: { case: "fileOptions", value: { uri } } });

const viewOf = (source: DataSource): OfflineView => ({
  name: "v",
  source,
  joinKeys: [{ name: "driver_id", type: ValueType.INT64 }],
  features: [{ name: "rate", type: ValueType.DOUBLE }],
  ttlSeconds: 0,
});

describe("createDuckDbOfflineStore file layouts", () => {
  let repoPath: string;
  let store: OfflineStore;
  beforeAll(async () => {
    repoPath = await mkdtemp(join(tmpdir(), "larder-duckdb-"));
    await mkdir(join(repoPath, "parts"));
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    const rows = (ids: string) =>
      `SELECT i::BIGINT AS driver_id, TIMESTAMP '2024-01-01 01:00:00' AS event_ts, i / 10 AS rate FROM (VALUES ${ids}) AS t(i)`;
    await connection.run(`COPY (${rows("(1), (2)")}) TO '${join(repoPath, "stats.csv")}' (HEADER)`);
    await connection.run(`COPY (${rows("(1)")}) TO '${join(repoPath, "parts", "a.parquet")}' (FORMAT parquet)`);
    await connection.run(`COPY (${rows("(2)")}) TO '${join(repoPath, "parts", "b.parquet")}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    store = createDuckDbOfflineStore({ repoPath });
  });
  afterAll(async () => {
    await store.close();
    await rm(repoPath, { recursive: true, force: true });
  });

  it.each(["stats.csv", "parts", "parts/*.parquet"])("reads a %s source", async (uri) => {
    const { rows } = await collect(store.pullLatest(viewOf(fileSource(uri)), { startMs: 0, endMs: at(10) }));
    expect(rows.map((row) => [row.driver_id, row.rate]).sort()).toEqual([
      [1n, 0.1],
      [2n, 0.2],
    ]);
  });

  it("appends into a directory source as one content-named Parquet file", async () => {
    const batch = batchOf([{ driver_id: 3, event_ts: at(2), rate: 0.3 }]);
    expect(await store.append(fileSource("parts"), batch)).toEqual({ appended: 1 });
    expect(await store.append(fileSource("parts"), batch)).toEqual({ appended: 0 });
    expect((await readdir(join(repoPath, "parts"))).filter((name) => name.startsWith("larder-append-"))).toHaveLength(
      1,
    );
    const { rows } = await collect(store.pullLatest(viewOf(fileSource("parts")), { startMs: 0, endMs: at(10) }));
    expect(rows.map((row) => row.driver_id).sort()).toEqual([1n, 2n, 3n]);
  });

  it("appends to a CSV source through its sibling .larder-appends directory", async () => {
    const batch = batchOf([{ driver_id: 4, event_ts: at(2), rate: 0.4 }]);
    expect(await store.append(fileSource("stats.csv"), batch)).toEqual({ appended: 1 });
    expect(await readdir(join(repoPath, "stats.csv.larder-appends"))).toHaveLength(1);
    const { rows } = await collect(store.pullLatest(viewOf(fileSource("stats.csv")), { startMs: 0, endMs: at(10) }));
    expect(rows.map((row) => row.driver_id).sort()).toEqual([1n, 2n, 4n]);
  });

  it("refuses appends to a glob source", async () => {
    const batch = batchOf([{ driver_id: 5, event_ts: at(2), rate: 0.5 }]);
    await expect(store.append(fileSource("parts/*.parquet"), batch)).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
  });

  it("refuses remote URIs, which need extensions it does not load", async () => {
    await expect(store.validateSource(viewOf(fileSource("s3://bucket/x.parquet")))).rejects.toMatchObject({
      code: Code.FailedPrecondition,
    });
  });
});
