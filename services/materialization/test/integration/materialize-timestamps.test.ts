import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { DuckDBInstance } from "@duckdb/node-api";
import { coerceJsonToValue } from "@larder/core";
import { ValueSchema } from "@larder/gen/es/larder/types/v1/value_pb";
import { openRegistry, type RegistryApi } from "@larder/registry";
import { Entity, FeatureStore, FeatureView, Field, FileSource, ValueType, types } from "@larder/sdk";
import { createEntityKeyEncoder, createOnlineStore, type OnlineStore } from "@larder/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalEngine } from "../../src/engine/local-engine.js";
import { materialize } from "../../src/materialize.js";
import { createDuckDbOfflineStore } from "../../src/offline-store/duckdb-offline-store.js";
import type { OfflineStore } from "../../src/offline-store/offline-store.js";

// UnixTimestamp features hold epoch seconds online (Feast's unix_timestamp_val). A TIMESTAMP source column
// reaches the engine as epoch milliseconds (the ColumnBatch convention) and a BIGINT column as the
// seconds it holds; both must land online as seconds, as historical retrieval reads them.

const PROJECT = "materialize_timestamps";
const T0 = Date.UTC(2024, 0, 1);
/** 2023-06-15T10:20:30.750Z: a time with a sub-second part, truncated to whole seconds online. */
const LAST_TRIP_MS = Date.UTC(2023, 5, 15, 10, 20, 30, 750);

let repoPath: string;
let registry: RegistryApi;
let offline: OfflineStore;
let online: OnlineStore;

beforeAll(async () => {
  repoPath = await mkdtemp(join(tmpdir(), "larder-materialize-ts-"));
  await mkdir(join(repoPath, "data"));
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(`
    COPY (
      SELECT 7::BIGINT AS driver_id,
        to_timestamp(${T0 / 1000}) AS event_timestamp,
        make_timestamp(${LAST_TRIP_MS * 1000}::BIGINT) AS last_trip,
        ${Math.floor(LAST_TRIP_MS / 1000)}::BIGINT AS last_trip_seconds
    ) TO '${join(repoPath, "data/trips.parquet")}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
  const store = await FeatureStore.open({ config: { project: PROJECT, registry: "data/registry.db" }, repoPath });
  const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64 });
  await store.apply([
    driver,
    new FeatureView({
      name: "trips",
      entities: [driver],
      ttl: 0,
      schema: [
        new Field({ name: "last_trip", dtype: types.UnixTimestamp }),
        new Field({ name: "last_trip_seconds", dtype: types.UnixTimestamp }),
      ],
      source: new FileSource({ name: "trips", path: "data/trips.parquet", timestampField: "event_timestamp" }),
    }),
  ]);
  const config = store.config;
  await store.close();
  registry = await openRegistry(config.registry);
  offline = createDuckDbOfflineStore({ repoPath });
  online = createOnlineStore({ type: "sqlite", path: join(repoPath, "data/online.db") });
});

afterAll(async () => {
  await online.close();
  await offline.close();
  await registry.close();
  await rm(repoPath, { recursive: true, force: true });
});

describe("materializing UnixTimestamp features", () => {
  it("stores epoch seconds from a TIMESTAMP column and from a BIGINT column of seconds", async () => {
    const [result] = await materialize(
      { project: PROJECT, registry, engine: createLocalEngine(offline, online) },
      { kind: "range", startMs: T0 - 1_000, endMs: T0 + 1_000, views: ["trips"] },
    );
    expect(result?.rows).toBe(1);
    const key = createEntityKeyEncoder(
      ["driver_id"],
      [ValueType.INT64],
    )([coerceJsonToValue(7n, ValueType.INT64, "driver_id")]);
    const view = {
      project: PROJECT,
      name: "trips",
      joinKeys: ["driver_id"],
      features: ["last_trip", "last_trip_seconds"],
    };
    const [[row]] = (await online.read([{ view, features: view.features, entityKeys: [key] }])) as [
      [{ values: (Uint8Array | undefined)[] } | undefined],
    ];
    const seconds = BigInt(Math.floor(LAST_TRIP_MS / 1000));
    const stored = row?.values.map((bytes) => fromBinary(ValueSchema, bytes!).val);
    expect(stored).toEqual([
      { case: "unixTimestampVal", value: seconds },
      { case: "unixTimestampVal", value: seconds },
    ]);
  });
});
